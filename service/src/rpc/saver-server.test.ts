import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { SaverError } from "../errors.ts";
import { type LoadedData, openH5wasmFile, PyMoDAQLoader } from "../index.ts";
import { createDataToExport } from "../model/data-to-export.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { writerThreadLimit } from "../worker/worker-saver-file.ts";
import { axisToProto, dataToExportToProto } from "./convert.ts";
import { callUnary, createGrpcClient, type GrpcClient, type UnaryMethod } from "./grpc-glue.ts";
import { createSaverServer, type SaverServer } from "./saver-server.ts";

type Client = GrpcClient<typeof svc.SaverService>;
const base = realpathSync(tempDir("h5saver-rpc-"));
const root = path.join(base, "root");
mkdirSync(root);
symlinkSync(base, path.join(root, "escape"));

let saver: SaverServer;
let client: Client;
let ownRoots = 0;

/** A data root for a test's own server beside the shared one. */
function newRoot(): string {
  const own = path.join(base, `own-${ownRoots++}`);
  mkdirSync(own);
  return own;
}

before(async () => {
  saver = createSaverServer({ root });
  const port = await saver.listen(0);
  client = createGrpcClient(svc.SaverService, `127.0.0.1:${port}`);
});

after(async () => {
  client.close();
  await saver.close();
});

function unary<I, O>(method: UnaryMethod<I, O>, request: I): Promise<O> {
  return callUnary(client, method, request);
}

async function rejectsWithStatus(
  promise: Promise<unknown>,
  code: grpc.status,
  phrase: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, phrase);
    return true;
  });
}

const open = (pathInRoot: string, extra: MessageInitShape<typeof svc.OpenFileRequestSchema> = {}) =>
  unary(client.openFile, create(svc.OpenFileRequestSchema, { path: pathInRoot, ...extra }));
const close = (sessionId: string) =>
  unary(client.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));
const addDetector = async (sessionId: string, title: string, scanId = "") =>
  (await unary(client.addDetector, create(svc.AddDetectorRequestSchema, { sessionId, title, scanId })))
    .detectorId;
const everyFrame = create(opt.FlushPolicySchema, { maxFrames: 1 });

/** A frame of the three dimensionalities: a power (0D), a spectrum (1D, with its axis) and an image (2D). */
function frame(k: number): data.DataToExport {
  return dataToExportToProto(
    createDataToExport({
      name: "spectrometer",
      timestamp: 1_700_000_000 + k,
      data: [
        { name: "power", data: [Float64Array.of(k)] },
        {
          name: "spectrum",
          data: [Float64Array.from({ length: 8 }, (_, i) => k * 10 + i)],
          axes: [
            { label: "wavelength", units: "nm", data: Float64Array.from({ length: 8 }, (_, i) => 400 + i) },
          ],
        },
        { name: "image", data: [Uint16Array.from({ length: 20 }, () => k)], shape: [4, 5] },
      ],
    }),
  );
}

const streamFrame = (sessionId: string, streamId: string, sequence: number) =>
  create(svc.StreamRequestSchema, { sessionId, streamId, sequence: BigInt(sequence), data: frame(sequence) });

/** A Stream call that records its acknowledgements; `done` settles with the call's status. */
function openStream() {
  const call = client.stream();
  const acks: svc.StreamResponse[] = [];
  const waiters: Array<{ test: (ack: svc.StreamResponse) => boolean; resolve: () => void }> = [];
  call.on("data", (ack: svc.StreamResponse) => {
    acks.push(ack);
    for (const w of [...waiters]) {
      if (w.test(ack)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    call.on("error", reject);
    call.on("status", (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) resolve();
    });
  });
  done.catch(() => undefined); // awaited (or inspected) by each test
  const until = (test: (ack: svc.StreamResponse) => boolean) =>
    acks.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve }));
  return { call, acks, done, until };
}

