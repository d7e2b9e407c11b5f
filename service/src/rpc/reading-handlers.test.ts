import assert from "node:assert/strict";
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { ascii } from "../backend/h5-backend.ts";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { encodeAttribute } from "../layout/pymodaq-attribute.ts";
import { createDataToExport } from "../model/data-to-export.ts";
import { arrayFromBytes } from "../model/dtype.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { dataToExportToProto } from "./convert.ts";
import { callUnary, createGrpcClient, type GrpcClient, type UnaryMethod } from "./grpc-glue.ts";
import { createSaverServer, type SaverServer } from "./saver-server.ts";

const base = realpathSync(tempDir("h5saver-read-rpc-"));
const root = path.join(base, "root");
mkdirSync(root);
symlinkSync(base, path.join(root, "outside"));
writeFileSync(path.join(root, "notes.txt"), "not HDF5");

let saver: SaverServer;
let client: GrpcClient<typeof svc.SaverService>;
let sessionId = "";
const ROWS = 50;
const WIDTH = 64;
const SPECTRUM = "/RawData/Detector000/Data1D/CH00/EnlData00";

const unary = <I, O>(method: UnaryMethod<I, O>, request: I): Promise<O> => callUnary(client, method, request);

/** Every message of a ReadDataset call, or its error. */
function readAll(
  request: MessageInitShape<typeof svc.ReadDatasetRequestSchema>,
): Promise<svc.ReadDatasetResponse[]> {
  return new Promise((resolve, reject) => {
    const messages: svc.ReadDatasetResponse[] = [];
    const call = client.readDataset(create(svc.ReadDatasetRequestSchema, request));
    call.on("data", (message: svc.ReadDatasetResponse) => messages.push(message));
    call.on("error", reject);
    call.on("end", () => resolve(messages));
  });
}

function float64s(messages: readonly svc.ReadDatasetResponse[]): number[] {
  return messages.flatMap((m) => [...(arrayFromBytes("float64", m.data.slice()) as Float64Array)]);
}

async function rejectsWith(promise: Promise<unknown>, code: grpc.status, phrase: RegExp): Promise<void> {
  await assert.rejects(promise, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, phrase);
    return true;
  });
}

before(async () => {
  saver = createSaverServer({ root });
  client = createGrpcClient(svc.SaverService, `127.0.0.1:${await saver.listen(0)}`);
  // a flush policy that never flushes on its own: what Browse/ReadDataset see through the
  // session, they see because they flush it first
  const opened = await unary(
    client.openFile,
    create(svc.OpenFileRequestSchema, {
      path: "runs/spectra.h5",
      flushPolicy: create(opt.FlushPolicySchema, { maxFrames: 1_000_000, maxDelayMs: 3_600_000 }),
    }),
  );
  sessionId = opened.sessionId;
  const { detectorId } = await unary(
    client.addDetector,
    create(svc.AddDetectorRequestSchema, { sessionId, title: "Spectrometer", settingsXml: "<xml/>" }),
  );
  const { streamId } = await unary(
    client.startContinuous,
    create(svc.StartContinuousRequestSchema, { sessionId, detectorId }),
  );
  const stream = client.stream();
  const done = new Promise<void>((resolve, reject) => {
    stream.on("data", (ack: svc.StreamResponse) => ack.final && resolve());
    stream.on("error", reject);
  });
  for (let k = 1; k <= ROWS; k++) {
    const frame = createDataToExport({
      name: "spectrometer",
      data: [
        {
          name: "spectrum",
          units: "counts",
          data: [Float64Array.from({ length: WIDTH }, (_, i) => k * 1000 + i)],
          axes: [{ label: "wavelength", units: "nm", offset: 400, scaling: 0.5, size: WIDTH }],
        },
      ],
    });
    stream.write(
      create(svc.StreamRequestSchema, {
        sessionId,
        streamId,
        sequence: BigInt(k),
        data: dataToExportToProto(frame),
      }),
    );
  }
  stream.end();
  await done;
});

after(async () => {
  client.close();
  await saver.close();
});

