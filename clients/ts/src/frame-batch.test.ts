import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { createDataToExport } from "@h5saver/service/model";
import {
  dataToExportFromProto,
  dataToExportToProto,
  frameBlockFromProto,
} from "@h5saver/service/rpc/convert";
import { encodingOf } from "@h5saver/service/rpc/grpc-glue";
import { blockPart, DEFAULT_BATCH, FrameBatch } from "./frame-batch.ts";

/**
 * What the server decodes from the bytes a batch is sent as, read where the server reads them:
 * grpc-js hands it each message in a buffer of its own, behind the 5-byte gRPC frame header.
 */
function sent(request: svc.StreamRequest | undefined): svc.StreamRequest {
  assert.ok(request);
  const bytes = encodingOf(request);
  assert.ok(bytes, "the request goes as bytes encoded once");
  const framed = new Uint8Array(bytes.byteLength + 5);
  framed.set(bytes, 5);
  return fromBinary(svc.StreamRequestSchema, framed.subarray(5));
}

const frame = (k: number, length = 4) => ({
  name: "det",
  timestamp: 100 + k,
  data: [
    { name: "counter", data: [Float64Array.of(k)] },
    { name: "trace", data: [Float32Array.from({ length }, (_, i) => k * 10 + i)] },
  ],
});