async function loadAll(relative: string, under = root): Promise<{ loaded: LoadedData[]; logs: string[] }> {
  const backend = await openH5wasmFile(path.join(under, relative), "read");
  try {
    const loader = new PyMoDAQLoader(backend);
    return { loaded: await loader.loadAll(), logs: await loader.logLines() };
  } finally {
    await backend.close();
  }
}

function byName(loaded: LoadedData[], name: string): LoadedData {
  const found = loaded.find((l) => l.dwa.name === name);
  assert.ok(found, `no ${name} in ${loaded.map((l) => l.dwa.name)}`);
  return found;
}

describe("SaverService unary calls", () => {
  it("opens, adds detectors, saves a snapshot and a scan, logs, flushes, reports and closes", async () => {
    const { sessionId, path: filePath } = await open("2026/unary.h5", {
      saveType: opt.SaveType.SCAN,
      metadata: {
        operator: create(data.AttributeValueSchema, { kind: { case: "stringValue", value: "ada" } }),
      },
    });
    assert.equal(filePath, "2026/unary.h5");
    const detector = await addDetector(sessionId, "Camera");
    assert.equal(detector, "/RawData/Detector000");
    const snapshot = await unary(
      client.saveSnapshot,
      create(svc.SaveSnapshotRequestSchema, { sessionId, detectorId: detector, data: frame(3) }),
    );
    assert.equal(snapshot.channelPaths.length, 3);

    const { scanId } = await unary(
      client.beginScan,
      create(svc.BeginScanRequestSchema, {
        sessionId,
        title: "Raster",
        shape: [2n],
        navAxes: [
          axisToProto({ label: "x", units: "mm", data: Float64Array.of(0, 1), index: 0, spreadOrder: 0 }),
        ],
      }),
    );
    assert.equal(scanId, "/RawData/Scan000");
    const scanDetector = await addDetector(sessionId, "Camera", scanId);
    for (const k of [0, 1]) {
      const point: svc.SaveScanPointResponse = await unary(
        client.saveScanPoint,
        create(svc.SaveScanPointRequestSchema, {
          sessionId,
          scanId,
          detectorId: scanDetector,
          indexes: [BigInt(k)],
          data: frame(k),
        }),
      );
      assert.equal(point.pointsSaved, BigInt(k + 1));
    }
    const ended = await unary(client.endScan, create(svc.EndScanRequestSchema, { sessionId, scanId }));
    assert.equal(ended.pointsSaved, 2n);

    await unary(client.addLog, create(svc.AddLogRequestSchema, { sessionId, lines: ["first", "second"] }));
    const flushed = await unary(client.flush, create(svc.FlushRequestSchema, { sessionId }));
    assert.deepEqual(flushed.streams, []);

    const status = await unary(client.getStatus, create(svc.GetStatusRequestSchema, { sessionId }));
    assert.equal(status.serverVersion, "0.1.0");
    assert.equal(status.sessions[0]?.path, "2026/unary.h5");
    assert.deepEqual(
      status.sessions[0]?.scans.map((s) => [s.scanId, s.pointsSaved, s.done]),
      [[scanId, 2n, true]],
    );

    const closed = await close(sessionId);
    assert.equal(closed.path, "2026/unary.h5");
    assert.ok(closed.sizeBytes > 0n);

    const { loaded, logs } = await loadAll(filePath);
    assert.deepEqual(logs, ["first", "second"]);
    const scanImage = loaded.find((l) => l.path.startsWith(scanId) && l.dwa.name === "image");
    assert.deepEqual(scanImage?.dwa.shape, [2, 4, 5]);
    const snapshotImage = loaded.find((l) => l.path.startsWith(detector) && l.dwa.name === "image");
    assert.deepEqual(snapshotImage?.dwa.shape, [4, 5]);
  });

  it("names the file as PyMoDAQ does when the path is empty", async () => {
    const { sessionId, path: filePath } = await open("", { saveType: opt.SaveType.SCAN });
    assert.match(filePath, /^\d{4}\/\d{8}\/Dataset_\d{8}_000\.h5$/);
    await close(sessionId);
  });
});

