import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { deflateRawSync, deflateSync } from "node:zlib";
import { adler32, isZlibStreamOf } from "./zlib-stream.ts";

/** zlib's own Adler-32 of `bytes`: the last four bytes of the zlib stream it makes of them. */
function zlibAdler(bytes: Uint8Array): number {
  const stream = deflateSync(bytes, { level: 1 });
  return stream.readUInt32BE(stream.length - 4);
}

describe("zlib streams", () => {
  it("Adler-32 is zlib's, for empty input, RFC 1950's example and runs past the sums' reduction", () => {
    assert.equal(adler32(new Uint8Array(0)), 1);
    assert.equal(adler32(Buffer.from("Wikipedia")), 0x11e60398);
    for (const length of [5551, 5552, 5553, 65_536 + 7, 1 << 20]) {
      const bytes = randomBytes(length);
      assert.equal(adler32(bytes), zlibAdler(bytes), `${length} random bytes`);
      const ones = Buffer.alloc(length, 0xff); // the largest sums
      assert.equal(adler32(ones), zlibAdler(ones), `${length} bytes of 0xff`);
    }
  });

  it("are told by their header and the Adler-32 of what they hold, at every level", () => {
    const chunk = randomBytes(100_000).map((byte) => byte % 16);
    const checksum = adler32(chunk);
    for (const level of [0, 1, 5, 9]) {
      assert.ok(isZlibStreamOf(deflateSync(chunk, { level }), checksum), `level ${level}`);
    }
    const stream = deflateSync(chunk, { level: 1 });
    assert.ok(!isZlibStreamOf(stream, (checksum + 1) >>> 0), "another chunk's checksum");
    assert.ok(!isZlibStreamOf(deflateRawSync(chunk), checksum), "raw deflate: no zlib header");
    const badCheck = Buffer.from(stream);
    badCheck[1] = (badCheck[1] as number) ^ 1;
    assert.ok(!isZlibStreamOf(badCheck, checksum), "header check bits wrong");
    assert.ok(!isZlibStreamOf(stream.subarray(stream.length - 6), checksum), "too short to be one");
  });
});
