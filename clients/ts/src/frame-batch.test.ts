import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { frameBlockFromProto } from "@h5saver/service/rpc/convert";
import { ALONE_BYTES, FrameBatch } from "./frame-batch.ts";

const frame = (k: number, length = 4) => ({
  name: "det",
  timestamp: 100 + k,
  data: [
    { name: "counter", data: [Float64Array.of(k)] },
    { name: "trace", data: [Float32Array.from({ length }, (_, i) => k * 10 + i)] },
  ],
});

describe("FrameBatch", () => {
  it("gathers frames of one layout into one message the server reads back frame by frame", () => {
    const batch = new FrameBatch();
    for (let k = 1; k <= 5; k++) assert.equal(batch.add(frame(k), k), true);
    const request = batch.take();
    assert.equal(request?.sequence, 1n);
    assert.equal(request?.frames, 5);
    assert.deepEqual(request?.timestamps, [101, 102, 103, 104, 105]);
    const block = frameBlockFromProto(
      request?.data as NonNullable<typeof request>["data"] & object,
      5,
      request?.timestamps ?? [],
    );
    assert.deepEqual(Array.from(block.arrays[0]?.[0] as Float64Array), [1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(block.arrays[1]?.[0] as Float32Array).slice(16), [50, 51, 52, 53]);
    assert.equal(batch.size, 0);
    assert.equal(batch.take(), undefined);
  });

  it("sends a frame alone as an ordinary single-frame message", () => {
    const batch = new FrameBatch();
    batch.add(frame(7), 7);
    const request = batch.take();
    assert.equal(request?.frames, 0);
    assert.equal(request?.sequence, 7n);
    assert.equal(request?.data?.timestamp, 107);
  });

  it("refuses a frame of another layout, or beyond its limits, so that it starts the next message", () => {
    const batch = new FrameBatch({ maxFrames: 3 });
    batch.add(frame(1), 1);
    assert.equal(batch.add(frame(2, 5), 2), false, "another trace length");
    assert.equal(batch.add({ ...frame(2), name: "other" }, 2), false, "another name");
    batch.add(frame(2), 2);
    batch.add(frame(3), 3);
    assert.equal(batch.full, true);
    assert.equal(batch.add(frame(4), 4), false, "over maxFrames");
    const bytes = new FrameBatch({ maxBytes: 50 }); // one frame: 8 + 16 bytes
    bytes.add(frame(1), 1);
    bytes.add(frame(2), 2);
    assert.equal(bytes.full, true);
  });

  it("sends large frames one per message, whatever maxBytes allows (joining them would copy them again)", () => {
    const batch = new FrameBatch({ maxBytes: 64 * ALONE_BYTES });
    const big = (k: number) => ({
      name: "cam",
      data: [{ name: "img", data: [new Uint8Array(ALONE_BYTES).fill(k)] }],
    });
    batch.add(big(1), 1);
    assert.equal(batch.full, true);
    assert.equal(batch.add(big(2), 2), false);
    const request = batch.take();
    assert.equal(request?.frames, 0, "a single-frame message");
    const small = new FrameBatch({ maxBytes: 64 * ALONE_BYTES });
    small.add(frame(1, ALONE_BYTES / 8), 1);
    assert.equal(small.full, false, "just under the threshold still batches");
  });

  it("validates the frame that starts a batch in full", () => {
    const batch = new FrameBatch();
    assert.throws(() => batch.add({ name: "", data: [] }, 1), /non-empty name/);
  });
});
