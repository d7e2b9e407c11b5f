import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chunksPerRow, MAX_ROW_CHUNK_BYTES, WHOLE_ROW_CHUNK_BYTES } from "./pymodaq-tree.ts";

describe("chunksPerRow()", () => {
  it("keeps rows of up to 2 MiB whole", () => {
    assert.equal(chunksPerRow([512, 512], 2), 1);
    assert.equal(chunksPerRow([1024, 1024], 2), 1, "exactly MAX_ROW_CHUNK_BYTES");
    assert.equal(chunksPerRow([], 8), 1);
    assert.equal(chunksPerRow([2048], 8), 1);
  });

  it("cuts a larger row along its first dimension into the fewest equal parts of at most 2 MiB", () => {
    assert.equal(chunksPerRow([2048, 2048], 2), 4, "8 MiB camera frames: chunks of 512 × 2048");
    assert.equal(chunksPerRow([1100, 1100], 2), 2, "2.4 MB: two halves of 1.2 MB");
    assert.equal(chunksPerRow([3, 1024, 1024], 2), 3, "6 MiB: one plane each");
    assert.equal(chunksPerRow([4 << 20], 8), 16, "a 32 MiB spectrum: 16 runs of 2 MiB");
    for (const [shape, itemBytes] of [
      [[2048, 2048], 2],
      [[1100, 1100], 2],
      [[4 << 20], 8],
    ] as const) {
      const parts = chunksPerRow(shape, itemBytes);
      const chunkBytes = (shape.reduce((a, b) => a * b, 1) * itemBytes) / parts;
      assert.ok(
        chunkBytes <= MAX_ROW_CHUNK_BYTES && chunkBytes >= WHOLE_ROW_CHUNK_BYTES,
        `${shape}: ${chunkBytes}`,
      );
      assert.equal((shape[0] as number) % parts, 0, `${shape}: whole slices of the first dimension`);
    }
  });

  it("keeps a row whole when no such cut gives chunks of 256 KiB or more", () => {
    assert.equal(chunksPerRow([2039, 2048], 2), 1, "a prime first dimension: only slices of 4 KiB");
    assert.equal(chunksPerRow([1, 4096, 1024], 2), 1, "a first dimension of 1 cannot be cut");
  });
});