describe("SaverService errors", () => {
  it("refuses paths outside the data root with PERMISSION_DENIED", async () => {
    await rejectsWithStatus(open("/tmp/x.h5"), grpc.status.PERMISSION_DENIED, /is absolute/);
    await rejectsWithStatus(open("../x.h5"), grpc.status.PERMISSION_DENIED, /'\.\.'/);
    await rejectsWithStatus(open("escape/x.h5"), grpc.status.PERMISSION_DENIED, /outside the data root/);
  });

  it("refuses a path that names a folder with INVALID_ARGUMENT, in every mode (the fuzzer's INTERNAL)", async () => {
    mkdirSync(path.join(root, "a-folder"), { recursive: true });
    for (const mode of [opt.OpenMode.CREATE, opt.OpenMode.OVERWRITE, opt.OpenMode.APPEND]) {
      for (const name of ["a-folder", "a-folder/"]) {
        await rejectsWithStatus(
          open(name, { mode }),
          grpc.status.INVALID_ARGUMENT,
          /'a-folder' is a folder, not a file: name an HDF5 file, e.g. 'a-folder\/run\.h5'/,
        );
      }
    }
    assert.ok(statSync(path.join(root, "a-folder")).isDirectory(), "the folder is left as it was");
  });

  it("refuses a second writer with FAILED_PRECONDITION naming the holder", async () => {
    const { sessionId } = await open("busy.h5");
    try {
      await rejectsWithStatus(
        open("busy.h5", { mode: opt.OpenMode.APPEND }),
        grpc.status.FAILED_PRECONDITION,
        new RegExp(`open in session ${sessionId}`),
      );
    } finally {
      await close(sessionId);
    }
    await rejectsWithStatus(open("busy.h5"), grpc.status.ALREADY_EXISTS, /exists already/);
  });

  it("answers INVALID_ARGUMENT naming the field, NOT_FOUND for unknown ids", async () => {
    const { sessionId } = await open("errors.h5");
    try {
      const detectorId = await addDetector(sessionId, "Camera");
      const bad = frame(1);
      const power = bad.data[0];
      assert.ok(power);
      power.data = [new Uint8Array(7)]; // 7 bytes cannot be float64 values
      await rejectsWithStatus(
        unary(
          client.saveSnapshot,
          create(svc.SaveSnapshotRequestSchema, { sessionId, detectorId, data: bad }),
        ),
        grpc.status.INVALID_ARGUMENT,
        /data\[0\]\.data\[0\]: 7 bytes is not a multiple of 8/,
      );
      await rejectsWithStatus(
        unary(
          client.saveSnapshot,
          create(svc.SaveSnapshotRequestSchema, {
            sessionId,
            detectorId: "/RawData/Detector042",
            data: frame(1),
          }),
        ),
        grpc.status.NOT_FOUND,
        /Detector042/,
      );
      await rejectsWithStatus(
        unary(client.flush, create(svc.FlushRequestSchema, { sessionId: "nope" })),
        grpc.status.NOT_FOUND,
        /no open session 'nope'/,
      );
      await rejectsWithStatus(
        unary(client.browse, create(svc.BrowseRequestSchema, {})),
        grpc.status.INVALID_ARGUMENT,
        /target: is not set: give session_id/,
      );
    } finally {
      await close(sessionId);
    }
  });
});

