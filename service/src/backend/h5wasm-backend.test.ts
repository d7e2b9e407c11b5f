/**
 * The h5wasm backend: where whole-chunk rows land in the file (what the crash journal points at),
 * and its error classification: a write that finds the disk full is resource_exhausted (the client
 * gets RESOURCE_EXHAUSTED), not an HDF5 io_error — that one needs root to mount a small tmpfs, and
 * is skipped otherwise.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { crc32, inflateSync } from "node:zlib";
import { SaverError } from "../errors.ts";
import type { NumericArray } from "../model/dtype.ts";
import { rejectsWith } from "../testing/saver-error-assertions.ts";
import type { Compression, FileExtent, H5Backend } from "./h5-backend.ts";
import { openH5wasmFile, unmarkedStandInsForTests } from "./h5wasm-backend.ts";

/** Each extent, in the closed file, holds the next `chunkBytes` of `source`, with their CRC-32. */
function assertChunksAt(
  file: string,
  extents: readonly FileExtent[] | undefined,
  source: NumericArray,
  chunkBytes: number,
): void {
  const bytes = readFileSync(file);
  extents?.forEach((extent, k) => {
    assert.equal(extent.length, chunkBytes);
    const inFile = bytes.subarray(extent.offset, extent.offset + extent.length);
    const chunk = Buffer.from(source.buffer, source.byteOffset + k * chunkBytes, chunkBytes);
    assert.ok(inFile.equals(chunk), `chunk ${k} is where it is said to be`);
    assert.equal(extent.crc32, crc32(inFile), `chunk ${k}'s CRC-32 is that of its bytes`);
  });
}