describe("SaverService.Browse", () => {
  it("lists an open session's tree with shapes and PyMoDAQ's attributes decoded", async () => {
    const { root: tree } = await unary(
      client.browse,
      create(svc.BrowseRequestSchema, {
        target: { case: "sessionId", value: sessionId },
        nodePath: "/RawData/Detector000",
        includeAttributes: true,
      }),
    );
    assert.ok(tree);
    assert.equal(tree.path, "/RawData/Detector000");
    assert.equal(tree.kind, svc.NodeKind.GROUP);
    assert.deepEqual(tree.attributes.TITLE?.kind, { case: "stringValue", value: "Spectrometer" });
    const channel = tree.children.find((c) => c.name === "Data1D")?.children.find((c) => c.name === "CH00");
    assert.ok(channel, "Data1D/CH00 listed");
    const data = channel.children.find((c) => c.path === SPECTRUM);
    assert.ok(data?.dataset, `${SPECTRUM} listed with its dataset info`);
    assert.deepEqual(data.dataset.shape, [BigInt(ROWS), BigInt(WIDTH)]);
    assert.deepEqual(data.dataset.maxShape, [-1n, BigInt(WIDTH)]);
    assert.equal(data.dataset.elementType, svc.ElementType.NUMERIC);
    assert.deepEqual(data.attributes.units?.kind, { case: "stringValue", value: "counts" });
    assert.deepEqual(data.attributes.CLASS?.kind, { case: "stringValue", value: "EARRAY" });
  });

  it("stops at max_depth and leaves attributes out unless asked", async () => {
    const { root: tree } = await unary(
      client.browse,
      create(svc.BrowseRequestSchema, { target: { case: "path", value: "runs/spectra.h5" }, maxDepth: 1 }),
    );
    assert.ok(tree);
    assert.equal(tree.path, "/");
    assert.ok(tree.children.some((c) => c.name === "RawData"));
    assert.ok(tree.children.every((c) => c.children.length === 0));
    assert.deepEqual(tree.attributes, {});
  });

  it("refuses unknown nodes, files and paths that leave the data root, naming what to fix", async () => {
    const browse = (target: svc.BrowseRequest["target"], nodePath = "") =>
      unary(client.browse, create(svc.BrowseRequestSchema, { target, nodePath }));
    await rejectsWith(
      browse({ case: "path", value: "runs/spectra.h5" }, "/RawData/Nope"),
      grpc.status.NOT_FOUND,
      /no node '\/RawData\/Nope'/,
    );
    await rejectsWith(
      browse({ case: "path", value: "runs/missing.h5" }),
      grpc.status.NOT_FOUND,
      /runs\/missing\.h5/,
    );
    await rejectsWith(
      browse({ case: "path", value: "notes.txt" }),
      grpc.status.UNAVAILABLE,
      /cannot be opened as an HDF5/,
    );
    await rejectsWith(browse({ case: "path", value: "../x.h5" }), grpc.status.PERMISSION_DENIED, /'\.\.'/);
    await rejectsWith(
      browse({ case: "path", value: "outside/x.h5" }),
      grpc.status.PERMISSION_DENIED,
      /symlink/,
    );
    await rejectsWith(
      browse({ case: "sessionId", value: "gone" }),
      grpc.status.NOT_FOUND,
      /no open session 'gone'/,
    );
  });
});

