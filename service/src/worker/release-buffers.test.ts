import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { enableBufferRelease } from "./release-buffers.ts";

/** What the thread below reports: the runtime's answer, then the call's arrays after release. */
interface Report {
  readonly hasTransfer: boolean;
  readonly freed: number;
  readonly lengths: Record<string, number>;
  readonly shared: number[];
}

// A writer thread's view: the arguments of an appendBlock call, as the thread receives them.
const THREAD = `
import("tsx/esm/api").then(async (tsx) => {
  tsx.register();
  const { parentPort } = await import("node:worker_threads");
  const { releaseBuffers } = await import(${JSON.stringify(new URL("./release-buffers.ts", import.meta.url).href)});
  const message = new ArrayBuffer(4096);
  const image = new Uint16Array(message, 64, 1024);
  const axis = new Float64Array(message, 2112, 16);
  const timestamps = new Float64Array(8);
  const shared = new Int32Array(new SharedArrayBuffer(16)).fill(5);
  const args = ["stream-1", { frames: 8, first: { data: [{ data: [image], axes: [{ data: axis }] }] },
    arrays: [[image]], timestamps, shared }];
  const hasTransfer = typeof ArrayBuffer.prototype.transfer === "function";
  const freed = releaseBuffers(args);
  parentPort.postMessage({ hasTransfer, freed,
    lengths: { image: image.length, axis: axis.length, timestamps: timestamps.length, message: message.byteLength },
    shared: Array.from(shared) });
});`;

describe("releaseBuffers()", () => {
  it("frees each buffer under a call's arguments once, in a writer thread, and leaves shared memory alone", async () => {
    enableBufferRelease();
    const thread = new Worker(THREAD, { eval: true });
    const [report] = (await once(thread, "message")) as [Report];
    await thread.terminate();
    assert.equal(
      report.hasTransfer,
      true,
      "writer threads started after enableBufferRelease() can detach buffers",
    );
    assert.equal(report.freed, 4096 + 8 * 8, "the message's buffer (two views of it) and the timestamps'");
    assert.deepEqual(report.lengths, { image: 0, axis: 0, timestamps: 0, message: 0 });
    assert.deepEqual(report.shared, [5, 5, 5, 5]);
  });
});
