import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CAMERA_HEADER_BYTES,
  type CameraDType,
  type CameraMessage,
  encodeCameraMessage,
} from "../drivers/camera/camera-protocol.ts";
import { cameraImage } from "../drivers/camera/camera-simulator.ts";
import { GARBAGE } from "../simulators/fault-plan.ts";
import { byteByByte, concat, everySplit, randomChunks } from "../testing/chunkings.ts";
import { createCameraDecoder } from "./camera-decoder.ts";

const image = (sequence: number, width: number, height: number, dtype: CameraDType = "uint16") =>
  encodeCameraMessage({
    kind: "image",
    sequence,
    deviceTimeNs: 1_000_000n * BigInt(sequence),
    width,
    height,
    dtype,
    pixels: cameraImage(sequence, width, height, dtype),
  });

function decodeInvariant(chunks: Uint8Array[]) {
  const { messages, crcErrors, skipped } = decode(chunks);
  return { messages, crcErrors, skipped };
}

function decode(chunks: Uint8Array[]) {
  const decoder = createCameraDecoder();
  const messages: string[] = [];
  const errors: string[] = [];
  let skipped = 0;
  for (const chunk of chunks) {
    for (const r of decoder.push(chunk)) {
      if (r.ok) messages.push(describe1(r.value));
      else {
        errors.push(r.error.code);
        skipped += r.skipped;
      }
    }
  }
  // how many error events garbage makes depends on the reads; what was skipped and dropped does not
  return { messages, crcErrors: errors.filter((e) => e === "crc_mismatch").length, skipped, errors };
}

function describe1(m: CameraMessage): string {
  if (m.kind === "text") return `text:${m.text}`;
  const expected = cameraImage(m.sequence, m.width, m.height, m.dtype);
  assert.deepEqual(m.pixels, expected);
  return `image:${m.sequence}:${m.width}x${m.height}:${m.dtype}:${m.deviceTimeNs}`;
}

describe("camera decoder", () => {
  it("lays out the header as documented (sync, version, kind, dtype, seq, time, size, length, CRC)", () => {
    const bytes = image(0x01020304, 3, 2);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x48, 0x35, 0x46, 0x52, 1, 1, 2, 0]);
    assert.deepEqual([...bytes.subarray(8, 12)], [4, 3, 2, 1]);
    assert.deepEqual([...bytes.subarray(20, 28)], [3, 0, 2, 0, 12, 0, 0, 0]);
    assert.equal(bytes.length, CAMERA_HEADER_BYTES + 12 + 4);
    // pixel (x=1, y=0) of image 0x01020304: (3 + 7k) mod 4096, little-endian
    const value = (3 + 7 * 0x01020304) % 4096;
    assert.deepEqual([...bytes.subarray(34, 36)], [value & 0xff, value >> 8]);
  });

  it("decodes images and text replies at every chunk boundary, through garbage and a bad payload CRC", () => {
    const bad = image(2, 4, 3);
    bad[CAMERA_HEADER_BYTES + 1] = (bad[CAMERA_HEADER_BYTES + 1] as number) ^ 0x10;
    const stream = concat(
      image(1, 4, 3),
      GARBAGE,
      encodeCameraMessage({ kind: "text", text: "OK" }),
      bad,
      image(3, 5, 2, "uint8"),
      GARBAGE.subarray(3, 9),
      image(4, 2, 2, "float32"),
      image(5, 2, 1, "uint32"),
    );
    const whole = decode([stream]);
    assert.deepEqual(whole.messages, [
      "image:1:4x3:uint16:1000000",
      "text:OK",
      "image:3:5x2:uint8:3000000",
      "image:4:2x2:float32:4000000",
      "image:5:2x1:uint32:5000000",
    ]);
    assert.equal(whole.crcErrors, 1);
    assert.equal(whole.skipped, GARBAGE.length + bad.length + 6);
    const invariant = decodeInvariant([stream]);
    for (const chunks of everySplit(stream)) assert.deepEqual(decodeInvariant(chunks), invariant);
    assert.deepEqual(decodeInvariant(byteByByte(stream)), invariant);
  });

  it("rejects a corrupted header at once instead of waiting for its announced payload", () => {
    const good = image(9, 4, 4);
    const corrupt = image(8, 4, 4);
    corrupt[26] = 0x7f; // length → ~2 GB
    const result = decode([concat(corrupt.subarray(0, CAMERA_HEADER_BYTES), good)]);
    assert.deepEqual(result.messages, ["image:9:4x4:uint16:9000000"]);
    assert.ok(result.errors.every((e) => e === "bad_frame"));
  });

  it("decodes a 2048×2048 uint16 frame (8 MiB) arriving in pty-sized reads", () => {
    const big = image(1, 2048, 2048);
    const chunks = randomChunks(big, 65_536, 7);
    const result = decode(chunks);
    assert.deepEqual(result.messages, ["image:1:2048x2048:uint16:1000000"]);
  });

  it("encodes and decodes the README's example messages byte for byte", () => {
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
    const example = encodeCameraMessage({
      kind: "image",
      sequence: 1,
      deviceTimeNs: 1000n,
      width: 2,
      height: 2,
      dtype: "uint16",
      pixels: Uint16Array.of(1, 2, 3, 0x0fff),
    });
    const expected =
      "48 35 46 52 01 01 02 00 01 00 00 00 e8 03 00 00 00 00 00 00 02 00 02 00 08 00 00 00 0b 13 42 19 " +
      "01 00 02 00 03 00 ff 0f f1 31 6e f5";
    assert.equal(hex(example), expected);
    const ok =
      "48 35 46 52 01 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 a7 0b 12 43 4f 4b 2d d9 36 d7";
    assert.equal(hex(encodeCameraMessage({ kind: "text", text: "OK" })), ok);
    const decoder = createCameraDecoder();
    const results = decoder.push(
      concat(
        example,
        Uint8Array.from(ok.split(" "), (h) => Number.parseInt(h, 16)),
      ),
    );
    const [image, text] = results.map((r) => (r.ok ? r.value : r.error.message));
    assert.ok(typeof image === "object" && image.kind === "image");
    assert.deepEqual([...image.pixels], [1, 2, 3, 0x0fff]);
    assert.deepEqual(text, { kind: "text", text: "OK" });
  });
});