describe("reading a file by its path", () => {
  it("flushes a session writing it first, so every frame it took is seen", async () => {
    const opened = await unary(
      client.openFile,
      create(svc.OpenFileRequestSchema, {
        path: "runs/live.h5",
        flushPolicy: create(opt.FlushPolicySchema, { maxFrames: 1_000_000, maxDelayMs: 3_600_000 }),
      }),
    );
    const live = opened.sessionId;
    const { detectorId } = await unary(
      client.addDetector,
      create(svc.AddDetectorRequestSchema, { sessionId: live, title: "Live" }),
    );
    const { streamId } = await unary(
      client.startContinuous,
      create(svc.StartContinuousRequestSchema, { sessionId: live, detectorId }),
    );
    const stream = client.stream();
    const frames = 7;
    const durable = new Promise<void>((resolve, reject) => {
      stream.on("data", (ack: svc.StreamResponse) => ack.durableSequence === BigInt(frames) && resolve());
      stream.on("error", reject);
    });
    for (let k = 1; k <= frames; k++) {
      const frame = createDataToExport({
        name: "live",
        data: [{ name: "trace", data: [Float64Array.from({ length: WIDTH }, (_, i) => k + i)] }],
      });
      stream.write(
        create(svc.StreamRequestSchema, {
          sessionId: live,
          streamId,
          sequence: BigInt(k),
          data: dataToExportToProto(frame),
        }),
      );
    }
    // durable in the journal, not flushed into the file: the policy would wait an hour
    await durable;
    const { root: tree } = await unary(
      client.browse,
      create(svc.BrowseRequestSchema, {
        target: { case: "path", value: "runs/live.h5" },
        nodePath: "/RawData/Detector000/Data1D/CH00",
      }),
    );
    const data = tree?.children.find((c) => c.name === "EnlData00");
    assert.deepEqual(data?.dataset?.shape, [BigInt(frames), BigInt(WIDTH)]);
    stream.end();
    await unary(client.closeFile, create(svc.CloseFileRequestSchema, { sessionId: live }));
  });

  it("gives integers beyond int64 (Python's, uint64's) as their digits, not a response that cannot be sent", async () => {
    const file = path.join(root, "big-ints.h5");
    const backend = await openH5wasmFile(file, "truncate");
    await backend.createGroup("/g");
    await backend.setAttributes("/g", {
      huge: ascii(encodeAttribute({ type: "int", value: 2n ** 70n })),
      negative: ascii(encodeAttribute({ type: "int", value: -(2n ** 64n) })),
      small: ascii(encodeAttribute({ type: "int", value: 5 })),
    });
    await backend.close();
    const { root: tree } = await unary(
      client.browse,
      create(svc.BrowseRequestSchema, {
        target: { case: "path", value: "big-ints.h5" },
        nodePath: "/g",
        includeAttributes: true,
      }),
    );
    assert.deepEqual(tree?.attributes.huge?.kind, { case: "jsonValue", value: "1180591620717411303424" });
    assert.deepEqual(tree?.attributes.negative?.kind, { case: "jsonValue", value: "-18446744073709551616" });
    assert.deepEqual(tree?.attributes.small?.kind, { case: "intValue", value: 5n });
  });

  it("says a file HDF5 cannot read part of is damaged or being written (UNAVAILABLE), not an internal error", async () => {
    const file = path.join(root, "damaged.h5");
    const backend = await openH5wasmFile(file, "truncate");
    await backend.createGroup("/a");
    await backend.createGroup("/a/b");
    await backend.close();
    // the root group's symbol table node lists /a with the address of its object header: break it
    const bytes = readFileSync(file);
    const table = bytes.indexOf("SNOD");
    const header = Number(bytes.readBigUInt64LE(table + 8 + 8));
    assert.equal(bytes[header], 1, "a version 1 object header where the root's symbol table points");
    bytes.fill(0xff, header, header + 16);
    writeFileSync(file, bytes);
    await rejectsWith(
      unary(
        client.browse,
        create(svc.BrowseRequestSchema, { target: { case: "path", value: "damaged.h5" } }),
      ),
      grpc.status.UNAVAILABLE,
      /^HDF5 could not read node '\/a' of 'damaged\.h5' \(H5O__prefix_deserialize: bad object header version number\): the file is damaged, or another program is writing it/,
    );
  });
});

describe("SaverService.ReadDataset", () => {
  it("streams every frame of a session's dataset in chunks of whole rows", async () => {
    const rowBytes = WIDTH * 8;
    const messages = await readAll({
      target: { case: "sessionId", value: sessionId },
      datasetPath: SPECTRUM,
      maxChunkBytes: BigInt(rowBytes * 7),
    });
    assert.equal(messages.length, Math.ceil(ROWS / 7));
    assert.deepEqual(
      messages.map((m) => Number(m.firstRow)),
      messages.map((_, i) => i * 7),
    );
    for (const m of messages) assert.deepEqual(m.selectionShape, [BigInt(ROWS), BigInt(WIDTH)]);
    const values = float64s(messages);
    assert.equal(values.length, ROWS * WIDTH);
    assert.equal(values[0], 1000);
    assert.equal(values[ROWS * WIDTH - 1], ROWS * 1000 + WIDTH - 1);
  });

  it("reads a slice by start and count", async () => {
    const messages = await readAll({
      target: { case: "path", value: "runs/spectra.h5" },
      datasetPath: SPECTRUM,
      start: [10n, 4n],
      count: [3n, 2n],
    });
    assert.equal(messages.length, 1);
    assert.deepEqual(messages[0]?.selectionShape, [3n, 2n]);
    assert.deepEqual(float64s(messages), [11004, 11005, 12004, 12005, 13004, 13005]);
  });

  it("refuses slices past the end, groups, text datasets and unknown nodes", async () => {
    const target = { case: "path", value: "runs/spectra.h5" } as const;
    await rejectsWith(
      readAll({ target, datasetPath: SPECTRUM, start: [40n], count: [11n] }),
      grpc.status.OUT_OF_RANGE,
      /dimension 0 of '.*EnlData00' has 50 values; start 40 count 11 goes past it/,
    );
    await rejectsWith(
      readAll({ target, datasetPath: "/RawData" }),
      grpc.status.FAILED_PRECONDITION,
      /is a group/,
    );
    await rejectsWith(
      readAll({ target, datasetPath: "/RawData/Logger" }),
      grpc.status.FAILED_PRECONDITION,
      /holds text; only numeric datasets/,
    );
    await rejectsWith(readAll({ target, datasetPath: "/Nope" }), grpc.status.NOT_FOUND, /no node '\/Nope'/);
  });
});
