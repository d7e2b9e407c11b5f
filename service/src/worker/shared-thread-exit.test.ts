import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { newFilesBackend } from "../backend/open-h5-file.ts";
import { tempDir } from "../testing/temp-dir.ts";

// (read when worker-saver-file.ts is first imported, below)
process.env.H5SAVER_WORKER_ENTRY = fileURLToPath(
  new URL("../testing/exiting-writer-thread.ts", import.meta.url),
);
const { openSaverFile, writerThreadLimit } = await import("./worker-saver-file.ts");

const dir = tempDir();
const frame = (k: number) => ({ name: "n", data: [{ name: "n", data: [Float64Array.of(k)] }] });

describe("a shared writer thread that exits", () => {
  it("fails its files' calls at once and takes no more files; the other threads go on", {
    skip:
      newFilesBackend().backend === "native" ? false : "new files are not written by the native backend here",
    timeout: 60_000,
  }, async () => {
    const files = await Promise.all(
      Array.from({ length: writerThreadLimit() }, (_, k) =>
        openSaverFile({ path: path.join(dir, `on-${k}.h5`) }),
      ),
    );
    const threads = new Set(files.map((file) => file.threadId));
    assert.equal(threads.size, writerThreadLimit());
    // the first file's thread dies under it (while no file is being opened there)
    const victim = files[0];
    assert.ok(victim);
    await assert.rejects(victim.addDetector("exit-thread"), /writer thread exited/);
    await assert.rejects(
      victim.addDetector("a"),
      /writer thread exited .*open it again/,
      "later calls fail at once",
    );
    // a new file is not placed on the dead thread: it opens and writes
    const next = await openSaverFile({ path: path.join(dir, "after.h5") });
    try {
      assert.notEqual(next.threadId, victim.threadId);
      await next.append(await next.startContinuous(await next.addDetector("a")), frame(1));
      for (const file of files.slice(1)) {
        await file.append(await file.startContinuous(await file.addDetector("a")), frame(2));
      }
    } finally {
      await next.close();
      for (const file of files) await file.close().catch(() => undefined);
    }
  });
});
