/**
 * What only the h5wasm backend does: whole chunks written from the caller's array through marked
 * stand-ins, and blosc. What both backends do is tested in h5-backends.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import type { NumericArray } from "../model/dtype.ts";
import type { Compression, H5Backend } from "./h5-backend.ts";
import { openH5wasmFile, unmarkedStandInsForTests } from "./h5wasm-backend.ts";

describe("writeChunkRows()", () => {
  const side = 512;
  const rowValues = side * side;
  const rowsOf = (first: number, count: number) =>
    Uint16Array.from({ length: count * rowValues }, (_, i) => (first * 7 + i * 13) % 65_536);

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