describe("SaverService.Stream", () => {
  it("appends 0D/1D/2D frames and acknowledges them durable up to the last sequence", async () => {
    const { sessionId, path: filePath } = await open("stream.h5", {
      // flushes at every 4th frame only: no timer flush in between
      flushPolicy: create(opt.FlushPolicySchema, { maxFrames: 4, maxDelayMs: 60_000 }),
    });
    const detectorId = await addDetector(sessionId, "Spectrometer");
    const { streamId } = await unary(
      client.startContinuous,
      create(svc.StartContinuousRequestSchema, { sessionId, detectorId }),
    );
    const s = openStream();
    for (let k = 1; k <= 10; k++)
      s.call.write(streamFrame(k === 1 ? sessionId : "", k === 1 ? streamId : "", k));
    s.call.end();
    await s.done;
    const last = s.acks.at(-1);
    assert.equal(last?.final, true);
    assert.equal(last?.appendedSequence, 10n);
    assert.equal(last?.durableSequence, 10n);
    // durable as soon as the crash journal is synced (the server's default), ahead of the flushes
    // every 4 frames: durable sequences only grow, never past what was appended
    const durable = s.acks.map((a) => Number(a.durableSequence));
    assert.deepEqual(
      durable,
      [...durable].sort((a, b) => a - b),
    );
    for (const a of s.acks) assert.ok(a.durableSequence <= a.appendedSequence);
    assert.ok(durable.length >= 2, `acks: ${durable}`);
    const closed = await close(sessionId);
    assert.deepEqual(
      closed.streams.map((st) => [st.streamId, st.frames, st.durableSequence, st.bytes]),
      // a frame: 1 float64 power, 8 float64 spectrum values, 4×5 uint16 image = 112 bytes
      [[streamId, 10n, 10n, 1120n]],
    );

    const { loaded } = await loadAll(filePath);
    assert.equal(byName(loaded, "power").dwa.shape[0], 10);
    const spectrum = byName(loaded, "spectrum").dwa;
    assert.deepEqual(spectrum.shape, [10, 8]);
    assert.equal(spectrum.data[0]?.[9 * 8 + 3], 103);
    assert.deepEqual(byName(loaded, "image").dwa.shape, [10, 4, 5]);
  });

  it("refuses a gap, acknowledges a resent frame without writing it twice", async () => {
    const { sessionId, path: filePath } = await open("repeats.h5", { flushPolicy: everyFrame });
    const detectorId = await addDetector(sessionId, "Spectrometer");
    const { streamId } = await unary(
      client.startContinuous,
      create(svc.StartContinuousRequestSchema, { sessionId, detectorId }),
    );
    const first = openStream();
    for (const k of [1, 2, 3]) first.call.write(streamFrame(sessionId, streamId, k));
    await first.until((a) => a.durableSequence === 3n);
    first.call.write(streamFrame(sessionId, streamId, 5));
    await rejectsWithStatus(
      first.done,
      grpc.status.FAILED_PRECONDITION,
      /sequence 5 leaves a gap.*send 4 next/,
    );

    const zero = openStream();
    zero.call.write(streamFrame(sessionId, streamId, 0));
    await rejectsWithStatus(zero.done, grpc.status.INVALID_ARGUMENT, /sequence: is 0/);
    const other = openStream();
    other.call.write(streamFrame(sessionId, streamId, 4));
    other.call.write(streamFrame("another-session", streamId, 5));
    await rejectsWithStatus(
      other.done,
      grpc.status.INVALID_ARGUMENT,
      /session_id: 'another-session' differs/,
    );

    const second = openStream();
    // frame 4 went in through the call refused at 5: 2, 3 and 4 are all repeats now
    for (const k of [2, 3, 4, 5]) second.call.write(streamFrame(sessionId, streamId, k));
    second.call.end();
    await second.done;
    assert.equal(second.acks.at(-1)?.appendedSequence, 5n);
    assert.equal(second.acks.at(-1)?.final, true);
    await close(sessionId);
    const { loaded } = await loadAll(filePath);
    const spectrum = byName(loaded, "spectrum").dwa;
    assert.deepEqual(spectrum.shape, [5, 8]);
    assert.deepEqual(
      [...(spectrum.data[0] ?? [])].filter((_, i) => i % 8 === 0),
      [10, 20, 30, 40, 50],
    );
  });

  it("keeps the acknowledged frames of a client that cancels, and takes the stream back in a new call", async () => {
    const { sessionId, path: filePath } = await open("cancelled.h5", { flushPolicy: everyFrame });
    const detectorId = await addDetector(sessionId, "Spectrometer");
    const { streamId } = await unary(
      client.startContinuous,
      create(svc.StartContinuousRequestSchema, { sessionId, detectorId }),
    );
    const s = openStream();
    for (const k of [1, 2, 3]) s.call.write(streamFrame(sessionId, streamId, k));
    await s.until((a) => a.durableSequence === 3n);
    s.call.cancel();
    await rejectsWithStatus(s.done, grpc.status.CANCELLED, /./);

    const status = await unary(client.getStatus, create(svc.GetStatusRequestSchema, { sessionId }));
    assert.deepEqual(
      status.sessions[0]?.streams.map((st) => [st.streamId, st.appendedSequence]),
      [[streamId, 3n]],
    );
    await unary(client.flush, create(svc.FlushRequestSchema, { sessionId }));
    const mid = await loadAll(filePath);
    assert.equal(byName(mid.loaded, "spectrum").dwa.shape[0], 3);

    const resumed = openStream();
    resumed.call.write(streamFrame(sessionId, streamId, 4));
    resumed.call.end();
    await resumed.done;
    assert.equal(resumed.acks.at(-1)?.durableSequence, 4n);
    await close(sessionId);
    assert.equal(byName((await loadAll(filePath)).loaded, "spectrum").dwa.shape[0], 4);
  });
});

