/**
 * The h5wasm backend's error classification: a write that finds the disk full is
 * resource_exhausted (the client gets RESOURCE_EXHAUSTED), not an HDF5 io_error. Needs root to mount
 * a small tmpfs; skipped otherwise.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { SaverError } from "../errors.ts";
import { openH5wasmFile } from "./h5wasm-backend.ts";

describe("h5wasm backend errors", () => {
  it("reports a full disk as resource_exhausted, saying the disk is full", async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip("not root: mounting a small tmpfs needs root");
      return;
    }
    const disk = mkdtempSync(path.join(tmpdir(), "h5saver-backend-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "h5saver-test", disk], { stdio: "pipe" });
    } catch (error) {
      rmSync(disk, { recursive: true });
      t.skip(`cannot mount a tmpfs here: ${(error as Error).message.split("\n")[0]}`);
      return;
    }
    t.after(() => {
      execFileSync("umount", [disk]);
      rmSync(disk, { recursive: true });
    });
    const backend = await openH5wasmFile(path.join(disk, "full.h5"), "create");
    await backend.createDataset("/d", {
      dtype: "float64",
      shape: [0, 1024],
      maxShape: [null, 1024],
      chunks: [1, 1024],
      compression: { kind: "none" },
    });
    let error: unknown;
    try {
      for (let row = 0; row < 1000; row++) {
        await backend.resize("/d", [row + 1, 1024]);
        await backend.writeSlice("/d", [row, 0], [1, 1024], new Float64Array(1024).fill(row));
        await backend.flush();
      }
    } catch (caught) {
      error = caught;
    }
    await backend.close().catch(() => undefined);
    assert.ok(error instanceof SaverError, `expected a SaverError, got ${String(error)}`);
    assert.equal(error.code, "resource_exhausted", error.message);
    assert.match(error.message, /the disk is full.*No space left on device/);
  });
});
