import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeTcd1304Frame, frameBytes, TCD1304_PIXELS } from "../drivers/tcd1304/tcd1304-protocol.ts";
import { GARBAGE } from "../simulators/fault-plan.ts";
import { byteByByte, concat, everySplit, randomChunks } from "../testing/chunkings.ts";
import { createTcd1304Decoder } from "./tcd1304-decoder.ts";

const frame = (counter: number, pixels: number) =>
  encodeTcd1304Frame({
    counter,
    pixels: Uint16Array.from({ length: pixels }, (_, i) => (i * 7 + counter) & 0xfff),
  });

/** Counters of the frames decoded and the codes of the errors, for one way of cutting the stream. */
function decode(chunks: Uint8Array[]) {
  const decoder = createTcd1304Decoder();
  const frames: number[] = [];
  const errors: string[] = [];
  let skipped = 0;
  for (const chunk of chunks) {
    for (const r of decoder.push(chunk)) {
      if (r.ok) {
        frames.push(r.value.counter);
        assert.equal(r.value.pixels[5], (35 + r.value.counter) & 0xfff);
      } else {
        errors.push(r.error.code);
        skipped += r.skipped;
      }
    }
  }
  return { frames, crc: errors.filter((e) => e === "crc_mismatch").length, skipped };
}

describe("tcd1304 decoder", () => {
  it("lays the frame out as the blackpill firmware: FRME, counter, count, pixels, ENDF, CRC-16 LE", () => {
    const bytes = encodeTcd1304Frame({ counter: 0x0102, pixels: Uint16Array.of(0x0a0b, 0x0c0d) });
    assert.deepEqual(
      [...bytes.subarray(0, 16)],
      [0x46, 0x52, 0x4d, 0x45, 0x02, 0x01, 0x02, 0x00, 0x0b, 0x0a, 0x0d, 0x0c, 0x45, 0x4e, 0x44, 0x46],
    );
    assert.equal(bytes.length, frameBytes(2));
    assert.equal(frameBytes(TCD1304_PIXELS), 7402);
  });

  it("decodes the same frames whatever the chunk boundaries, with garbage and a bad CRC between", () => {
    const bad = frame(2, 16);
    bad[20] = (bad[20] as number) ^ 0xff;
    const stream = concat(frame(1, 16), GARBAGE, bad, frame(3, 16), GARBAGE.subarray(0, 5), frame(4, 16));
    const whole = decode([stream]);
    assert.deepEqual(whole.frames, [1, 3, 4]);
    assert.equal(whole.crc, 1);
    assert.equal(whole.skipped, GARBAGE.length + bad.length + 5);
    for (const chunks of everySplit(stream)) assert.deepEqual(decode(chunks), whole);
    assert.deepEqual(decode(byteByByte(stream)), whole);
  });

  it("decodes full 3694-pixel frames split at every boundary", () => {
    const stream = concat(frame(7, TCD1304_PIXELS), frame(8, TCD1304_PIXELS));
    for (const chunks of everySplit(stream)) assert.deepEqual(decode(chunks).frames, [7, 8]);
    assert.deepEqual(decode(randomChunks(stream, 64)).frames, [7, 8]);
  });

  it("treats a marker with an impossible pixel count or no ENDF as a false start", () => {
    const fake = Uint8Array.of(0x46, 0x52, 0x4d, 0x45, 0, 0, 0xff, 0xff); // 65535 pixels
    const truncated = frame(5, 16).subarray(0, 30); // cut before ENDF
    const stream = concat(fake, truncated, frame(6, 16));
    const result = decode([stream]);
    assert.deepEqual(result.frames, [6]);
    assert.equal(result.skipped, fake.length + truncated.length);
    for (const chunks of everySplit(stream)) assert.deepEqual(decode(chunks), result);
  });
});