describe("SaverServer.close()", () => {
  it("closes the file of every session still open", async () => {
    const ownRoot = newRoot(); // a root is one server's: the shared server holds `root`
    const own = createSaverServer({ root: ownRoot });
    const port = await own.listen(0);
    const ownClient = createGrpcClient(svc.SaverService, `127.0.0.1:${port}`);
    try {
      const call = <I, O>(method: UnaryMethod<I, O>, request: I) => callUnary(ownClient, method, request);
      const { sessionId } = await call(
        ownClient.openFile,
        create(svc.OpenFileRequestSchema, { path: "left-open.h5" }),
      );
      await call(ownClient.addLog, create(svc.AddLogRequestSchema, { sessionId, lines: ["still here"] }));
    } finally {
      ownClient.close();
      await own.close();
    }
    assert.deepEqual((await loadAll("left-open.h5", ownRoot)).logs, ["still here"]);
  });
});

describe("SaverServer's data root lock", () => {
  it("refuses a writer thread limit that is not a positive integer, and leaves the process's limit as it was", () => {
    const before = writerThreadLimit();
    for (const writerThreads of [0, 1.5, -2]) {
      assert.throws(
        () => createSaverServer({ root: newRoot(), writerThreads }),
        (error: unknown) =>
          error instanceof SaverError &&
          error.code === "invalid_data" &&
          error.message === `a writer thread limit must be a positive integer, not ${writerThreads}`,
      );
    }
    assert.equal(writerThreadLimit(), before);
  });

  it("holds the root while it listens, refuses a root another process holds before touching a file, and frees it on close", async () => {
    const held = newRoot();
    const lockFile = path.join(held, ".h5saver.lock");
    // the test runner that started this file: a live process of this host
    const other = {
      pid: process.ppid,
      host: hostname(),
      since: "2026-12-03T08:00:00.000Z",
      command: "serve",
    };
    writeFileSync(lockFile, JSON.stringify(other));
    writeFileSync(path.join(held, "left.h5.h5saver-journal"), "not a journal");
    const events: string[] = [];
    const refused = createSaverServer({ root: held, log: { event: (_level, name) => events.push(name) } });
    await assert.rejects(refused.listen(0), (error: unknown) => {
      assert.ok(error instanceof SaverError);
      assert.equal(error.code, "failed_precondition");
      assert.match(error.message, new RegExp(`is in use by h5saver serve \\(pid ${process.ppid} on `));
      return true;
    });
    await refused.close();
    assert.deepEqual(
      JSON.parse(readFileSync(lockFile, "utf8")),
      other,
      "the other server's lock is left alone",
    );
    assert.ok(!events.includes("file_recovering"), `no recovery ran on its files: ${events.join(", ")}`);

    const free = newRoot();
    const own = createSaverServer({ root: free });
    await own.listen(0);
    const lock = JSON.parse(readFileSync(path.join(free, ".h5saver.lock"), "utf8"));
    assert.equal(lock.pid, process.pid);
    await own.close();
    assert.ok(!existsSync(path.join(free, ".h5saver.lock")), "a closed server leaves its root free");
  });
});