describe("writeChunkRows()", () => {
  const side = 512;
  const rowValues = side * side;
  const rowsOf = (first: number, count: number) =>
    Uint16Array.from({ length: count * rowValues }, (_, i) => (first * 7 + i * 13) % 65_536);

  it("tells where each row's bytes lie in the file, which holds them there once closed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "h5saver-chunks-"));
    try {
      const file = path.join(dir, "rows.h5");
      const backend = await openH5wasmFile(file, "create");
      const spec = { dtype: "uint16", shape: [0, side, side], maxShape: [null, side, side] } as const;
      await backend.createDataset("/rows", {
        ...spec,
        chunks: [1, side, side],
        compression: { kind: "none" },
      });
      await backend.resize("/rows", [1, side, side]);
      const one = rowsOf(0, 1);
      const first = await backend.writeChunkRows("/rows", [0, 0, 0], [1, side, side], one);
      await backend.resize("/rows", [4, side, side]);
      const three = rowsOf(1, 3);
      const next = await backend.writeChunkRows("/rows", [1, 0, 0], [3, side, side], three);
      await backend.close();

      assert.equal(first?.length, 1);
      assert.equal(next?.length, 3);
      assertChunksAt(file, first, one, rowValues * 2);
      assertChunksAt(file, next, three, rowValues * 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tells where the chunks of rows cut into several chunks each lie, and refuses a cut that is not whole", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "h5saver-chunks-"));
    try {
      const file = path.join(dir, "frames.h5");
      const backend = await openH5wasmFile(file, "create");
      const [height, width, parts] = [600, 512, 3];
      await backend.createDataset("/frames", {
        dtype: "uint16",
        shape: [0, height, width],
        maxShape: [null, height, width],
        chunks: [1, height / parts, width],
        compression: { kind: "none" },
      });
      await backend.resize("/frames", [3, height, width]);
      const rows = Uint16Array.from({ length: 2 * height * width }, (_, i) => (i * 7) % 65_536);
      const extents = await backend.writeChunkRows("/frames", [0, 0, 0], [2, height, width], rows, 1, parts);
      await rejectsWith(
        backend.writeChunkRows(
          "/frames",
          [2, 0, 0],
          [1, height, width],
          rows.subarray(0, height * width),
          1,
          7,
        ),
        "internal",
        /not whole chunks of 1 rows \(7 to a row\)/,
      );
      await backend.close();

      assert.equal(extents?.length, 2 * parts, "three chunks to a frame");
      assertChunksAt(file, extents, rows, (height / parts) * width * 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tells where whole chunks of several rows lie, and refuses rows that are not whole chunks", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "h5saver-chunks-"));
    try {
      const file = path.join(dir, "spectra.h5");
      const backend = await openH5wasmFile(file, "create");
      const [width, perChunk] = [2048, 64];
      await backend.createDataset("/spectra", {
        dtype: "float64",
        shape: [0, width],
        maxShape: [null, width],
        chunks: [perChunk, width],
        compression: { kind: "none" },
      });
      await backend.resize("/spectra", [3 * perChunk, width]);
      const rows = Float64Array.from({ length: 2 * perChunk * width }, (_, i) => i / 3);
      const extents = await backend.writeChunkRows("/spectra", [0, 0], [2 * perChunk, width], rows, perChunk);
      await rejectsWith(
        backend.writeChunkRows(
          "/spectra",
          [2 * perChunk, 0],
          [10, width],
          rows.subarray(0, 10 * width),
          perChunk,
        ),
        "internal",
        /not whole chunks of 64 rows/,
      );
      await backend.close();

      assert.equal(extents?.length, 2);
      assertChunksAt(file, extents, rows, perChunk * width * 8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A new file with `/rows` of `rows` uint16 rows of side × side, a chunk each, for `use` (which closes it). */
  async function withRows(
    name: string,
    rows: number,
    use: (backend: H5Backend, file: string) => Promise<void>,
    compression: Compression = { kind: "none" },
  ): Promise<void> {
    const dir = mkdtempSync(path.join(tmpdir(), "h5saver-chunks-"));
    try {
      const file = path.join(dir, name);
      const backend = await openH5wasmFile(file, "create");
      await backend.createDataset("/rows", {
        dtype: "uint16",
        shape: [rows, side, side],
        maxShape: [null, side, side],
        chunks: [1, side, side],
        compression,
      });
      await use(backend, file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function readRows(file: string): Promise<NumericArray> {
    const reading = await openH5wasmFile(file, "read");
    try {
      return await reading.read("/rows");
    } finally {
      await reading.close();
    }
  }

  it("writes whole chunks it is not asked to locate from the caller's array too (HDF5 gets a marked stand-in), and they read back whole", async () => {
    await withRows("unlocated.h5", 5, async (backend, file) => {
      const rows = rowsOf(0, 5);
      const firstTwo = rows.subarray(0, 2 * rowValues);
      assert.equal(
        await backend.writeChunkRows("/rows", [0, 0, 0], [2, side, side], firstTwo, 1, 1, false),
        undefined,
      );
      const lastThree = rows.subarray(2 * rowValues);
      const located = await backend.writeChunkRows(
        "/rows",
        [2, 0, 0],
        [3, side, side],
        lastThree,
        1,
        1,
        true,
      );
      assert.equal(located?.length, 3);
      await backend.close();
      assert.deepEqual(await readRows(file), rows);
    });
  });

  it("writes the caller's array again, and locates nothing, when HDF5 wrote a stand-in's chunks in a way it did not recognise", async () => {
    unmarkedStandInsForTests.on = true;
    try {
      await withRows("unrecognised.h5", 2, async (backend, file) => {
        const rows = rowsOf(3, 2);
        assert.equal(await backend.writeChunkRows("/rows", [0, 0, 0], [2, side, side], rows), undefined);
        await backend.close();
        assert.deepEqual(await readRows(file), rows, "the rows, not the stand-in's bytes");
      });
    } finally {
      unmarkedStandInsForTests.on = false;
    }
  });

  it("refuses rows that are not the selection they are said to be (no stand-in then: HDF5 would read past it)", async () => {
    await withRows("short.h5", 2, async (backend) => {
      await rejectsWith(
        backend.writeChunkRows("/rows", [0, 0, 0], [2, side, side], rowsOf(0, 1)),
        "io_error",
        /does not match number of elements/,
      );
      await backend.close();
    });
  });

  it("tells where deflated rows lie: zlib streams, each in the file as said, that inflate to the rows", async () => {
    await withRows(
      "gzip.h5",
      3,
      async (backend, file) => {
        // 8-bit counts in 16-bit pixels: a third of each row compresses away
        const rows = rowsOf(0, 3).map((value) => value % 256);
        const extents = await backend.writeChunkRows("/rows", [0, 0, 0], [3, side, side], rows);
        await backend.close();
        assert.equal(extents?.length, 3);
        const bytes = readFileSync(file);
        extents?.forEach((extent, k) => {
          assert.equal(extent.encoding, "deflate");
          const stored = bytes.subarray(extent.offset, extent.offset + extent.length);
          assert.equal(extent.crc32, crc32(stored), `chunk ${k}'s CRC-32 is that of its stored bytes`);
          assert.ok(extent.length < rowValues * 2, `chunk ${k} is compressed (${extent.length} bytes)`);
          const row = Buffer.from(rows.buffer, k * rowValues * 2, rowValues * 2);
          assert.ok(inflateSync(stored).equals(row), `chunk ${k} inflates to row ${k}`);
        });
        assert.deepEqual(await readRows(file), rows);
      },
      { kind: "gzip", level: 1 },
    );
  });

  it("cannot tell where blosc-compressed rows are (nothing in their bytes says which rows they hold)", async () => {
    await withRows(
      "blosc.h5",
      2,
      async (backend, file) => {
        const rows = rowsOf(0, 2);
        assert.equal(await backend.writeChunkRows("/rows", [0, 0, 0], [2, side, side], rows), undefined);
        await backend.close();
        assert.deepEqual(await readRows(file), rows);
      },
      { kind: "blosc-lz4", level: 5 },
    );
  });
});

describe("h5wasm backend errors", () => {
  it("reports a full disk as resource_exhausted, saying the disk is full", async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip("not root: mounting a small tmpfs needs root");
      return;
    }
    const disk = mkdtempSync(path.join(tmpdir(), "h5saver-backend-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "h5saver-test", disk], { stdio: "pipe" });
    } catch (error) {
      rmSync(disk, { recursive: true });
      t.skip(`cannot mount a tmpfs here: ${(error as Error).message.split("\n")[0]}`);
      return;
    }
    t.after(() => {
      execFileSync("umount", [disk]);
      rmSync(disk, { recursive: true });
    });
    const backend = await openH5wasmFile(path.join(disk, "full.h5"), "create");
    await backend.createDataset("/d", {
      dtype: "float64",
      shape: [0, 1024],
      maxShape: [null, 1024],
      chunks: [1, 1024],
      compression: { kind: "none" },
    });
    let error: unknown;
    try {
      for (let row = 0; row < 1000; row++) {
        await backend.resize("/d", [row + 1, 1024]);
        await backend.writeSlice("/d", [row, 0], [1, 1024], new Float64Array(1024).fill(row));
        await backend.flush();
      }
    } catch (caught) {
      error = caught;
    }
    await backend.close().catch(() => undefined);
    assert.ok(error instanceof SaverError, `expected a SaverError, got ${String(error)}`);
    assert.equal(error.code, "resource_exhausted", error.message);
    assert.match(error.message, /the disk is full.*No space left on device/);
  });
});
