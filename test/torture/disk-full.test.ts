/**
 * Disk full (issue 8): a stream that fills its disk gets RESOURCE_EXHAUSTED saying so, its file keeps
 * every frame acknowledged as durable, and the server goes on serving files on other disks. Needs
 * root (it mounts a small tmpfs); skipped with one line otherwise.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runDiskFull, summaryLine } from "./disk-full.ts";

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
});
