/**
 * What only the h5wasm backend does: whole chunks written from the caller's array through marked
 * stand-ins, and blosc. What both backends do is tested in h5-backends.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROW_SIDE, ROW_VALUES, readBack, rowsOf, withRowsFile } from "../testing/rows-file.ts";
import type { Compression, H5Backend } from "./h5-backend.ts";
import { openH5wasmFile, unmarkedStandInsForTests } from "./h5wasm-backend.ts";

describe("writeChunkRows()", () => {
  const withRows = (
    name: string,
    rows: number,
    use: (backend: H5Backend, file: string) => Promise<void>,
    compression?: Compression,
  ) => withRowsFile(openH5wasmFile, name, rows, use, compression);
  const readRows = (file: string) => readBack(openH5wasmFile, file, "/rows");

  it("writes whole chunks it is not asked to locate from the caller's array too (HDF5 gets a marked stand-in), and they read back whole", async () => {
    await withRows("unlocated.h5", 5, async (backend, file) => {
      const rows = rowsOf(0, 5);
      const firstTwo = rows.subarray(0, 2 * ROW_VALUES);
      assert.equal(
        await backend.writeChunkRows("/rows", [0, 0, 0], [2, ROW_SIDE, ROW_SIDE], firstTwo, 1, 1, false),
        undefined,
      );
      const lastThree = rows.subarray(2 * ROW_VALUES);
      const located = await backend.writeChunkRows(
        "/rows",
        [2, 0, 0],
        [3, ROW_SIDE, ROW_SIDE],
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
        assert.equal(
          await backend.writeChunkRows("/rows", [0, 0, 0], [2, ROW_SIDE, ROW_SIDE], rows),
          undefined,
        );
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
        assert.equal(
          await backend.writeChunkRows("/rows", [0, 0, 0], [2, ROW_SIDE, ROW_SIDE], rows),
          undefined,
        );
        await backend.close();
        assert.deepEqual(await readRows(file), rows);
      },
      { kind: "blosc-lz4", level: 5 },
    );
  });
});
