import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MessageBuffers } from "./message-buffers.ts";

const MiB = 1 << 20;

describe("MessageBuffers (an upload's large messages, reused once acknowledged)", () => {
  it("hands a message's buffer out again only once the server appended its last frame", () => {
    const buffers = new MessageBuffers();
    const first = buffers.allocate(MiB);
    buffers.sent(first, 3); // frames 1…3
    assert.notEqual(buffers.allocate(MiB).buffer, first.buffer, "nothing acknowledged yet");
    buffers.acknowledged(2);
    assert.notEqual(buffers.allocate(MiB).buffer, first.buffer, "frame 3 not appended yet");
    buffers.acknowledged(3);
    const again = buffers.allocate(MiB - 100);
    assert.equal(again.buffer, first.buffer, "reused");
    assert.equal(again.byteLength, MiB - 100);
    assert.equal(again.byteOffset, 5, "grpc-js' header still has its room");
    assert.notEqual(buffers.allocate(MiB).buffer, first.buffer, "handed out once");
  });

  it("frees buffers in the order their messages were sent", () => {
    const buffers = new MessageBuffers();
    const messages = [1, 2, 3].map((last) => {
      const bytes = buffers.allocate(MiB);
      buffers.sent(bytes, last);
      return bytes.buffer;
    });
    buffers.acknowledged(2);
    assert.equal(buffers.held.free, 2 * buffers.held.sent);
    const reused = [buffers.allocate(MiB).buffer, buffers.allocate(MiB).buffer];
    assert.deepEqual(new Set(reused), new Set(messages.slice(0, 2)));
    assert.ok(!reused.includes(messages[2] as ArrayBufferLike));
  });

  it("reuses a buffer for a message that fits it, not for one over it or under half of it", () => {
    const buffers = new MessageBuffers();
    const big = buffers.allocate(4 * MiB);
    buffers.sent(big, 1);
    buffers.acknowledged(1);
    assert.notEqual(buffers.allocate(MiB).buffer, big.buffer, "a 1 MiB message does not take 4 MiB");
    assert.notEqual(buffers.allocate(5 * MiB).buffer, big.buffer, "too small");
    assert.equal(buffers.allocate(3 * MiB).buffer, big.buffer);
  });

  it("leaves small messages to Node's shared pool and untracked buffers to the collector", () => {
    const buffers = new MessageBuffers();
    const small = buffers.allocate(1000);
    buffers.sent(small, 1);
    buffers.sent(new Uint8Array(2 * MiB), 2); // not one of its own
    buffers.sent(undefined, 3);
    assert.deepEqual(buffers.held, { free: 0, sent: 0 });
  });

  it("holds at most 64 MiB of sent messages and 32 MiB of free buffers", () => {
    const buffers = new MessageBuffers();
    for (let last = 1; last <= 20; last++) buffers.sent(buffers.allocate(4 * MiB - 5), last);
    assert.equal(buffers.held.sent, 64 * MiB, "beyond, a message's buffer is not kept");
    buffers.acknowledged(20);
    assert.deepEqual(buffers.held, { free: 32 * MiB, sent: 0 });
  });

  it("gives the oldest free buffers up for newly freed ones when messages change size", () => {
    const buffers = new MessageBuffers();
    for (let last = 1; last <= 8; last++) buffers.sent(buffers.allocate(4 * MiB - 5), last);
    buffers.acknowledged(8); // 32 MiB of free 4 MiB buffers: the bound
    const small = buffers.allocate(MiB / 2);
    buffers.sent(small, 9);
    buffers.acknowledged(9);
    assert.equal(buffers.held.free, 28 * MiB + small.buffer.byteLength, "one large buffer gave way");
    assert.equal(buffers.allocate(MiB / 2).buffer, small.buffer, "and the small one is reused");
  });

  it("keeps nothing once the call is over", () => {
    const buffers = new MessageBuffers();
    const bytes = buffers.allocate(MiB);
    buffers.sent(bytes, 1);
    buffers.clear();
    buffers.acknowledged(1);
    assert.deepEqual(buffers.held, { free: 0, sent: 0 });
    assert.notEqual(buffers.allocate(MiB).buffer, bytes.buffer);
  });
});
