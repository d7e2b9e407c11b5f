/**
 * Crash safety (issue 8), in small: a server killed with SIGKILL while three clients stream into
 * it, and once while it rebuilds those files at start, loses no frame it acknowledged as durable
 * (synced, or only written: the kernel keeps what a killed process wrote);
 * h5py and PyMoDAQ's loader read every file. `npm run torture` runs the long version.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCrashHarness, summaryLine } from "./crash.ts";

describe("kill -9 of the server", () => {
  it("loses no frame acknowledged as durable, and leaves every file readable", async (t) => {
    const result = await runCrashHarness({ kills: 3, seed: 20261125 });
    t.diagnostic(summaryLine(result));
    assert.deepEqual(result.problems, []);
    assert.equal(result.lost, 0);
    assert.ok(result.acknowledged > 0, summaryLine(result));
    // both kinds of acknowledgement were put to the test: synced, and written before a sync
    assert.ok(result.acknowledgedWritten > 0, summaryLine(result));
    assert.ok(result.acknowledgedWritten < result.acknowledged, summaryLine(result));
    assert.equal(result.readable, result.files.length);
    assert.ok(result.framesInFiles >= result.acknowledged);
  });
});
