import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createByteQueue } from "./byte-queue.ts";

describe("ByteQueue", () => {
  it("finds a pattern that spans chunks and takes bytes across them", () => {
    const q = createByteQueue();
    q.push(Uint8Array.of(1, 2, 0x46));
    q.push(Uint8Array.of(0x52));
    q.push(Uint8Array.of(0x4d, 0x45, 9));
    assert.equal(q.indexOf(Uint8Array.of(0x46, 0x52, 0x4d, 0x45)), 2);
    assert.equal(q.indexOf(Uint8Array.of(0x46, 0x52, 0x4d, 0x46)), -1);
    assert.equal(q.at(4), 0x4d);
    assert.deepEqual([...q.peek(1, 5)], [2, 0x46, 0x52, 0x4d]);
    q.skip(1);
    assert.deepEqual([...q.take(4)], [2, 0x46, 0x52, 0x4d]);
    assert.equal(q.length, 2);
    assert.deepEqual([...q.take(2)], [0x45, 9]);
    assert.equal(q.length, 0);
  });

  it("searches from an offset", () => {
    const q = createByteQueue();
    q.push(Uint8Array.of(7, 0, 7));
    q.push(Uint8Array.of(0, 7));
    assert.equal(q.indexOf(Uint8Array.of(7, 0), 1), 2);
    assert.equal(q.indexOf(Uint8Array.of(7, 0), 3), -1);
  });
});