describe("SaverServer limits", () => {
  it("refuses sessions and queued calls over the limits with RESOURCE_EXHAUSTED, and keeps serving", async () => {
    const ownRoot = newRoot(); // a root is one server's: the shared server holds `root`
    const own = createSaverServer({ root: ownRoot, maxSessions: 1, maxQueuedCalls: 2 });
    const port = await own.listen(0);
    const ownClient = createGrpcClient(svc.SaverService, `127.0.0.1:${port}`);
    const call = <I, O>(method: UnaryMethod<I, O>, request: I) => callUnary(ownClient, method, request);
    try {
      const { sessionId } = await call(
        ownClient.openFile,
        create(svc.OpenFileRequestSchema, { path: "limits.h5" }),
      );
      await rejectsWithStatus(
        call(ownClient.openFile, create(svc.OpenFileRequestSchema, { path: "limits-2.h5" })),
        grpc.status.RESOURCE_EXHAUSTED,
        /1 sessions are open, the server's limit: close one/,
      );
      // 20 calls at once into one writer: two may wait, the others are refused
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          call(ownClient.addLog, create(svc.AddLogRequestSchema, { sessionId, lines: [`line ${i}`] })),
        ),
      );
      const refused = results.filter((r) => r.status === "rejected");
      assert.ok(refused.length > 0 && refused.length < 20, `${refused.length} of 20 refused`);
      for (const r of refused) {
        const error = (r as PromiseRejectedResult).reason as grpc.ServiceError;
        assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED);
        assert.match(error.details, /calls waiting for its writer, the server's limit: wait for answers/);
      }
      await call(
        ownClient.addLog,
        create(svc.AddLogRequestSchema, { sessionId, lines: ["after the burst"] }),
      );
      const status = await call(ownClient.getStatus, create(svc.GetStatusRequestSchema, { sessionId }));
      assert.equal(status.sessions[0]?.queuedCalls, 0);
      await call(ownClient.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));
      const logs = (await loadAll("limits.h5", ownRoot)).logs;
      assert.equal(logs.length, 20 - refused.length + 1, "every accepted line is in the file");
      assert.equal(logs.at(-1), "after the burst");
    } finally {
      ownClient.close();
      await own.close();
    }
  });
});

describe("SaverServer message size limit", () => {
  it("refuses a request larger than maxMessageBytes with RESOURCE_EXHAUSTED, and keeps the session", async () => {
    const ownRoot = newRoot(); // a root is one server's: the shared server holds `root`
    const own = createSaverServer({ root: ownRoot, maxMessageBytes: 1024 * 1024 });
    const ownClient = createGrpcClient(svc.SaverService, `127.0.0.1:${await own.listen(0)}`);
    const call = <I, O>(method: UnaryMethod<I, O>, request: I) => callUnary(ownClient, method, request);
    try {
      const { sessionId } = await call(
        ownClient.openFile,
        create(svc.OpenFileRequestSchema, { path: "big.h5" }),
      );
      const detectorId = (
        await call(
          ownClient.addDetector,
          create(svc.AddDetectorRequestSchema, { sessionId, title: "Camera" }),
        )
      ).detectorId;
      const image = (side: number) =>
        dataToExportToProto(
          createDataToExport({
            name: "camera",
            data: [{ name: "image", data: [new Uint16Array(side * side)], shape: [side, side] }],
          }),
        );
      await rejectsWithStatus(
        call(
          ownClient.saveSnapshot,
          create(svc.SaveSnapshotRequestSchema, { sessionId, detectorId, data: image(1024) }),
        ),
        grpc.status.RESOURCE_EXHAUSTED,
        /larger than max/,
      );
      await call(
        ownClient.saveSnapshot,
        create(svc.SaveSnapshotRequestSchema, { sessionId, detectorId, data: image(256) }),
      );
      await call(ownClient.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));
      const image256 = byName((await loadAll("big.h5", ownRoot)).loaded, "image");
      assert.deepEqual(image256.dwa.shape, [256, 256]);
    } finally {
      ownClient.close();
      await own.close();
    }
  });
});

