import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { pymodaqFilePath } from "./file-naming.ts";

// Local time, as PyMoDAQ names files from datetime.now(): 2024-03-05 07:08:09.
const NOW = new Date(2024, 2, 5, 7, 8, 9);
const DAY = path.join("2024", "20240305");

describe("pymodaqFilePath()", () => {
  const base = mkdtempSync(path.join(tmpdir(), "h5saver-naming-"));
  after(() => rmSync(base, { recursive: true, force: true }));

  it("names the first scan of the day <base>/<YYYY>/<YYYYMMDD>/Dataset_<YYYYMMDD>_000.h5, even if the folder does not exist", () => {
    const fresh = path.join(base, "fresh");
    assert.equal(
      pymodaqFilePath({ basePath: fresh, saveType: "scan", now: NOW }),
      path.join(fresh, DAY, "Dataset_20240305_000.h5"),
    );
  });

  it("takes the next index when Dataset_..._000.h5 and _001.h5 exist", () => {
    const root = path.join(base, "two");
    const folder = path.join(root, DAY);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "Dataset_20240305_000.h5"), "");
    writeFileSync(path.join(folder, "Dataset_20240305_001.h5"), "");
    assert.equal(
      pymodaqFilePath({ basePath: root, saveType: "scan", now: NOW }),
      path.join(folder, "Dataset_20240305_002.h5"),
    );
  });

  it("goes past the highest index, and ignores files of other days or names", () => {
    const root = path.join(base, "gap");
    const folder = path.join(root, DAY);
    mkdirSync(folder, { recursive: true });
    for (const name of [
      "Dataset_20240305_004.h5",
      "Dataset_20240304_009.h5",
      "Dataset_20240305_007.txt",
      "Scan_20240305_07_08_09.h5",
    ]) {
      writeFileSync(path.join(folder, name), "");
    }
    assert.equal(
      pymodaqFilePath({ basePath: root, saveType: "scan", now: NOW }),
      path.join(folder, "Dataset_20240305_005.h5"),
    );
  });

  it("names non-scan files <base_name>_<YYYYMMDD>_<HH>_<MM>_<SS>.h5, base_name 'Scan' by default", () => {
    assert.equal(
      pymodaqFilePath({ basePath: base, saveType: "detector", now: NOW }),
      path.join(base, DAY, "Scan_20240305_07_08_09.h5"),
    );
    assert.equal(
      pymodaqFilePath({ basePath: base, saveType: "detector", baseName: "Data", now: NOW }),
      path.join(base, DAY, "Data_20240305_07_08_09.h5"),
    );
  });

  it("pads month, day, hours, minutes and seconds to two digits and keeps late times", () => {
    const late = new Date(2025, 11, 31, 23, 59, 58);
    assert.equal(
      pymodaqFilePath({ basePath: base, saveType: "logger", baseName: "Log", now: late }),
      path.join(base, "2025", "20251231", "Log_20251231_23_59_58.h5"),
    );
  });

  it("uses an absolute addhoc path as it is", () => {
    const file = path.join(base, "elsewhere", "mine.h5");
    assert.equal(
      pymodaqFilePath({
        basePath: path.join(base, "ignored"),
        saveType: "scan",
        addhocFilePath: file,
        now: NOW,
      }),
      file,
    );
  });

  it("resolves a relative addhoc path against basePath", () => {
    assert.equal(
      pymodaqFilePath({
        basePath: base,
        saveType: "detector",
        addhocFilePath: path.join("sub", "run.h5"),
        now: NOW,
      }),
      path.join(base, "sub", "run.h5"),
    );
  });

  it("defaults `now` to the current time", () => {
    const before = new Date();
    const file = pymodaqFilePath({ basePath: base, saveType: "detector" });
    const day = `${before.getFullYear()}${String(before.getMonth() + 1).padStart(2, "0")}${String(before.getDate()).padStart(2, "0")}`;
    assert.ok(
      path.basename(file).startsWith(`Scan_${day}_`) || new Date().getDate() !== before.getDate(),
      file,
    );
  });
});
