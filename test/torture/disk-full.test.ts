/**
 * Disk full (issue 8): a stream that fills its disk gets RESOURCE_EXHAUSTED saying so, its file keeps
 * every frame acknowledged as durable, and the server goes on serving files on other disks. Needs
 * root (it mounts a small tmpfs); skipped with one line otherwise.
 */
import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { createSaverClient, SaverClientError } from "@h5saver/client";
import { createSaverServer } from "../../service/src/rpc/saver-server.ts";
import { runDiskFull, summaryLine } from "./disk-full.ts";
import { mountSmallDisk, unmount } from "./harness.ts";

describe("a full disk", () => {
  it("refuses the stream with RESOURCE_EXHAUSTED, keeps every durable frame and serves other disks", async (t) => {
    const result = await runDiskFull();
    if (result.skipped) {
      t.skip(result.skipped);
      return;
    }
    t.diagnostic(summaryLine(result));
    assert.deepEqual(result.problems, []);
    assert.match(result.status, /^RESOURCE_EXHAUSTED: the disk is full/);
    assert.ok(result.acknowledged > 0 && result.framesInFile >= result.acknowledged, summaryLine(result));
  });

  it("refuses OpenFile on a full disk with RESOURCE_EXHAUSTED, leaves nothing behind, and opens once space is freed", async (t) => {
    const base = realpathSync(mkdtempSync(path.join(tmpdir(), "h5saver-full-open-")));
    const root = path.join(base, "root");
    const disk = path.join(root, "full");
    mkdirSync(disk, { recursive: true });
    const mounted = mountSmallDisk(disk, 1024 * 1024);
    if (!mounted.ok) {
      rmSync(base, { recursive: true, force: true });
      t.skip(mounted.why);
      return;
    }
    const server = createSaverServer({ root });
    const client = createSaverClient(`127.0.0.1:${await server.listen(0, "127.0.0.1")}`);
    try {
      // no room, one page, two pages: the journal's header, the HDF5 file's creation and its tree
      // each meet the full disk first in one of them
      let refused = 0;
      for (const room of [0, 4096, 8192]) {
        const { bsize, bavail } = statfsSync(disk);
        writeFileSync(path.join(disk, "filler"), Buffer.alloc(Math.max(0, bsize * bavail - room)));
        try {
          const fitted = await client.openFile({ path: "full/run.h5" });
          await fitted.close();
          rmSync(path.join(disk, "run.h5"));
        } catch (error) {
          if (!(error instanceof SaverClientError)) throw error;
          refused++;
          assert.equal(error.code, "RESOURCE_EXHAUSTED", error.message);
          // the journal's start, or the file's: either way an open that failed, no frames spoken of
          assert.match(
            error.message,
            /^the disk is full: (the crash journal '[^']+' could not be started \(ENOSPC\), so the file was not opened|cannot open 'full\/run\.h5' \(create\): no space left on its device)\. Free space on that disk/,
          );
          assert.deepEqual(
            readdirSync(disk),
            ["filler"],
            `with ${room} bytes free, what the failed open left`,
          );
        }
        rmSync(path.join(disk, "filler"));
        // the same open, with space: nothing of the failed one stands in its way
        const file = await client.openFile({ path: "full/run.h5" });
        await file.close();
        rmSync(path.join(disk, "run.h5"));
      }
      assert.ok(refused > 0, "a disk with no room at all refused the open");
    } finally {
      client.close();
      await server.close();
      unmount(disk);
      rmSync(base, { recursive: true, force: true });
    }
  });
});
