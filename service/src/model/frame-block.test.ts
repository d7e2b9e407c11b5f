import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertInvalid } from "../testing/saver-error-assertions.ts";
import { createDataToExport } from "./data-to-export.ts";
import { blockBytes, blockFrom, createFrameBlock, frameOf, singleFrameBlock } from "./frame-block.ts";

// three frames of a counter (0D) and a 4-point trace with error bars (1D)
const counter = Float64Array.of(1, 2, 3);
const trace = Float32Array.from({ length: 12 }, (_, i) => i);
const errors = Float32Array.from({ length: 12 }, (_, i) => i / 10);
const first = createDataToExport({
  name: "det",
  timestamp: 100,
  data: [
    { name: "counter", data: [counter.subarray(0, 1)] },
    { name: "trace", data: [trace.subarray(0, 4)], errors: [errors.subarray(0, 4)] },
  ],
});

describe("FrameBlock", () => {
  it("holds frames one after the other, each readable as a DataToExport of views", () => {
    const block = createFrameBlock(first, 3, [[counter], [trace, errors]], [100, 101, 102]);
    assert.equal(blockBytes(block), 3 * 8 + 2 * 12 * 4);
    const third = frameOf(block, 2);
    assert.equal(third.timestamp, 102);
    assert.deepEqual(Array.from((third.data[0]?.data[0] ?? []) as ArrayLike<number>), [3]);
    assert.deepEqual(Array.from((third.data[1]?.data[0] ?? []) as ArrayLike<number>), [8, 9, 10, 11]);
    assert.deepEqual(
      Array.from((third.data[1]?.errors?.[0] ?? []) as ArrayLike<number>),
      [0.8, 0.9, 1, 1.1].map(Math.fround),
    );
    const rest = blockFrom(block, 1);
    assert.equal(rest.frames, 2);
    assert.deepEqual(Array.from(rest.timestamps), [101, 102]);
    assert.deepEqual(Array.from((rest.arrays[0]?.[0] ?? []) as ArrayLike<number>), [2, 3]);
    assert.equal(rest.first.timestamp, 101);
  });

  it("gives every frame the first one's timestamp when none are given", () => {
    const block = createFrameBlock(first, 3, [[counter], [trace, errors]]);
    assert.deepEqual(Array.from(block.timestamps), [100, 100, 100]);
    assert.equal(singleFrameBlock(first).frames, 1);
  });

  it("refuses arrays, timestamps and counts that do not fit, naming the field", () => {
    assertInvalid(() => createFrameBlock(first, 0, [[counter], [trace, errors]]), "frames", /1 to 1048576/);
    assertInvalid(
      () => createFrameBlock(first, 2, [[counter], [trace, errors]]),
      "data[0]",
      /need 2 in a Float64Array/,
    );
    assertInvalid(
      () => createFrameBlock(first, 3, [[counter], [trace, Float64Array.from(errors)]]),
      "data[1]",
      /Float64Array.*Float32Array/,
    );
    assertInvalid(
      () => createFrameBlock(first, 3, [[counter], [trace]]),
      "data[1]",
      /1 arrays for a block, the frame has 2/,
    );
    assertInvalid(
      () => createFrameBlock(first, 3, [[counter]]),
      "data",
      /1 DataWithAxes in the block's arrays, 2/,
    );
    assertInvalid(
      () => createFrameBlock(first, 3, [[counter], [trace, errors]], [1, 2]),
      "timestamps",
      /2 timestamps for 3 frames/,
    );
    assertInvalid(
      () => createFrameBlock(first, 3, [[counter], [trace, errors]], [1, Number.NaN, 3]),
      "timestamps[1]",
      /finite/,
    );
  });
});