describe("SaverServer idle timeout", () => {
  it("closes a session no call named for the timeout, keeping what it saved and releasing the file", async () => {
    const ownRoot = newRoot(); // a root is one server's: the shared server holds `root`
    const own = createSaverServer({ root: ownRoot, idleTimeoutMs: 300 });
    const ownClient = createGrpcClient(svc.SaverService, `127.0.0.1:${await own.listen(0)}`);
    const call = <I, O>(method: UnaryMethod<I, O>, request: I) => callUnary(ownClient, method, request);
    try {
      const { sessionId } = await call(
        ownClient.openFile,
        create(svc.OpenFileRequestSchema, { path: "idle.h5" }),
      );
      await call(
        ownClient.addLog,
        create(svc.AddLogRequestSchema, { sessionId, lines: ["before the silence"] }),
      );
      // calls keep it open
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await call(ownClient.getStatus, create(svc.GetStatusRequestSchema, { sessionId }));
      }
      await new Promise((resolve) => setTimeout(resolve, 900));
      const status = await call(ownClient.getStatus, create(svc.GetStatusRequestSchema, {}));
      assert.deepEqual(status.sessions, []);
      assert.deepEqual((await loadAll("idle.h5", ownRoot)).logs, ["before the silence"]);
      const again = await call(
        ownClient.openFile,
        create(svc.OpenFileRequestSchema, { path: "idle.h5", mode: opt.OpenMode.APPEND }),
      );
      await call(ownClient.closeFile, create(svc.CloseFileRequestSchema, { sessionId: again.sessionId }));
    } finally {
      ownClient.close();
      await own.close();
    }
  });
});

describe("hostile input the fuzzer found", () => {
  it("refuses NUL in any text, answers long refusals in full, and refuses huge axes before making them", async () => {
    const { sessionId } = await open("hostile.h5");
    try {
      await rejectsWithStatus(
        unary(client.addDetector, create(svc.AddDetectorRequestSchema, { sessionId, title: "Cam\0era" })),
        grpc.status.INVALID_ARGUMENT,
        /^title: contains a NUL character/,
      );
      await rejectsWithStatus(
        unary(
          client.browse,
          create(svc.BrowseRequestSchema, {
            target: { case: "sessionId", value: sessionId },
            nodePath: "\0",
          }),
        ),
        grpc.status.INVALID_ARGUMENT,
        /^node_path: contains a NUL character/,
      );
      // 10 000 "é" would be 60 kB percent-encoded in the trailers: the message is cut, and it arrives
      const long = "é".repeat(10_000);
      await assert.rejects(
        unary(client.closeFile, create(svc.CloseFileRequestSchema, { sessionId: long })),
        (error: grpc.ServiceError) => {
          assert.equal(error.code, grpc.status.NOT_FOUND);
          assert.match(error.details, /^no open session 'éé.*… \(message cut\)$/);
          assert.ok(Buffer.byteLength(error.details) <= 1024);
          return true;
        },
      );
      await rejectsWithStatus(
        unary(
          client.beginScan,
          create(svc.BeginScanRequestSchema, {
            sessionId,
            title: "huge",
            shape: [2n ** 31n],
            navAxes: [
              create(data.AxisSchema, {
                label: "x",
                units: "mm",
                values: { case: "linear", value: { offset: 0, scaling: 1, size: 2n ** 31n } },
              }),
            ],
          }),
        ),
        grpc.status.INVALID_ARGUMENT,
        /size: 2147483648 points is more than a linear axis may have/,
      );
      // and the session still works
      await unary(client.addLog, create(svc.AddLogRequestSchema, { sessionId, lines: ["still here"] }));
    } finally {
      await close(sessionId);
    }
    assert.deepEqual((await loadAll("hostile.h5")).logs, ["still here"]);
  });
});
