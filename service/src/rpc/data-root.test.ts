import assert from "node:assert/strict";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { SaverError } from "../errors.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { createDataRoot } from "./data-root.ts";

const base = realpathSync(tempDir("h5saver-root-"));
const rootDir = path.join(base, "root");
const elsewhere = path.join(base, "elsewhere");
mkdirSync(path.join(rootDir, "inside"), { recursive: true });
mkdirSync(elsewhere);
writeFileSync(path.join(elsewhere, "secret.h5"), "");
symlinkSync(elsewhere, path.join(rootDir, "out-link"));
symlinkSync(path.join(rootDir, "inside"), path.join(rootDir, "in-link"));
symlinkSync(path.join(elsewhere, "secret.h5"), path.join(rootDir, "file-link.h5"));
symlinkSync(path.join(base, "missing"), path.join(rootDir, "dangling"));

const dataRoot = createDataRoot(rootDir);
const detector = { saveType: "detector" } as const;

function denied(clientPath: string, phrase: RegExp): void {
  assert.throws(
    () => dataRoot.resolve(clientPath, detector),
    (error: unknown) => {
      assert.ok(error instanceof SaverError, String(error));
      assert.equal(error.code, "permission_denied");
      assert.match(error.message, phrase);
      return true;
    },
  );
}

describe("createDataRoot().resolve()", () => {
  it("puts a relative path under the root, creating nothing", () => {
    const resolved = dataRoot.resolve("2026/20261125/run_001.h5", detector);
    assert.equal(resolved.absolute, path.join(rootDir, "2026", "20261125", "run_001.h5"));
    assert.equal(resolved.relative, "2026/20261125/run_001.h5");
  });

  it("follows symlinks that stay inside the root", () => {
    const resolved = dataRoot.resolve("in-link/a.h5", detector);
    assert.equal(resolved.absolute, path.join(rootDir, "inside", "a.h5"));
    assert.equal(resolved.relative, "inside/a.h5");
  });

  it("refuses absolute paths and '..'", () => {
    denied("/etc/passwd", /is absolute/);
    denied("../x.h5", /contains '\.\.'/);
    denied("inside/../../x.h5", /contains '\.\.'/);
  });

  it("refuses symlinks that lead outside, to a folder, a file or nowhere", () => {
    denied("out-link/new.h5", /outside the data root/);
    denied("out-link/deeper/new.h5", /outside the data root/);
    denied("file-link.h5", /outside the data root/);
    denied("dangling/x.h5", /does not exist/);
  });

  it("refuses backslashes and paths that name no file as invalid data", () => {
    for (const bad of ["a\\b.h5", "./", "\0"]) {
      assert.throws(
        () => dataRoot.resolve(bad, detector),
        (error: unknown) => error instanceof SaverError && error.code === "invalid_data",
      );
    }
  });

  it("names a file as PyMoDAQ does when the path is empty", () => {
    const now = new Date(2026, 10, 25, 14, 38, 36);
    assert.equal(
      dataRoot.resolve("", { saveType: "scan", now }).relative,
      "2026/20261125/Dataset_20261125_000.h5",
    );
    assert.equal(
      dataRoot.resolve("", { saveType: "detector", now }).relative,
      "2026/20261125/Detector_20261125_14_38_36.h5",
    );
  });
});