describe("FrameBatch", () => {
  it("gathers frames of one layout into one message the server reads back frame by frame", () => {
    const batch = new FrameBatch();
    for (let k = 1; k <= 5; k++) assert.equal(batch.add(frame(k), k), true);
    const request = sent(batch.take());
    assert.equal(request?.sequence, 1n);
    assert.equal(request?.frames, 5);
    assert.deepEqual(request?.timestamps, [101, 102, 103, 104, 105]);
    const block = frameBlockFromProto(
      request?.data as NonNullable<typeof request>["data"] & object,
      5,
      request?.timestamps ?? [],
    );
    assert.deepEqual(Array.from(block.arrays[0]?.[0] as Float64Array), [1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(block.arrays[1]?.[0] as Float32Array).slice(16), [50, 51, 52, 53]);
    assert.equal(batch.size, 0);
    assert.equal(batch.take(), undefined);
  });

  it("sends a frame alone as an ordinary single-frame message", () => {
    const batch = new FrameBatch();
    batch.add(frame(7), 7);
    const request = sent(batch.take({ sessionId: "s1", streamId: "/RawData/Detector000" }));
    assert.equal(request.frames, 0);
    assert.equal(request.sequence, 7n);
    assert.equal(request.sessionId, "s1");
    assert.equal(request.streamId, "/RawData/Detector000");
    assert.equal(request.data?.timestamp, 107);
    const dte = dataToExportFromProto(request.data as NonNullable<typeof request.data>);
    assert.deepEqual(Array.from(dte.data[1]?.data[0] as Float32Array), [70, 71, 72, 73]);
  });

  it("encodes a frame with errors and a background as protobuf-es would (the same message decoded)", () => {
    const full = {
      name: "cam",
      timestamp: 3,
      data: [
        {
          name: "img",
          data: [Uint16Array.of(1, 2, 3, 4), Uint16Array.of(5, 6, 7, 8)],
          errors: [Float32Array.of(0.5, 0.5, 0.5, 0.5), Float32Array.of(1, 1, 1, 1)],
          background: [Uint16Array.of(9, 9, 9, 9), Uint16Array.of(0, 0, 0, 0)],
          shape: [2, 2],
          units: "counts",
          labels: ["a", "b"],
        },
      ],
    };
    const batch = new FrameBatch();
    batch.add(full, 1);
    const request = sent(batch.take());
    const dte = dataToExportFromProto(request.data as NonNullable<typeof request.data>);
    const dwa = dte.data[0];
    assert.deepEqual(Array.from(dwa?.data[1] as Uint16Array), [5, 6, 7, 8]);
    assert.deepEqual(Array.from(dwa?.errors?.[1] as Float32Array), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(dwa?.background?.[0] as Uint16Array), [9, 9, 9, 9]);
    assert.deepEqual(dwa?.labels, ["a", "b"]);
    assert.equal(dwa?.units, "counts");
    // field order and padding aside, the message protobuf-es would have sent: both encode alike
    for (const dwa of request.data?.data ?? []) dwa.padding = [];
    const expected = create(svc.StreamRequestSchema, {
      sequence: 1n,
      data: dataToExportToProto(createDataToExport(full)),
    });
    assert.deepEqual(toBinary(svc.StreamRequestSchema, request), toBinary(svc.StreamRequestSchema, expected));
  });

  it("refuses a frame of another layout, or beyond its limits, so that it starts the next message", () => {
    const batch = new FrameBatch({ maxFrames: 3 });
    batch.add(frame(1), 1);
    assert.equal(batch.add(frame(2, 5), 2), false, "another trace length");
    assert.equal(batch.add({ ...frame(2), name: "other" }, 2), false, "another name");
    batch.add(frame(2), 2);
    batch.add(frame(3), 3);
    assert.equal(batch.full, true);
    assert.equal(batch.add(frame(4), 4), false, "over maxFrames");
    const bytes = new FrameBatch({ maxBytes: 50 }); // one frame: 8 + 16 bytes
    bytes.add(frame(1), 1);
    bytes.add(frame(2), 2);
    assert.equal(bytes.full, true);
  });

  it("with the server's frames per chunk, ends batches on chunk boundaries counted from sequence 1", () => {
    // batches of at most 10 frames, chunks of 3: 9 frames from a boundary
    const sizes = (firstSequence: number, count: number) => {
      const batch = new FrameBatch({ maxFrames: 10 });
      batch.framesPerChunk = 3;
      const out: number[] = [];
      for (let k = firstSequence; k < firstSequence + count; k++) {
        if (!batch.add(frame(k), k)) throw new Error(`frame ${k} refused while not full`);
        if (batch.full) out.push(sent(batch.take()).frames);
      }
      return out;
    };
    assert.deepEqual(sizes(1, 27), [9, 9, 9]);
    // from inside a chunk (after a batch the sender's pause cut short): to the chunk's end, then
    // whole chunks: 5..6, 7..15, 16..24
    assert.deepEqual(sizes(5, 26), [2, 9, 9]);
    // none (a compressed or unjournaled stream): batches fill up to maxFrames
    const plain = new FrameBatch({ maxFrames: 10 });
    plain.framesPerChunk = 0;
    for (let k = 1; k <= 10; k++) plain.add(frame(k), k);
    assert.equal(plain.full, true);
    assert.equal(sent(plain.take()).frames, 10);
  });

  it("before the server says, ends batches on multiples of the largest power of two that fits", () => {
    const sizes = (firstSequence: number, count: number) => {
      const batch = new FrameBatch({ maxFrames: 10 });
      const out: number[] = [];
      for (let k = firstSequence; k < firstSequence + count; k++) {
        batch.add(frame(k), k);
        if (batch.full) out.push(sent(batch.take()).frames);
      }
      return out;
    };
    assert.deepEqual(sizes(1, 24), [8, 8, 8]);
    assert.deepEqual(sizes(6, 19), [3, 8, 8]);
    const unbounded = new FrameBatch({
      maxFrames: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
    });
    unbounded.add(frame(1), 1);
    assert.equal(unbounded.full, false, "no limit: never full (and no endless search for one)");
  });

  it("joins large frames too, up to maxBytes, and sends a frame of more than maxBytes alone", () => {
    const frameBytes = 512 << 10;
    const big = (k: number, bytes = frameBytes) => ({
      name: "cam",
      data: [{ name: "img", data: [new Uint8Array(bytes).fill(k)] }],
    });
    const batch = new FrameBatch({ maxBytes: 3 * frameBytes });
    batch.framesPerChunk = 0; // a stream whose chunks are not located: no power of two needed
    for (let k = 1; k <= 3; k++) assert.equal(batch.add(big(k), k), true, `frame ${k} joins`);
    assert.equal(batch.full, true);
    assert.equal(batch.add(big(4), 4), false, "over maxBytes");
    const request = sent(batch.take());
    assert.equal(request.frames, 3, "one message of three frames");
    assert.deepEqual(
      [0, frameBytes, 2 * frameBytes].map((at) => request.data?.data[0]?.data[0]?.[at]),
      [1, 2, 3],
    );
    const alone = new FrameBatch({ maxBytes: frameBytes });
    alone.add(big(1, 2 * frameBytes), 1);
    assert.equal(alone.full, true, "a frame over maxBytes fills its message by itself");
    assert.equal(sent(alone.take()).frames, 0, "a single-frame message");
    assert.equal(DEFAULT_BATCH.maxBytes, 4 << 20, "by default, eight frames of 512 KiB to a message");
  });

  it("places every array at an offset aligned for its type where the server reads the message", () => {
    for (let nameLength = 1; nameLength <= 9; nameLength++) {
      const name = "x".repeat(nameLength);
      const batch = new FrameBatch();
      for (let k = 1; k <= 3; k++) {
        batch.add(
          {
            name,
            data: [
              { name, data: [Float64Array.of(k, k + 0.5)], errors: [Float32Array.of(k, k)] },
              { name: "img", data: [Uint16Array.of(k, 2 * k)], shape: [2] },
            ],
          },
          k,
        );
      }
      const decoded = sent(batch.take());
      const [values, image] = decoded.data?.data ?? [];
      assert.ok(values && image);
      assert.equal(
        (values.data[0] as Uint8Array).byteOffset % 8,
        0,
        `float64 after a ${nameLength}-byte name`,
      );
      assert.equal((values.errors[0] as Uint8Array).byteOffset % 4, 0, "float32 errors");
      assert.equal((image.data[0] as Uint8Array).byteOffset % 2, 0, "uint16");
      const block = frameBlockFromProto(
        decoded.data as NonNullable<typeof decoded.data>,
        3,
        decoded.timestamps,
      );
      assert.deepEqual(Array.from(block.arrays[0]?.[0] as Float64Array), [1, 1.5, 2, 2.5, 3, 3.5]);
    }
  });

  it("settles the layout when padding moves a message's length across a varint boundary", () => {
    // DataWithAxes and DataToExport lengths near 128 and 16 384 bytes, where a length's varint grows
    for (const count of [...Array.from({ length: 24 }, (_, i) => 4 + i), 2030, 2040, 2044, 2048]) {
      for (let nameLength = 1; nameLength <= 8; nameLength++) {
        const batch = new FrameBatch();
        const values = Float64Array.from({ length: count }, (_, i) => i + 0.25);
        batch.add({ name: "n".repeat(nameLength), data: [{ name: "v", data: [values] }] }, 1);
        const decoded = sent(batch.take());
        const data = decoded.data?.data[0]?.data[0] as Uint8Array;
        assert.equal(data.byteOffset % 8, 0, `${count} values, name of ${nameLength}`);
        const dte = dataToExportFromProto(decoded.data as NonNullable<typeof decoded.data>);
        assert.deepEqual(dte.data[0]?.data[0], values);
      }
    }
  });

  it("validates the frame that starts a batch in full", () => {
    const batch = new FrameBatch();
    assert.throws(() => batch.add({ name: "", data: [] }, 1), /non-empty name/);
  });
});

describe("blockPart()", () => {
  it("cuts a block's messages on the server's chunk boundaries, within the most a message takes", () => {
    // from a boundary: whole chunks, as many as fit
    assert.equal(blockPart(1, 200_000, 131_072, 65_536), 131_072);
    assert.equal(blockPart(1, 100_000, 65_536, 65_536), 65_536);
    // from inside a chunk: up to the last boundary within reach
    assert.equal(blockPart(2, 200_000, 131_072, 65_536), 65_535 + 65_536);
    assert.equal(blockPart(2, 200_000, 65_536, 65_536), 65_535);
    // no boundary within reach, or the block's end: as many as fit
    assert.equal(blockPart(2, 200_000, 1000, 65_536), 1000);
    assert.equal(blockPart(2, 500, 65_536, 65_536), 500);
    // chunks unknown or of one frame
    assert.equal(blockPart(7, 3000, 256, 1), 256);
  });
});
