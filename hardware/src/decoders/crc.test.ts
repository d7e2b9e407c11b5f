import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc16Ccitt, crc32, crc32Portable } from "./crc.ts";

const CHECK = new TextEncoder().encode("123456789");

describe("crc16Ccitt()", () => {
  it("gives the CRC-16/CCITT-FALSE check value 0x29B1", () => {
    assert.equal(crc16Ccitt(CHECK), 0x29b1);
    assert.equal(crc16Ccitt(new Uint8Array(0)), 0xffff);
  });
});

describe("crc32()", () => {
  it("gives zlib's check value 0xCBF43926, natively and portably, also in pieces", () => {
    assert.equal(crc32(CHECK), 0xcbf43926);
    assert.equal(crc32Portable(CHECK), 0xcbf43926);
    assert.equal(crc32(CHECK.subarray(4), crc32(CHECK.subarray(0, 4))), 0xcbf43926);
  });
});
