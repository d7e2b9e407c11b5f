/**
 * How a server's ready thread and its warm-up meet the first file. Apart from warm-up.test.ts:
 * the ready thread is one per process, and each of these needs none to be ready when it starts.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { prewarmIn } from "../testing/prewarm-in.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { openSaverFile } from "./worker-saver-file.ts";

const dir = tempDir();

/** The threadId the next thread started will get (worker_threads counts them up, process-wide). */
async function nextThreadId(): Promise<number> {
  const probe = new Worker("", { eval: true });
  const id = probe.threadId;
  await probe.terminate();
  return id + 1;
}

async function writeOneFrame(filePath: string): Promise<number> {
  const file = await openSaverFile({ path: filePath });
  try {
    const stream = await file.startContinuous(await file.addDetector("det"));
    await file.append(stream, { name: "det", data: [{ name: "x", data: [Float64Array.of(1, 2)] }] });
    await file.endContinuous(stream);
    return file.threadId;
  } finally {
    await file.close();
  }
}

describe("the ready thread's warm-up", () => {
  it("ends early for a file opened while it runs; the file is served by that thread", async () => {
    const alive = setInterval(() => undefined, 1000);
    try {
      const warmed = nextThreadId().then(async (id) => {
        const outcome = prewarmIn(dir);
        // opened at once: the thread is still loading HDF5 when asked to stop
        const served = await writeOneFrame(path.join(dir, "early.h5"));
        return { id, served, outcome: await outcome };
      });
      const { id, served, outcome } = await warmed;
      assert.ok("milliseconds" in outcome, JSON.stringify(outcome));
      assert.equal(outcome.cutShort, true, "the warm-up stopped for the file");
      assert.equal(served, id, "the file was served by the thread that had been warming up");
    } finally {
      clearInterval(alive);
    }
  });

  it("that fails ends its thread: the next file gets a fresh one", async () => {
    // the thread of the test above is ready: a file takes it, so that none is ready now
    const previous = await openSaverFile({ path: path.join(dir, "takes-the-ready-one.h5") });
    const alive = setInterval(() => undefined, 1000);
    try {
      const notADirectory = path.join(dir, "not-a-directory");
      writeFileSync(notADirectory, "");
      const failing = await nextThreadId();
      const outcome = await prewarmIn(notADirectory);
      assert.ok("error" in outcome, JSON.stringify(outcome));
      assert.match(outcome.error.message, /not-a-directory/);
      await previous.close();
      const served = await writeOneFrame(path.join(dir, "after-failure.h5"));
      assert.ok(served > failing, `served by thread ${served}, not by ${failing} whose warm-up failed`);
    } finally {
      clearInterval(alive);
      await previous.close();
    }
  });
});
