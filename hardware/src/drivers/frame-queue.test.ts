import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeviceError } from "../errors.ts";
import { rejection } from "../testing/take.ts";
import { createFrameQueue } from "./frame-queue.ts";

describe("FrameQueue", () => {
  it("drops the oldest when full, counting each drop", async () => {
    const dropped: number[] = [];
    const queue = createFrameQueue<number>(2, (n) => dropped.push(n));
    for (const n of [1, 2, 3, 4]) queue.push(n);
    assert.equal(queue.dropped, 2);
    assert.deepEqual(dropped, [1, 2]);
    assert.equal(await queue.next(), 3);
    assert.equal(await queue.next(), 4);
  });

  it("hands a waiting consumer the next frame, then ends or fails after what is queued", async () => {
    const queue = createFrameQueue<number>(4);
    const waiting = queue.next();
    queue.push(7);
    assert.equal(await waiting, 7);
    queue.push(8);
    queue.fail(new DeviceError("disconnected", "gone"));
    assert.equal(await queue.next(), 8);
    const error = await rejection(queue.next());
    assert.ok(error instanceof DeviceError && error.code === "disconnected");
  });

  it("rejects with the caller's timeout error when no frame comes", async () => {
    const queue = createFrameQueue<number>(4);
    const error = await rejection(queue.next(20, () => new DeviceError("timeout", "cam sent nothing")));
    assert.ok(error instanceof DeviceError);
    assert.equal(error.message, "cam sent nothing");
    queue.push(1);
    assert.equal(await queue.next(20), 1);
  });
});
