/**
 * A stream whose crash journal points at its chunks keeps those chunks when a write fails. The
 * failure is injected into the real h5wasm backend (a full disk cannot be made to hit exactly the
 * write that matters): the next row write of the stream's time axis, during the flush's writeOut.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { crc32 } from "node:zlib";
import type { FileExtent, H5Backend } from "../backend/h5-backend.ts";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { SaverError } from "../errors.ts";
import { createDataToExport } from "../model/data-to-export.ts";
import { createFrameBlock } from "../model/frame-block.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { ContinuousStream } from "./continuous-stream.ts";
import { PyMoDAQTree } from "./pymodaq-tree.ts";

const WIDTH = 2048; // float64 spectra of 16 KiB: chunks of 64 rows, 1 MiB
const BLOCK = 64;

/** The backend, with its next writeSlice to a path ending in `failOn` refused once `armed`. */
function failingWrites(backend: H5Backend, failOn: string): { backend: H5Backend; arm: () => void } {
  let armed = false;
  const failing = new Proxy(backend, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (property === "writeSlice") {
        return (where: string, ...rest: unknown[]) => {
          if (armed && where.endsWith(failOn)) {
            armed = false;
            return Promise.reject(new SaverError("resource_exhausted", "the disk is full (injected)"));
          }
          return (value as (...args: unknown[]) => Promise<void>).call(target, where, ...rest);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { backend: failing, arm: () => (armed = true) };
}

/** A new file with one detector and an uncompressed stream into it (chunks located for a journal, or not). */
async function newStream(name: string, locateChunks = false) {
  const backend = await openH5wasmFile(path.join(tempDir("h5saver-stream-"), name), "create");
  const tree = await PyMoDAQTree.create(backend, { saveType: "detector", fileName: name });
  const detector = await tree.addDetGroup(tree.rawGroup, "Detector", "");
  return { backend, detector, stream: new ContinuousStream(tree, detector, { kind: "none" }, locateChunks) };
}

function spectraBlock(first: number) {
  const frame = (k: number) =>
    createDataToExport({
      name: "spectrometer",
      timestamp: 1_700_000_000 + k,
      data: [{ name: "spectrum", data: [Float64Array.from({ length: WIDTH }, (_, i) => k * 10_000 + i)] }],
    });
  const spectra = new Float64Array(BLOCK * WIDTH);
  for (let k = 0; k < BLOCK; k++) spectra.set(frame(first + k).data[0]?.data[0] as Float64Array, k * WIDTH);
  return createFrameBlock(
    frame(first),
    BLOCK,
    [[spectra]],
    Array.from({ length: BLOCK }, (_, k) => 1_700_000_000 + first + k),
  );
}

describe("ContinuousStream with a crash journal (locateChunks)", () => {
  it("keeps the chunks the journal points at when a later write fails (no trim of a damaged file)", async () => {
    const file = path.join(tempDir("h5saver-stream-"), "spectra.h5");
    const real = await openH5wasmFile(file, "create");
    const { backend, arm } = failingWrites(real, "/NavAxes/Axis00");
    const tree = await PyMoDAQTree.create(backend, { saveType: "detector", fileName: "spectra.h5" });
    const detector = await tree.addDetGroup(tree.rawGroup, "Spectrometer", "");
    const stream = new ContinuousStream(tree, detector, { kind: "none" }, true);

    const pointed: FileExtent[] = [];
    for (let b = 0; b < 3; b++) {
      const places = await stream.appendBlock(spectraBlock(b * BLOCK));
      const extents = [...places.values()];
      assert.equal(extents.length, 1, `block ${b}: its spectra are one located chunk`);
      pointed.push(...(extents[0] ?? []));
    }
    assert.equal(pointed.length, 3);

    arm(); // the time axis' rows (pending in memory) fail to reach the file
    await assert.rejects(stream.writeOut(), /the disk is full/);
    await real.close();

    const bytes = readFileSync(file);
    pointed.forEach((extent, k) => {
      const chunk = bytes.subarray(extent.offset, extent.offset + extent.length);
      assert.equal(chunk.length, extent.length, `chunk ${k} is still within the file`);
      assert.equal(crc32(chunk), extent.crc32, `chunk ${k} still holds what the journal points at`);
    });
  });

  it("gives arrays of rows much smaller than the frame's largest (time axis, a counter) chunks of 64 KiB, and reads them back across chunks", async () => {
    const { backend, detector, stream } = await newStream("companions.h5");
    const frames = 8192 + 300; // past the first 8192-row chunk of the companions
    const width = 256; // 2 KiB spectra: a counter's 8-byte rows are 256 times smaller
    for (let k = 0; k < frames; k++) {
      await stream.append(
        createDataToExport({
          name: "spectrometer",
          timestamp: 1_700_000_000 + k / 8,
          data: [
            { name: "spectrum", data: [Float64Array.from({ length: width }, (_, i) => k + i)] },
            { name: "counter", data: [Float64Array.of(k)] },
          ],
        }),
      );
    }
    await stream.end();
    const chunksOf = async (node: string) => (await backend.datasetInfo(`${detector}/${node}`)).chunks;
    assert.deepEqual(await chunksOf("Data1D/CH00/EnlData00"), [512, width]); // 1 MiB
    assert.deepEqual(await chunksOf("Data0D/CH00/EnlData00"), [8192, 1]); // 64 KiB
    assert.deepEqual(await chunksOf("NavAxes/Axis00"), [8192]);
    const counter = await backend.read(`${detector}/Data0D/CH00/EnlData00`);
    const time = await backend.read(`${detector}/NavAxes/Axis00`);
    assert.equal(counter.length, frames);
    assert.ok(
      counter.every((value, k) => value === k),
      "every counter value in place",
    );
    assert.ok(
      time.every((value, k) => value === 1_700_000_000 + k / 8),
      "every timestamp in place",
    );
    await backend.close();
  });

  it("decides companion chunks array by array: narrow error bars of a spectrum beside an image get 64 KiB", async () => {
    const { backend, detector, stream } = await newStream("errors.h5", true);
    const points = 4096; // float64 spectrum: 32 KiB rows, 16 times smaller than the 512 KiB image
    await stream.append(
      createDataToExport({
        name: "camera",
        data: [
          { name: "image", shape: [512, 512], data: [new Uint16Array(512 * 512)] },
          { name: "spectrum", data: [new Float64Array(points)], errors: [new Uint8Array(points).fill(3)] },
        ],
      }),
    );
    const chunksOf = async (node: string) => (await backend.datasetInfo(`${detector}/${node}`)).chunks;
    assert.deepEqual(await chunksOf("Data2D/CH00/EnlData00"), [1, 512, 512]);
    assert.deepEqual(await chunksOf("Data1D/CH00/EnlData00"), [32, points]); // 1 MiB
    assert.deepEqual(await chunksOf("Data1D/CH00/ErrorBar00"), [16, points]); // 64 KiB of 4 KiB rows
    assert.equal(stream.framesPerChunk, 32, "whole chunks of the image and the spectrum");
    await stream.end();
    const errors = await backend.read(`${detector}/Data1D/CH00/ErrorBar00`);
    assert.ok(errors.length === points && errors.every((value) => value === 3));
    await backend.close();
  });

  it("keeps chunks of 512 KiB for 8-byte rows when no row of the frame is much larger", async () => {
    const { backend, detector, stream } = await newStream("counters.h5");
    await stream.append(
      createDataToExport({ name: "counter", data: [{ name: "n", data: [Float64Array.of(1)] }] }),
    );
    await stream.end();
    const chunksOf = async (node: string) => (await backend.datasetInfo(`${detector}/${node}`)).chunks;
    assert.deepEqual(await chunksOf("Data0D/CH00/EnlData00"), [65_536, 1]);
    assert.deepEqual(await chunksOf("NavAxes/Axis00"), [65_536]);
    await backend.close();
  });
});
