/**
 * Blocks of frames on the Stream call (StreamRequest.frames > 1): appended as the frames one by
 * one would be, acknowledged by sequence, a resent block skipping what is appended already, and
 * blocks whose arrays or timestamps do not fit refused with INVALID_ARGUMENT naming the field.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as options from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { PyMoDAQLoader } from "../layout/loader.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { callUnary, createGrpcClient, type GrpcClient } from "./grpc-glue.ts";
import { createSaverServer, type SaverServer } from "./saver-server.ts";

const root = tempDir("h5saver-blocks-");
let saver: SaverServer;
let client: GrpcClient<typeof svc.SaverService>;

before(async () => {
  saver = createSaverServer({ root });
  client = createGrpcClient(svc.SaverService, `127.0.0.1:${await saver.listen(0)}`);
});
after(async () => {
  client.close();
  await saver.close();
});

/** Frames first … first+count−1 as one block: counter k, trace [k·10, k·10+1, k·10+2]. */
function block(
  first: number,
  count: number,
  extra: { sessionId?: string; streamId?: string; frames?: number; timestamps?: number[] } = {},
): svc.StreamRequest {
  const ks = Array.from({ length: count }, (_, i) => first + i);
  const bytes = (values: number[]) => new Uint8Array(Float64Array.from(values).buffer);
  return create(svc.StreamRequestSchema, {
    sequence: BigInt(first),
    frames: count,
    timestamps: ks.map((k) => 1000 + k / 10),
    data: {
      name: "block",
      data: [
        { name: "counter", dtype: data.Dtype.FLOAT64, shape: [1n], data: [bytes(ks)] },
        {
          name: "trace",
          dtype: data.Dtype.FLOAT64,
          shape: [3n],
          data: [bytes(ks.flatMap((k) => [k * 10, k * 10 + 1, k * 10 + 2]))],
        },
      ],
    },
    ...extra,
  });
}

async function openStreamOf(name: string, compression?: options.CompressionKind) {
  const opened = await callUnary(
    client,
    client.openFile,
    create(svc.OpenFileRequestSchema, {
      path: name,
      ...(compression ? { compression: { kind: compression, level: 1 } } : {}),
    }),
  );
  const { detectorId } = await callUnary(
    client,
    client.addDetector,
    create(svc.AddDetectorRequestSchema, { sessionId: opened.sessionId, title: "blocks" }),
  );
  const { streamId } = await callUnary(
    client,
    client.startContinuous,
    create(svc.StartContinuousRequestSchema, { sessionId: opened.sessionId, detectorId }),
  );
  return { sessionId: opened.sessionId, streamId };
}

