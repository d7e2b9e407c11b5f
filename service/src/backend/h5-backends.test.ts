/**
 * What both HDF5 backends (h5wasm, and the native HDF5 library) must do alike: where whole-chunk
 * rows land in the file (what the crash journal points at), attributes, strings and reading back,
 * errors (a write that finds the disk full is resource_exhausted — that one needs root to mount a
 * small tmpfs, and is skipped otherwise), and the same files from the same calls.
 * The native backend's tests run wherever its addon is built, and must run in CI.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { crc32, inflateSync } from "node:zlib";
import { SaverError } from "../errors.ts";
import type { NumericArray } from "../model/dtype.ts";
import { ROW_SIDE, ROW_VALUES, readBack as readDataset, rowsOf, withRowsFile } from "../testing/rows-file.ts";
import { rejectsWith } from "../testing/saver-error-assertions.ts";
import { ascii, type Compression, type FileExtent, type H5Backend, int32, utf8 } from "./h5-backend.ts";
import { openH5wasmFile } from "./h5wasm-backend.ts";
import type { OpenMode } from "./hdf5-failures.ts";
import { nativeHdf5, openNativeHdf5File } from "./native-hdf5-backend.ts";
import { backendFor } from "./open-h5-file.ts";

if (!nativeHdf5.available && process.env.CI) {
  throw new Error(`the native HDF5 addon must be built in CI: ${nativeHdf5.reason}`);
}

const BACKENDS: readonly {
  readonly name: string;
  readonly open: (file: string, mode: OpenMode) => Promise<H5Backend>;
  readonly skip: string | false;
}[] = [
  { name: "h5wasm", open: openH5wasmFile, skip: false },
  {
    name: "native",
    open: openNativeHdf5File,
    skip: nativeHdf5.available ? false : `no native HDF5 addon: ${nativeHdf5.reason}`,
  },
];

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

/** A temporary folder for `use`, removed after it. */
async function inFolder(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "h5saver-backends-"));
  try {
    await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const side = ROW_SIDE;
const rowValues = ROW_VALUES;

for (const { name, open, skip } of BACKENDS) {
  describe(`${name} backend`, { skip }, () => {
    const withRows = (
      fileName: string,
      rows: number,
      use: (backend: H5Backend, file: string) => Promise<void>,
      compression?: Compression,
    ) => withRowsFile(open, fileName, rows, use, compression);
    const readBack = (file: string, node: string) => readDataset(open, file, node);

    it("tells where each row's bytes lie in the file, which holds them there once closed", async () => {
      await inFolder(async (dir) => {
        const file = path.join(dir, "rows.h5");
        const backend = await open(file, "create");
        await backend.createDataset("/rows", {
          dtype: "uint16",
          shape: [0, side, side],
          maxShape: [null, side, side],
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
        const all = new Uint16Array(4 * rowValues);
        all.set(one);
        all.set(three, rowValues);
        assert.deepEqual(await readBack(file, "/rows"), all);
      });
    });

    it("tells where the chunks of rows cut into several chunks each lie, and refuses a cut that is not whole", async () => {
      await inFolder(async (dir) => {
        const file = path.join(dir, "frames.h5");
        const backend = await open(file, "create");
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
        const extents = await backend.writeChunkRows(
          "/frames",
          [0, 0, 0],
          [2, height, width],
          rows,
          1,
          parts,
        );
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
        const stored = await readBack(file, "/frames");
        assert.deepEqual(stored.subarray(0, rows.length), rows);
      });
    });

    it("tells where whole chunks of several rows lie, and refuses rows that are not whole chunks", async () => {
      await inFolder(async (dir) => {
        const file = path.join(dir, "spectra.h5");
        const backend = await open(file, "create");
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
        const extents = await backend.writeChunkRows(
          "/spectra",
          [0, 0],
          [2 * perChunk, width],
          rows,
          perChunk,
        );
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
      });
    });

    it("writes rows whose layout differs from the dataset's chunks through HDF5's own cut, and locates nothing", async () => {
      await inFolder(async (dir) => {
        const file = path.join(dir, "other-chunks.h5");
        const backend = await open(file, "create");
        // chunks of half a row, while the call says one chunk per row; and int32 values for a uint16 dataset
        await backend.createDataset("/rows", {
          dtype: "uint16",
          shape: [2, 4, 4],
          maxShape: [null, 4, 4],
          chunks: [1, 2, 4],
          compression: { kind: "none" },
        });
        const rows = Uint16Array.from({ length: 32 }, (_, i) => i);
        assert.equal(await backend.writeChunkRows("/rows", [0, 0, 0], [2, 4, 4], rows), undefined);
        await backend.createDataset("/converted", {
          dtype: "uint16",
          shape: [2, 4],
          maxShape: [null, 4],
          chunks: [1, 4],
          compression: { kind: "none" },
        });
        const wide = Int32Array.from({ length: 8 }, (_, i) => i * 100);
        assert.equal(await backend.writeChunkRows("/converted", [0, 0], [2, 4], wide), undefined);
        await backend.close();
        assert.deepEqual(await readBack(file, "/rows"), rows);
        assert.deepEqual(await readBack(file, "/converted"), Uint16Array.from(wide));
      });
    });

    it("refuses rows that are not the selection they are said to be", async () => {
      await withRows("short.h5", 2, async (backend) => {
        await rejectsWith(
          backend.writeChunkRows("/rows", [0, 0, 0], [2, side, side], rowsOf(0, 1)),
          "io_error",
          /do(es)? not match number of elements/,
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
          assert.deepEqual(await readBack(file, "/rows"), rows);
        },
        { kind: "gzip", level: 1 },
      );
    });

    it("stores deflate level 0 as zlib streams too, which read back", async () => {
      await withRows(
        "gzip0.h5",
        2,
        async (backend, file) => {
          const rows = rowsOf(0, 2);
          const extents = await backend.writeChunkRows("/rows", [0, 0, 0], [2, side, side], rows);
          await backend.close();
          assert.equal(extents?.length, 2);
          const bytes = readFileSync(file);
          extents?.forEach((extent, k) => {
            assert.equal(extent.encoding, "deflate");
            const stored = bytes.subarray(extent.offset, extent.offset + extent.length);
            const row = Buffer.from(rows.buffer, k * rowValues * 2, rowValues * 2);
            assert.ok(inflateSync(stored).equals(row), `chunk ${k} inflates to row ${k}`);
          });
          assert.deepEqual(await readBack(file, "/rows"), rows);
        },
        { kind: "gzip", level: 0 },
      );
    });

    it("refuses rows beyond the dataset's extent, initial data of the wrong length and a shape of another rank", async () => {
      await withRows("bounds.h5", 2, async (backend, file) => {
        await rejectsWith(
          backend.writeChunkRows("/rows", [1, 0, 0], [2, side, side], rowsOf(0, 2)),
          "io_error",
          /not within extent|does not lie whole inside the dataset/,
        );
        await rejectsWith(
          backend.createDataset("/short", {
            dtype: "float64",
            shape: [4096],
            maxShape: [4096],
            chunks: [4096],
            compression: { kind: "none" },
            data: new Float64Array(4),
          }),
          "io_error",
          /does not match number of elements/,
        );
        await rejectsWith(backend.resize("/rows", [3, side]), "io_error", /rank/);
        await backend.close();
        assert.deepEqual(
          await readBack(file, "/rows"),
          new Uint16Array(2 * rowValues),
          "nothing was written",
        );
      });
    });

    it("stores attributes as PyTables does, replaces them, and reads them back", async () => {
      await inFolder(async (dir) => {
        const file = path.join(dir, "attributes.h5");
        const backend = await open(file, "create");
        await backend.createGroup("/RawData");
        await backend.setAttributes("/RawData", {
          CLASS: ascii("GROUP"),
          empty: ascii(""),
          title: utf8("spectre à 532 nm"),
          EXTDIM: int32(-3),
          gain: { kind: "float64", value: 1.5 },
        });
        await backend.setAttributes("/RawData", { CLASS: ascii("GROUPS"), EXTDIM: int32(7) });
        assert.deepEqual(await backend.getAttributes("/RawData"), {
          CLASS: "GROUPS",
          EXTDIM: 7,
          empty: "",
          gain: 1.5,
          title: "spectre à 532 nm",
        });
        await backend.close();
        const types = execFileSync("h5dump", ["-A", "-g", "/RawData", file], { encoding: "utf8" });
        assert.match(
          types,
          /ATTRIBUTE "CLASS" \{\s+DATATYPE\s+H5T_STRING \{\s+STRSIZE 6;\s+STRPAD H5T_STR_NULLTERM;\s+CSET H5T_CSET_ASCII;/,
        );
        assert.match(
          types,
          /ATTRIBUTE "title" \{\s+DATATYPE\s+H5T_STRING \{\s+STRSIZE H5T_VARIABLE;\s+STRPAD H5T_STR_SPACEPAD;\s+CSET H5T_CSET_UTF8;/,
        );
        assert.match(types, /ATTRIBUTE "EXTDIM" \{\s+DATATYPE\s+H5T_STD_I32LE/);
        assert.match(types, /ATTRIBUTE "gain" \{\s+DATATYPE\s+H5T_IEEE_F64LE/);
      });
    });

    it("appends fixed-width strings, cut to the width, lists children and tells what a dataset is", async () => {
      await inFolder(async (dir) => {
        const file = path.join(dir, "strings.h5");
        const backend = await open(file, "create");
        await backend.createGroup("/Logger");
        await backend.createStringDataset("/Logger/log", 8, 16);
        await backend.appendStrings("/Logger/log", ["start", "a longer line"]);
        await backend.appendStrings("/Logger/log", []);
        await backend.appendStrings("/Logger/log", ["end"]);
        await backend.createDataset("/Logger/values", {
          dtype: "int64",
          shape: [3],
          maxShape: [3],
          chunks: [3],
          compression: { kind: "gzip", level: 5 },
          data: BigInt64Array.from([1n, -2n, 3n]),
        });
        assert.deepEqual(await backend.readStrings("/Logger/log"), ["start", "a longer", "end"]);
        assert.deepEqual(await backend.children("/Logger"), [
          { name: "log", kind: "dataset" },
          { name: "values", kind: "dataset" },
        ]);
        assert.deepEqual(await backend.children("/"), [{ name: "Logger", kind: "group" }]);
        assert.equal(await backend.exists("/Logger/values"), true);
        assert.equal(await backend.exists("/Logger/nothing"), false);
        assert.equal(await backend.exists("/Nothing/at/all"), false);
        assert.deepEqual(await backend.datasetInfo("/Logger/log"), {
          shape: [3],
          maxShape: [null],
          dtype: "string",
          chunks: [16],
          filters: [],
        });
        assert.deepEqual(await backend.datasetInfo("/Logger/values"), {
          shape: [3],
          maxShape: [3],
          dtype: "int64",
          chunks: [3],
          filters: [1],
        });
        assert.deepEqual(await backend.read("/Logger/values", [1], [2]), BigInt64Array.from([-2n, 3n]));
        await rejectsWith(backend.read("/Logger/log"), "failed_precondition", /does not hold numbers/);
        await rejectsWith(
          backend.readStrings("/Logger/values"),
          "failed_precondition",
          /does not hold strings/,
        );
        await rejectsWith(
          backend.children("/Logger/log"),
          "failed_precondition",
          /is a dataset, not a group/,
        );
        await rejectsWith(backend.datasetInfo("/Logger"), "failed_precondition", /is a group, not a dataset/);
        await rejectsWith(backend.getAttributes("/Logger/none"), "not_found", /no node '\/Logger\/none'/);
        await backend.close();
        await rejectsWith(backend.flush(), "failed_precondition", /is closed/);
      });
    });

    it("refuses to create a file that exists, and to open one that does not", async () => {
      await inFolder(async (dir) => {
        const file = path.join(dir, "once.h5");
        await (await open(file, "create")).close();
        await rejectsWith(open(file, "create"), "file_unavailable", /exists already/);
        await rejectsWith(open(path.join(dir, "none.h5"), "read"), "file_unavailable", /does not exist/);
      });
    });

    for (const rowValues of [1024, 262_144]) {
      it(`reports a full disk as resource_exhausted, saying the disk is full (rows of ${rowValues * 8} bytes)`, async (t) => {
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
        const backend = await open(path.join(disk, "full.h5"), "create");
        // rows over HDF5's 1 MiB chunk cache go to the disk in the write itself, smaller ones at the flush
        await backend.createDataset("/d", {
          dtype: "float64",
          shape: [0, rowValues],
          maxShape: [null, rowValues],
          chunks: [1, rowValues],
          compression: { kind: "none" },
        });
        let error: unknown;
        try {
          for (let row = 0; row < 1000; row++) {
            await backend.resize("/d", [row + 1, rowValues]);
            await backend.writeSlice("/d", [row, 0], [1, rowValues], new Float64Array(rowValues).fill(row));
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
    }
  });
}

describe("choosing the backend (H5SAVER_BACKEND)", () => {
  const before = process.env.H5SAVER_BACKEND;
  afterEach(() => {
    if (before === undefined) delete process.env.H5SAVER_BACKEND;
    else process.env.H5SAVER_BACKEND = before;
  });
  const none = { kind: "none" } as const;
  const blosc = { kind: "blosc-lz4", level: 5 } as const;

  it("writes new files natively when the addon is built, except blosc and files opened to add to or read", () => {
    delete process.env.H5SAVER_BACKEND;
    const native = nativeHdf5.available ? "native" : "h5wasm";
    assert.equal(backendFor("create", none), native);
    assert.equal(backendFor("truncate", { kind: "gzip", level: 1 }), native);
    assert.equal(backendFor("create", blosc), "h5wasm");
    assert.equal(backendFor("append", none), "h5wasm");
    assert.equal(backendFor("read", none), "h5wasm");
    process.env.H5SAVER_BACKEND = "h5wasm";
    assert.equal(backendFor("create", none), "h5wasm");
  });

  it("refuses an unknown value, and native where it cannot be, saying what to do", {
    skip: BACKENDS[1]?.skip,
  }, () => {
    process.env.H5SAVER_BACKEND = "wasm";
    assert.throws(
      () => backendFor("create", none),
      (error: unknown) => error instanceof SaverError && /use native, h5wasm or auto/.test(error.message),
    );
    process.env.H5SAVER_BACKEND = "native";
    assert.equal(backendFor("append", none), "native");
    assert.throws(
      () => backendFor("create", blosc),
      (error: unknown) => error instanceof SaverError && /cannot write blosc-lz4/.test(error.message),
    );
  });
});

describe("the same file from both backends", { skip: BACKENDS[1]?.skip }, () => {
  const writeCases = fileURLToPath(new URL("../../../test/interop/h5saver-write.ts", import.meta.url));
  const cases = fileURLToPath(new URL("../../../test/interop/cases.json", import.meta.url));

  /** h5dump -p of a file (types, storage, filters, values), without what differs by nature. */
  function dumpOf(file: string): string {
    return (
      execFileSync("h5dump", ["-p", file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 })
        .replace(file, "FILE")
        // the time of day the file was written
        .replace(/"data": "'\d\d:\d\d:\d\d\.\d+'"/g, '"data": "TIME"')
        // a deflated chunk's size: zlib's version (the system's, or WebAssembly's) may differ by a few bytes
        .replace(/SIZE \d+ \([\d.]+:1 COMPRESSION\)/g, "SIZE (COMPRESSED)")
    );
  }

  it("writes the interop cases (snapshot, continuous, scan, gzip) identically, as h5dump shows them", async () => {
    await inFolder(async (dir) => {
      for (const backend of ["h5wasm", "native"]) {
        execFileSync(process.execPath, ["--import", "tsx", writeCases, cases, path.join(dir, backend)], {
          env: { ...process.env, H5SAVER_BACKEND: backend === "native" ? "auto" : backend },
          stdio: "pipe",
        });
      }
      for (const name of ["snapshot.h5", "continuous.h5", "scan.h5", "continuous-gzip.h5"]) {
        const [wasm, native] = [
          dumpOf(path.join(dir, "h5wasm", name)),
          dumpOf(path.join(dir, "native", name)),
        ];
        assert.ok(wasm.includes("DATASET"), `${name} has datasets`);
        assert.equal(native, wasm, `${name}: the native backend's file is h5wasm's`);
      }
    });
  });
});
