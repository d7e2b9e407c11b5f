import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { framableBuffer, framingInPlace } from "./grpc-framing.ts";

interface Framing {
  writeMessage(message: Buffer, compress: boolean): Promise<Buffer>;
}

/** grpc-js' own identity framing, as a call's compression filter uses it. */
function identityFraming(): Framing {
  const { CompressionFilter } = createRequire(import.meta.url)(
    "@grpc/grpc-js/build/src/compression-filter",
  ) as {
    CompressionFilter: new (options: object, shared: object) => { sendCompression: Framing };
  };
  return new CompressionFilter({}, {}).sendCompression;
}

describe("framing in place (grpc-js' header written before the client's own message)", () => {
  it("applies to the grpc-js this project pins", () => {
    assert.equal(framingInPlace, process.env.H5SAVER_FRAME_IN_PLACE !== "off");
  });

  it("frames a large message in its own buffer, once; anything else is copied as grpc-js does", {
    skip: !framingInPlace,
  }, async () => {
    const framing = identityFraming();
    const message = framableBuffer(1 << 20);
    message.fill(7);
    const framed = await framing.writeMessage(message, false);
    assert.equal(framed.buffer, message.buffer, "no copy: the header went into the room before the message");
    assert.deepEqual([...framed.subarray(0, 5)], [0, 0, 0x10, 0, 0]);
    assert.ok(framed.subarray(5).equals(message));
    // written a second time (a retried call), and other buffers: grpc-js' own copy
    const again = await framing.writeMessage(message, false);
    assert.notEqual(again.buffer, message.buffer);
    assert.ok(again.subarray(5).equals(message));
    // a small message (from Node's shared pool, which grpc-js' copy comes from too): framed as ever
    const small = framableBuffer(100).fill(3);
    const other = await framing.writeMessage(small, false);
    assert.deepEqual([...other.subarray(0, 5)], [0, 0, 0, 0, 100]);
    assert.ok(other.subarray(5).equals(small));
    assert.notEqual(other.byteOffset + 5, small.byteOffset, "copied, not framed in place");
  });
});
