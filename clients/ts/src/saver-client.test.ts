import assert from "node:assert/strict";
import { mkdirSync, realpathSync, statSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import {
  type DataToExportInput,
  isLayoutV3,
  openH5wasmFile,
  PyMoDAQ3Loader,
  PyMoDAQLoader,
} from "@h5saver/service";
import { grpcServiceDefinition } from "@h5saver/service/rpc/grpc-glue";
import { createSaverServer, type SaverServer } from "@h5saver/service/rpc/saver-server";
import { ascii } from "../../../service/src/backend/h5-backend.ts";
import { journalPathOf } from "../../../service/src/durability/journal.ts";
import { encodeAttribute } from "../../../service/src/layout/pymodaq-attribute.ts";
import { cameraFrame } from "../../../service/src/testing/camera-frame.ts";
import { tempDir } from "../../../service/src/testing/temp-dir.ts";
import { createSaverClient, type FileNode, type SaverClient, SaverClientError } from "./index.ts";

const root = path.join(realpathSync(tempDir("h5saver-client-")), "root");
mkdirSync(root);

let server: SaverServer;
let client: SaverClient;

before(async () => {
  server = createSaverServer({ root });
  const port = await server.listen(0);
  client = createSaverClient(`127.0.0.1:${port}`, { deadlineMs: 10_000 });
});

after(async () => {
  client.close();
  await server.close();
});

/** One acquisition of a small spectrometer: a power (0D) and a spectrum with its axis (1D). */
function frame(k: number): DataToExportInput {
  return {
    name: "spectrometer",
    timestamp: 1_700_000_000 + k,
    data: [
      { name: "power", data: [Float64Array.of(k)] },
      {
        name: "spectrum",
        data: [Float64Array.from({ length: 64 }, (_, i) => k + i)],
        axes: [
          { label: "wavelength", units: "nm", data: Float64Array.from({ length: 64 }, (_, i) => 400 + i) },
        ],
      },
    ],
  };
}

describe("SaverClient", () => {
  it("hears from the acknowledgements how many frames fill a chunk the journal points at", async () => {
    const file = await client.openFile({ path: "runs/chunked-spectra.h5", mode: "create" });
    const upload = await file.startContinuous(await file.addDetector("Spectrometer"));
    const hints: number[] = [];
    upload.onAck((ack) => hints.push(ack.framesPerChunk));
    const spectrum = (k: number) => ({
      name: "s",
      data: [{ name: "s", data: [new Float64Array(2048).fill(k)] }],
    });
    await upload.sendAll(Array.from({ length: 130 }, (_, k) => spectrum(k)));
    await upload.end();
    await file.close();
    // 16 KiB spectra: chunks of 64 rows
    assert.ok(hints.length > 0 && hints.every((n) => n === 64), `hints: ${hints}`);
  });

  it("ends its batches on those chunk boundaries, so that the journal points at the frames", async () => {
    // 3000-point spectra: 4 MiB holds 174 of them, not a whole number of chunks. (With h5saver's
    // chunks of a power of two of rows, the batches of a power of two sent before the first
    // acknowledgement are whole chunks already; frame-batch.test.ts checks the hint is followed.)
    const points = 3000;
    const frames = 2000;
    const file = await client.openFile({ path: "runs/aligned-spectra.h5", mode: "create" });
    const upload = await file.startContinuous(await file.addDetector("Spectrometer"));
    let perChunk = 0;
    upload.onAck((ack) => {
      perChunk = ack.framesPerChunk;
    });
    const spectrum = (k: number) => ({
      name: "s",
      data: [{ name: "s", data: [new Float64Array(points).fill(k)] }],
    });
    await upload.sendAll(Array.from({ length: frames }, (_, k) => spectrum(k)));
    const deadline = Date.now() + 60_000;
    while (upload.acknowledged < frames) {
      assert.ok(Date.now() < deadline, `${upload.acknowledged} of ${frames} frames durable after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const journalBytes = statSync(journalPathOf(path.join(root, "runs/aligned-spectra.h5"))).size;
    await upload.end();
    await file.close();
    const dataBytes = frames * points * 8;
    // (a plain 4 MiB batch, 174 frames, is not a whole number of chunks)
    assert.ok(
      perChunk > 1 && Math.floor((4 << 20) / (points * 8)) % perChunk !== 0,
      `per chunk: ${perChunk}`,
    );
    assert.ok(
      journalBytes < dataBytes / 4,
      `journal ${journalBytes} bytes for ${dataBytes} of frames, ${perChunk} per chunk`,
    );
    const backend = await openH5wasmFile(path.join(root, "runs/aligned-spectra.h5"), "read");
    try {
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      assert.deepEqual(loaded?.dwa.shape, [frames, points]);
      assert.equal(loaded?.dwa.data[0]?.[(frames - 1) * points], frames - 1);
    } finally {
      await backend.close();
    }
  });

  it("encodes large frames into buffers it reuses once acknowledged, and every frame is saved intact", async () => {
    const relative = "runs/reused-buffers.h5";
    const file = await client.openFile({ path: relative, mode: "create" });
    const upload = await file.startContinuous(await file.addDetector("Camera"), { batch: { maxFrames: 1 } });
    const pixels = 256 * 512; // 256 KiB of uint16: a message of its own, in a buffer of its own
    const frames = 120;
    const image = (k: number) => Uint16Array.from({ length: pixels }, (_, i) => (k * 7919 + i) % 65_521);
    const allocateUnsafeSlow = Buffer.allocUnsafeSlow;
    let allocated = 0;
    Buffer.allocUnsafeSlow = (size: number) => {
      if (size >= pixels * 2) allocated++;
      return allocateUnsafeSlow(size);
    };
    try {
      for (let k = 0; k < frames; k++) {
        await upload.send({ name: "cam", data: [{ name: "image", data: [image(k)], shape: [256, 512] }] });
        // an instrument's pace: a few frames ahead of the acknowledgements
        const deadline = Date.now() + 20_000;
        while (upload.sent - upload.acknowledged > 4) {
          assert.ok(Date.now() < deadline, `frame ${upload.sent} not acknowledged after 20 s`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      await upload.end();
    } finally {
      Buffer.allocUnsafeSlow = allocateUnsafeSlow;
    }
    await file.close();
    assert.ok(allocated > 0 && allocated <= 12, `${allocated} message buffers for ${frames} frames`);
    const backend = await openH5wasmFile(path.join(root, relative), "read");
    try {
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      assert.deepEqual(loaded?.dwa.shape, [frames, 256, 512]);
      const values = loaded?.dwa.data[0] as Uint16Array;
      for (let k = 0; k < frames; k++) {
        const saved = values.subarray(k * pixels, (k + 1) * pixels);
        assert.ok(
          Buffer.from(saved.buffer, saved.byteOffset, saved.byteLength).equals(Buffer.from(image(k).buffer)),
          `frame ${k} differs from what was sent`,
        );
      }
    } finally {
      await backend.close();
    }
  });

  it("sends blocks of frames (a DAQ card's buffer): every frame saved in order with its own time", async () => {
    const relative = "runs/blocks.h5";
    const file = await client.openFile({ path: relative, mode: "create" });
    const upload = await file.startContinuous(await file.addDetector("DAQ"));
    const samples = (from: number, count: number) =>
      Float64Array.from({ length: count }, (_, k) => (from + k) / 8);
    const times = (from: number, count: number) =>
      Float64Array.from({ length: count }, (_, k) => 1_700_000_000 + (from + k) / 1000);
    const block = (from: number, count: number): DataToExportInput => ({
      name: "daq",
      data: [{ name: "ai0", data: [samples(from, count)], units: "V" }],
    });
    // a frame alone, then 150 000 in two blocks (cut into messages of 4 MiB on chunk boundaries), then one alone
    await upload.send({ ...block(0, 1), timestamp: times(0, 1)[0] as number });
    assert.equal(await upload.sendBlock(block(1, 100_000), times(1, 100_000)), 100_001);
    assert.equal(await upload.sendBlock(block(100_001, 50_000), times(100_001, 50_000)), 150_001);
    assert.equal(await upload.sendBlock(block(0, 0), []), 150_001, "an empty block sends nothing");
    await upload.send({ ...block(150_001, 1), timestamp: times(150_001, 1)[0] as number });
    assert.deepEqual(await upload.end(), { frames: 150_002, durableFrames: 150_002 });
    await file.close();

    const backend = await openH5wasmFile(path.join(root, relative), "read");
    try {
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      assert.deepEqual(loaded?.dwa.shape, [150_002]);
      assert.deepEqual(loaded?.dwa.data[0], samples(0, 150_002));
      const time = loaded?.dwa.axes.find((axis) => axis.label === "time");
      assert.ok(time, `axes: ${loaded?.dwa.axes.map((axis) => axis.label)}`);
      assert.deepEqual(Array.from((time.data ?? []) as Float64Array), Array.from(times(0, 150_002)));
    } finally {
      await backend.close();
    }
  });

  it("sends blocks of images with error bars between frames sent one by one", async () => {
    const relative = "runs/image-blocks.h5";
    const file = await client.openFile({ path: relative, mode: "create" });
    const upload = await file.startContinuous(await file.addDetector("Camera"));
    const [height, width] = [48, 64];
    const values = height * width;
    const pixels = (from: number, count: number) =>
      Float32Array.from({ length: count * values }, (_, i) => from * values + i);
    const images = (from: number, count: number): DataToExportInput => ({
      name: "camera",
      timestamp: 0,
      data: [
        {
          name: "image",
          shape: [height, width],
          data: [pixels(from, count)],
          errors: [pixels(from, count).map((v) => v / 100)],
        },
      ],
    });
    const timesOf = (from: number, count: number) =>
      Array.from({ length: count }, (_, k) => 1_700_000_000 + from + k);
    await upload.send({ ...images(0, 1), timestamp: 1_700_000_000 });
    await upload.sendBlock(images(1, 700), timesOf(1, 700));
    await upload.send({ ...images(701, 1), timestamp: 1_700_000_701 });
    assert.equal(upload.sent, 702);
    assert.deepEqual(await upload.end(), { frames: 702, durableFrames: 702 });
    await file.close();

    const backend = await openH5wasmFile(path.join(root, relative), "read");
    try {
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      assert.deepEqual(loaded?.dwa.shape, [702, height, width]);
      assert.deepEqual(loaded?.dwa.data[0], pixels(0, 702));
      assert.deepEqual(
        loaded?.dwa.errors?.[0],
        pixels(0, 702).map((v) => v / 100),
      );
    } finally {
      await backend.close();
    }
  });

  it("keeps a block's messages, timestamps included, within a server's smaller message limit", async () => {
    const smallRoot = path.join(root, "..", "small-messages");
    mkdirSync(smallRoot, { recursive: true });
    const small = createSaverServer({ root: smallRoot, maxMessageBytes: 8 << 20 });
    const smallClient = createSaverClient(`127.0.0.1:${await small.listen(0)}`, { maxMessageBytes: 8 << 20 });
    try {
      const file = await smallClient.openFile({ path: "runs/tiny-frames.h5", mode: "create" });
      const upload = await file.startContinuous(await file.addDetector("Counter"));
      const frames = 1 << 20;
      // one byte of data per frame, and 8 of timestamp: counted, the messages stay near 4 MiB
      const counts = Uint8Array.from({ length: frames }, (_, k) => k % 251);
      const times = Float64Array.from({ length: frames }, (_, k) => 1_700_000_000 + k / 1e6);
      await upload.sendBlock({ name: "counter", data: [{ name: "count", data: [counts] }] }, times);
      assert.deepEqual(await upload.end(), { frames, durableFrames: frames });
      await file.close();
    } finally {
      smallClient.close();
      await small.close();
    }
  });

  it("refuses a block before sending any of it, naming the field", async () => {
    const file = await client.openFile({ path: "runs/bad-blocks.h5", mode: "create" });
    const upload = await file.startContinuous(await file.addDetector("DAQ"));
    const block = (data: Float64Array, extra: Partial<DataToExportInput["data"][number]> = {}) => ({
      name: "daq",
      data: [{ name: "ai0", data: [data], ...extra }],
    });
    await assert.rejects(
      upload.sendBlock(block(new Float64Array(10)), [1, 2, 3]),
      /ai0' data\[0\]: holds 10 values: a block of 3 frames/,
    );
    await assert.rejects(
      upload.sendBlock(block(new Float64Array(3)), [1, Number.NaN, 3]),
      /timestamps\[1\]: must be a finite number/,
    );
    await assert.rejects(
      upload.sendBlock(block(new Float64Array(3), { background: [new Float64Array(1)] }), [1, 2, 3]),
      /background: is not sent in blocks/,
    );
    await assert.rejects(
      upload.sendBlock(block(new Float64Array(6), { shape: [4] }), [1, 2]),
      (error: unknown) => error instanceof Error && /invalid|shape/i.test(error.message),
    );
    await assert.rejects(
      upload.sendBlock(block([1, 2, 3] as unknown as Float64Array), [1, 2, 3]),
      /ai0' data\[0\]: must be a numeric typed array/,
    );
    assert.equal(upload.sent, 0, "nothing was sent");
    assert.equal(await upload.sendBlock(block(new Float64Array(2)), [1, 2]), 2);
    assert.deepEqual(await upload.end(), { frames: 2, durableFrames: 2 });
    await file.close();
  });

  it("saves a snapshot and a 200-frame continuous upload that load back", async () => {
    const file = await client.openFile({ path: "runs/stream.h5", mode: "create", flush: { maxFrames: 20 } });
    assert.equal(file.path, "runs/stream.h5");
    const camera = await file.addDetector("Camera", '<All_settings type="group"/>');
    const channels = await file.saveSnapshot(camera, frame(0));
    assert.equal(channels.length, 2);

    const spectrometer = await file.addDetector("Spectrometer");
    const upload = await file.startContinuous(spectrometer);
    const acks: number[] = [];
    upload.onAck((ack) => acks.push(ack.durableSequence));
    // the same acknowledgements, consumed as an async iterable while the frames go out
    const iterated = (async () => {
      const seen: number[] = [];
      for await (const ack of upload.acknowledgements()) seen.push(ack.durableSequence);
      return seen;
    })();
    await upload.sendAll(Array.from({ length: 200 }, (_, i) => frame(i + 1)));
    const counts = await upload.end();
    assert.deepEqual(await iterated, acks);

    assert.deepEqual(counts, { frames: 200, durableFrames: 200 });
    assert.equal(upload.acknowledged, 200);
    assert.ok(acks.length >= 2, `acks: ${acks}`);
    assert.deepEqual(
      acks,
      [...acks].sort((a, b) => a - b),
    );
    await file.addLog("200 frames streamed");
    const status = await file.status();
    assert.equal(status.path, "runs/stream.h5");
    const closed = await file.close();
    assert.ok(closed.sizeBytes > 0);

    const backend = await openH5wasmFile(path.join(root, "runs/stream.h5"), "read");
    try {
      const loader = new PyMoDAQLoader(backend);
      const loaded = await loader.loadAll();
      const streamed = loaded.filter((l) => l.path.startsWith(spectrometer));
      const spectrum = streamed.find((l) => l.dwa.name === "spectrum");
      assert.ok(spectrum, `loaded: ${loaded.map((l) => l.path)}`);
      assert.deepEqual(spectrum.dwa.shape, [200, 64]);
      const power = streamed.find((l) => l.dwa.name === "power");
      assert.equal(power?.dwa.shape[0], 200);
      assert.ok(loaded.some((l) => l.path.startsWith(camera) && l.dwa.name === "spectrum"));
      assert.deepEqual(await loader.logLines(), ["200 frames streamed"]);
    } finally {
      await backend.close();
    }
  });

  it("reports the file's and its crash journal's bytes on disk (gzip images: pointed at, not copied)", async () => {
    const relative = "runs/sizes.h5";
    const absolute = path.join(root, relative);
    const file = await client.openFile({ path: relative, compression: { kind: "gzip", level: 1 } });
    const upload = await file.startContinuous(await file.addDetector("Camera"));
    const side = 512;
    // 8-bit counts in 16-bit pixels: each 512 KiB image deflates to a fraction of it
    const image = (k: number): DataToExportInput => ({
      name: "camera",
      timestamp: 1_700_000_000 + k,
      data: [
        { name: "image", data: [Uint16Array.from({ length: side * side }, (_, i) => (k * 31 + i) % 256)] },
      ],
    });
    await upload.sendAll(Array.from({ length: 8 }, (_, k) => image(k)));
    await upload.end();
    const status = await file.status();
    assert.equal(status.bytesReceived, 8 * side * side * 2);
    assert.equal(status.fileBytes, statSync(absolute).size);
    assert.equal(status.journalBytes, statSync(journalPathOf(absolute)).size);
    assert.ok(
      status.fileBytes < 8 * side * side * 2,
      `the file (${status.fileBytes} bytes) holds deflated images`,
    );
    assert.ok(
      status.journalBytes < side * side * 2,
      `the journal (${status.journalBytes} bytes) holds no copy of the 8 images of ${side * side * 2} bytes`,
    );
    await file.close();
    assert.equal(statSync(journalPathOf(absolute), { throwIfNoEntry: false }), undefined, "gone once closed");
  });

  it("asks for acknowledgements once frames are written (durability 'written')", async () => {
    const file = await client.openFile({
      path: "runs/written.h5",
      durability: "written",
      flush: { maxFrames: 1 },
    });
    const upload = await file.startContinuous(await file.addDetector("Written"));
    const acks: number[] = [];
    upload.onAck((ack) => acks.push(ack.durableSequence));
    for (let k = 1; k <= 10; k++) await upload.send(frame(k));
    assert.deepEqual(await upload.end(), { frames: 10, durableFrames: 10 });
    assert.equal(acks.at(-1), 10);
    await file.close();
    // from JavaScript, an option the client does not know is refused, not sent as the default
    await assert.rejects(
      client.openFile({ path: "runs/soon.h5", durability: "soon" as "written" }),
      (error: unknown) =>
        error instanceof SaverClientError &&
        error.code === "INVALID_ARGUMENT" &&
        error.message === "durability is 'soon': expected one of synced, written",
    );
    await assert.rejects(
      client.openFile({ path: "runs/soon.h5", mode: "replace" as "overwrite" }),
      /mode is 'replace'/,
    );
  });

  it("keeps frames sent without awaiting in order while the write buffer is full", async () => {
    const file = await client.openFile({ path: "runs/burst.h5", flush: { maxFrames: 1 } });
    const detector = await file.addDetector("Burst");
    const upload = await file.startContinuous(detector);
    const big = (k: number): DataToExportInput => ({
      name: "burst",
      timestamp: 1_700_000_000 + k,
      data: [
        { name: "power", data: [Float64Array.of(k)] },
        { name: "trace", data: [new Float64Array(128 * 1024).fill(k)] },
      ],
    });
    // 40 MiB at once: far more than grpc-js buffers, so most sends wait for 'drain'
    await Promise.all(Array.from({ length: 40 }, (_, i) => upload.send(big(i + 1))));
    assert.deepEqual(await upload.end(), { frames: 40, durableFrames: 40 });
    await file.close();

    const backend = await openH5wasmFile(path.join(root, "runs/burst.h5"), "read");
    try {
      const loaded = await new PyMoDAQLoader(backend).loadAll();
      const power = loaded.find((l) => l.path.startsWith(detector) && l.dwa.name === "power");
      assert.deepEqual(
        [...(power?.dwa.data[0] ?? [])].map(Number),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    } finally {
      await backend.close();
    }
  });

  it("saves a scan point by point", async () => {
    const file = await client.openFile({ path: "runs/scan.h5", saveType: "scan" });
    const scan = await file.beginScan({
      title: "Line",
      shape: [3],
      navAxes: [{ label: "x", units: "mm", data: Float64Array.of(0, 1, 2), index: 0 }],
    });
    const detector = await file.addDetector("Spectrometer", "", scan);
    for (let i = 0; i < 3; i++) assert.equal(await file.saveScanPoint(scan, detector, [i], frame(i)), i + 1);
    assert.equal(await file.endScan(scan), 3);
    const status = await file.status();
    assert.deepEqual(status.scans, [{ scanId: scan, pointsSaved: 3, done: true }]);
    await file.close();
  });

  it("gives an attribute's integer beyond int64 exactly (a bigint), a large double as a number", async () => {
    mkdirSync(path.join(root, "runs"), { recursive: true });
    const backend = await openH5wasmFile(path.join(root, "runs/big-int.h5"), "truncate");
    await backend.createGroup("/g");
    await backend.setAttributes("/g", {
      huge: ascii(encodeAttribute({ type: "int", value: 2n ** 70n + 1n })),
      far: { kind: "float64", value: 1e300 },
    });
    await backend.close();
    const tree = await client.browse({ path: "runs/big-int.h5" }, { node: "/g", attributes: true });
    assert.equal(tree.attributes.huge, 2n ** 70n + 1n);
    assert.equal(tree.attributes.far, 1e300);
  });

  it("browses and reads back an open file and a closed one", async () => {
    const file = await client.openFile({
      path: "runs/read-back.h5",
      flush: { maxFrames: 1000, maxDelayMs: 60_000 },
    });
    const detector = await file.addDetector("Spectrometer");
    const upload = await file.startContinuous(detector);
    for (let k = 1; k <= 30; k++) await upload.send(frame(k));
    await upload.end();
    const spectrum = `${detector}/Data1D/CH00/EnlData00`;

    const tree = await file.browse({ node: detector, attributes: true });
    assert.equal(tree.attributes.TITLE, "Spectrometer");
    const channel = tree.children.find((c) => c.name === "Data1D")?.children.find((c) => c.name === "CH00");
    assert.equal(channel?.attributes.TITLE, "spectrum");
    const array = channel?.children.find((c) => c.path === spectrum);
    assert.deepEqual(array?.dataset?.shape, [30, 64]);
    assert.deepEqual(array?.dataset?.maxShape, [null, 64]);

    const rows = await file.read(spectrum, { start: [28], maxChunkBytes: 64 * 8 });
    assert.deepEqual(rows.shape, [2, 64]);
    assert.equal(rows.dtype, "float64");
    assert.deepEqual([rows.values[0], rows.values[64]], [29, 30]);
    await file.close();

    const closed = await client.read({ path: "runs/read-back.h5" }, spectrum, {
      start: [0, 63],
      count: [3, 1],
    });
    assert.deepEqual([...closed.values], [64, 65, 66]);
    await assert.rejects(client.read({ path: "runs/read-back.h5" }, `${detector}/Nope`), (error: unknown) => {
      assert.ok(error instanceof SaverClientError);
      assert.equal(error.code, "NOT_FOUND");
      return true;
    });
  });

  it("reports a path outside the data root as PERMISSION_DENIED", async () => {
    await assert.rejects(client.openFile({ path: "../outside.h5" }), (error: unknown) => {
      assert.ok(error instanceof SaverClientError);
      assert.equal(error.code, "PERMISSION_DENIED");
      assert.match(error.message, /'\.\.'/);
      return true;
    });
  });
});

describe("SaverClient against a server slower than its sender", () => {
  it("holds a few megabytes of an upload in memory, not grpc-js' 16 messages of up to 4 MiB", async () => {
    // a token limited to 2 MB/s: the server takes the frames at that rate and pauses the call
    const slowRoot = path.join(realpathSync(tempDir("h5saver-client-slow-")), "root");
    mkdirSync(slowRoot);
    const tokensFile = path.join(slowRoot, "..", "tokens.json");
    const token = "a-token-of-at-least-16-chars";
    writeFileSync(
      tokensFile,
      JSON.stringify({ tokens: [{ name: "lab", token, root: "lab", maxMegabytesPerSecond: 2 }] }),
    );
    const slow = createSaverServer({ root: slowRoot, tokensFile });
    const own = createSaverClient(`127.0.0.1:${await slow.listen(0)}`, { token, deadlineMs: 30_000 });
    try {
      const file = await own.openFile({ path: "slow.h5" });
      const upload = await file.startContinuous(await file.addDetector("Camera"));
      // frames ready in memory, sent as fast as send() lets them go, for a second and a half
      let resolved = 0;
      const sending = (async () => {
        for (let k = 1; k <= 120; k++) {
          await upload.send(cameraFrame(k));
          resolved = k;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // taken by the server (~3 MB at 2 MB/s, its bucket's 2 MB, 4 MiB it reads ahead), the
      // call's 4 MiB window, the sockets' buffers and the client's two batches: 27 frames measured;
      // with grpc-js' bound alone (16 messages) 63
      assert.ok(resolved >= 8, `only ${resolved} frames went out in 1.5 s`);
      assert.ok(resolved <= 40, `${resolved} MiB frames were queued in 1.5 s against a 2 MB/s server`);
      upload.cancel();
      await sending.catch(() => undefined); // cancelled: its last send rejects
    } finally {
      own.close();
      await slow.close();
    }
  });
});

describe("SaverClient against a server that ends its stream while frames wait", () => {
  it("rejects the waiting send instead of waiting for write callbacks that never come", {
    timeout: 10_000,
  }, async () => {
    // a stand-in server: opens a file and a stream, reads one message, then ends the call with OK
    const fake = new grpc.Server({ "grpc.max_receive_message_length": 64 << 20 });
    const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>) =>
      callback({ code: grpc.status.UNIMPLEMENTED });
    const handlers: Record<string, grpc.UntypedHandleCall> = {};
    for (const method of svc.SaverService.methods) handlers[method.localName] = unimplemented;
    handlers.openFile = (_call: unknown, callback: grpc.sendUnaryData<svc.OpenFileResponse>) =>
      callback(null, create(svc.OpenFileResponseSchema, { sessionId: "s", path: "f.h5" }));
    handlers.addDetector = (_call: unknown, callback: grpc.sendUnaryData<svc.AddDetectorResponse>) =>
      callback(null, create(svc.AddDetectorResponseSchema, { detectorId: "/RawData/Detector000" }));
    handlers.startContinuous = (_call: unknown, callback: grpc.sendUnaryData<svc.StartContinuousResponse>) =>
      callback(null, create(svc.StartContinuousResponseSchema, { streamId: "/RawData/Detector000" }));
    handlers.stream = (call: grpc.ServerDuplexStream<svc.StreamRequest, svc.StreamResponse>) => {
      call.once("data", () => {
        call.pause();
        setTimeout(() => call.end(), 300);
      });
    };
    fake.addService(grpcServiceDefinition(svc.SaverService), handlers);
    const port = await new Promise<number>((resolve, reject) =>
      fake.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    const own = createSaverClient(`127.0.0.1:${port}`, { deadlineMs: 10_000 });
    try {
      const file = await own.openFile({ path: "f.h5" });
      const upload = await file.startContinuous(await file.addDetector("Camera"));
      const sending = (async () => {
        for (let k = 1; k <= 200; k++) await upload.send(cameraFrame(k));
      })();
      await assert.rejects(sending, (error: unknown) => {
        assert.ok(error instanceof SaverClientError);
        assert.equal(error.code, "FAILED_PRECONDITION");
        assert.match(error.message, /the server ended the stream/);
        return true;
      });
    } finally {
      own.close();
      fake.forceShutdown();
    }
  });
});

describe("SaverClient's HTTP/2 receive window", () => {
  it("lets the server send megabytes of a read before the client has consumed them (not grpc-js' 64 KiB)", async () => {
    // a bare HTTP/2 server: what matters is the SETTINGS the client opens its connection with
    const peer = http2.createServer();
    const settings = new Promise<http2.Settings>((resolve) =>
      peer.on("session", (session) => session.once("remoteSettings", resolve)),
    );
    peer.on("stream", (stream) => stream.respond({ ":status": 200, "content-type": "application/grpc" }));
    await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
    const own = createSaverClient(`127.0.0.1:${(peer.address() as AddressInfo).port}`, { deadlineMs: 500 });
    try {
      await own.status().catch(() => undefined); // connects; the bare server never answers
      assert.equal((await settings).initialWindowSize, 4 << 20);
    } finally {
      own.close();
      peer.close();
    }
  });
});

describe("SaverClient and the PyMoDAQ 3.x layout", () => {
  it("writes a 3.x file through the service and reads it back through Browse and ReadDataset", async () => {
    const file = await client.openFile({
      path: "runs/pymodaq3.h5",
      layout: "pymodaq3",
      dataDtype: "float64",
    });
    const detector = await file.addDetector("Spectrometer");
    const upload = await file.startContinuous(detector);
    await upload.sendAll([1, 2, 3].map(frame));
    await upload.end();
    const tree = await file.browse({ node: "/", maxDepth: 1 });
    assert.deepEqual(
      tree.children.map((c) => c.name),
      ["Raw_datas"],
    );
    const spectra = await file.browse({ node: "/Raw_datas", attributes: true });
    const data = findNode(spectra, (n) => n.name === "Data" && n.path.includes("Data1D"));
    assert.ok(data?.dataset, "a Data1D/Ch000/Data node");
    assert.deepEqual(data.dataset.shape, [3, 64]);
    const last = await file.read(data.path, { start: [2], count: [1] });
    assert.deepEqual([last.values[0], last.values[63]], [3, 66]);
    await file.close();

    const backend = await openH5wasmFile(path.join(root, "runs/pymodaq3.h5"), "read");
    try {
      assert.equal(await isLayoutV3(backend), true);
      const loaded = await new PyMoDAQ3Loader(backend).loadAll();
      assert.ok(
        loaded.some((l) => l.dwa.name === "spectrum" || l.dwa.shape.join() === "3,64"),
        "PyMoDAQ 3 reader sees the stream",
      );
    } finally {
      await backend.close();
    }
  });
});

function findNode(node: FileNode, match: (node: FileNode) => boolean): FileNode | undefined {
  if (match(node)) return node;
  for (const child of node.children) {
    const found = findNode(child, match);
    if (found) return found;
  }
  return undefined;
}

describe("SaverClient over TLS with a token", () => {
  it("sends its token on every call, streams included", async () => {
    const { makeTestCertificates } = await import("../../../service/src/testing/test-certificates.ts");
    const certs = makeTestCertificates();
    const securedRoot = path.join(realpathSync(tempDir("h5saver-client-tls-")), "root");
    mkdirSync(securedRoot);
    const tokensFile = path.join(securedRoot, "..", "tokens.json");
    const token = "a-token-of-at-least-16-chars";
    writeFileSync(tokensFile, JSON.stringify({ tokens: [{ name: "lab", token, root: "lab" }] }));
    const secured = createSaverServer({
      root: securedRoot,
      tokensFile,
      tls: { cert: certs.serverCert, key: certs.serverKey },
    });
    const address = `127.0.0.1:${await secured.listen(0)}`;
    const withToken = createSaverClient(address, { token, tls: { ca: certs.ca }, deadlineMs: 10_000 });
    const without = createSaverClient(address, { tls: { ca: certs.ca }, deadlineMs: 10_000 });
    try {
      const file = await withToken.openFile({ path: "secured.h5" });
      const upload = await file.startContinuous(await file.addDetector("Spectrometer"));
      await upload.sendAll([frame(1), frame(2)]);
      assert.deepEqual(await upload.end(), { frames: 2, durableFrames: 2 });
      assert.deepEqual((await file.read(`/RawData/Detector000/Data0D/CH00/EnlData00`)).shape, [2, 1]);
      await file.close();
      await assert.rejects(without.status(), (error: unknown) => {
        assert.ok(error instanceof SaverClientError);
        assert.equal(error.code, "UNAUTHENTICATED");
        return true;
      });
    } finally {
      withToken.close();
      without.close();
      await secured.close();
    }
  });
});