/** Sends the requests on one call, half-closes, resolves with the acks and the final status. */
function streamCall(
  requests: svc.StreamRequest[],
): Promise<{ acks: svc.StreamResponse[]; status: grpc.StatusObject }> {
  const call = client.stream();
  const acks: svc.StreamResponse[] = [];
  call.on("data", (ack: svc.StreamResponse) => acks.push(ack));
  call.on("error", () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
  for (const request of requests) call.write(request);
  call.end();
  return status.then((s) => ({ acks, status: s }));
}

describe("blocks of frames on a Stream call", () => {
  it("appends them as single frames would be, and skips the part of a resent block already appended", async () => {
    const { sessionId, streamId } = await openStreamOf("blocks.h5");
    const { acks, status } = await streamCall([
      block(1, 5, { sessionId, streamId }),
      block(4, 5), // 4 and 5 again, then 6, 7, 8
      block(9, 1),
    ]);
    assert.equal(status.code, grpc.status.OK, status.details);
    const last = acks.at(-1);
    assert.equal(last?.final, true);
    assert.equal(last?.appendedSequence, 9n);
    assert.equal(last?.durableSequence, 9n);
    await callUnary(client, client.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));

    const backend = await openH5wasmFile(path.join(root, "blocks.h5"), "read");
    try {
      const loaded = await new PyMoDAQLoader(backend).loadAll();
      const counter = loaded.find((l) => l.dwa.name === "counter")?.dwa;
      const trace = loaded.find((l) => l.dwa.name === "trace")?.dwa;
      assert.deepEqual(Array.from(counter?.data[0] ?? [], Number), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual(trace?.shape, [9, 3]);
      assert.deepEqual(Array.from(trace?.data[0] ?? [], Number).slice(21, 24), [80, 81, 82]);
      const time = counter?.axes.find((a) => a.label === "time");
      assert.deepEqual(
        Array.from(time?.data ?? [], Number).map((t) => Math.round(t * 10)),
        [10001, 10002, 10003, 10004, 10005, 10006, 10007, 10008, 10009],
      );
    } finally {
      await backend.close();
    }
  });

  it("tells the client how many frames fill the chunks the crash journal points at", async () => {
    /** The frames_per_chunk of the acknowledgements of one block of `frames` frames of `shape`. */
    const framesPerChunk = async (
      name: string,
      dtype: data.Dtype,
      shape: number[],
      compression?: options.CompressionKind,
    ) => {
      const { sessionId, streamId } = await openStreamOf(name, compression);
      const bytes = new Uint8Array(shape.reduce((a, b) => a * b, 1) * (dtype === data.Dtype.UINT16 ? 2 : 8));
      const request = create(svc.StreamRequestSchema, {
        sessionId,
        streamId,
        sequence: 1n,
        data: { name: "one", data: [{ name: "frame", dtype, shape: shape.map(BigInt), data: [bytes] }] },
      });
      const { acks, status } = await streamCall([request]);
      await callUnary(client, client.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));
      assert.equal(status.code, grpc.status.OK, status.details);
      return acks.map((ack) => ack.framesPerChunk);
    };
    // 16 KiB spectra: chunks of 64 rows (1 MiB)
    assert.deepEqual(await framesPerChunk("spectra.h5", data.Dtype.FLOAT64, [2048]), [64, 64]);
    // a 512 KiB image is a chunk by itself
    assert.deepEqual(await framesPerChunk("images.h5", data.Dtype.UINT16, [512, 512]), [1, 1]);
    // deflated chunks are pointed at too (zlib streams of the rows); blosc's are copied
    assert.deepEqual(
      await framesPerChunk("gzip.h5", data.Dtype.FLOAT64, [2048], options.CompressionKind.GZIP),
      [64, 64],
    );
    assert.deepEqual(
      await framesPerChunk("blosc.h5", data.Dtype.FLOAT64, [2048], options.CompressionKind.BLOSC_LZ4),
      [0, 0],
    );
    // several arrays: a common multiple of their chunks' rows (8-byte rows: chunks of 65 536;
    // 24-byte rows: 32 768, the largest power of two within 1 MiB)
    const { sessionId, streamId } = await openStreamOf("two-arrays.h5");
    const { acks } = await streamCall([block(1, 1, { sessionId, streamId })]);
    await callUnary(client, client.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));
    assert.deepEqual(
      acks.map((ack) => ack.framesPerChunk),
      [65_536, 65_536],
    );
    // a counter beside a 2048-point spectrum: the spectrum's chunks decide (the counter's rows,
    // 2 048 times smaller, are copied)
    const mixed = await openStreamOf("counter-and-spectrum.h5");
    const bytes = (values: Float64Array) => new Uint8Array(values.buffer);
    const { acks: mixedAcks } = await streamCall([
      create(svc.StreamRequestSchema, {
        ...mixed,
        sequence: 1n,
        data: {
          name: "mixed",
          data: [
            { name: "counter", dtype: data.Dtype.FLOAT64, shape: [1n], data: [bytes(Float64Array.of(1))] },
            {
              name: "spectrum",
              dtype: data.Dtype.FLOAT64,
              shape: [2048n],
              data: [bytes(new Float64Array(2048))],
            },
          ],
        },
      }),
    ]);
    await callUnary(
      client,
      client.closeFile,
      create(svc.CloseFileRequestSchema, { sessionId: mixed.sessionId }),
    );
    assert.deepEqual(
      mixedAcks.map((ack) => ack.framesPerChunk),
      [64, 64],
    );
  });

  it("refuses a block whose arrays, shapes or timestamps do not fit, naming the field", async () => {
    const { sessionId, streamId } = await openStreamOf("bad-blocks.h5");
    const ids = { sessionId, streamId };
    const cases: Array<[svc.StreamRequest, RegExp]> = [
      [
        block(1, 3, { ...ids, frames: 4 }),
        /data\[0\]\.data\[0\]: 24 bytes for 4 frames of shape \[1\] float64: send 32/,
      ],
      [block(1, 3, { ...ids, timestamps: [1, 2] }), /timestamps: 2 timestamps for 3 frames/],
      [block(1, 3, { ...ids, frames: 2 ** 21 }), /frames: 2097152 frames in one message: send 1 to 1048576/],
    ];
    const shapeless = block(1, 3, ids);
    for (const dwa of shapeless.data?.data ?? []) dwa.shape = [];
    cases.push([shapeless, /data\[0\]\.shape: is required in a block of frames/]);
    for (const [request, phrase] of cases) {
      const { status } = await streamCall([request]);
      assert.equal(status.code, grpc.status.INVALID_ARGUMENT, status.details);
      assert.match(status.details, phrase);
    }
    // nothing was appended: the stream still starts at 1
    const { status } = await streamCall([block(1, 2, ids)]);
    assert.equal(status.code, grpc.status.OK, status.details);
    await callUnary(client, client.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));
  });
});
