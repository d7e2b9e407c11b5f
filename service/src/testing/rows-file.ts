import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Compression, H5Backend } from "../backend/h5-backend.ts";
import type { OpenMode } from "../backend/hdf5-failures.ts";
import type { NumericArray } from "../model/dtype.ts";

/** The side of the rows of withRowsFile: 512 × 512 uint16, 512 KiB a chunk. */
export const ROW_SIDE = 512;
export const ROW_VALUES = ROW_SIDE * ROW_SIDE;

/** `count` distinct rows of ROW_SIDE × ROW_SIDE uint16 values, the first being row `first`. */
export function rowsOf(first: number, count: number): Uint16Array {
  return Uint16Array.from({ length: count * ROW_VALUES }, (_, i) => (first * 7 + i * 13) % 65_536);
}

export type OpenBackend = (file: string, mode: OpenMode) => Promise<H5Backend>;

/**
 * A new file (in a temporary folder, removed after) with `/rows`: `rows` uint16 rows of
 * ROW_SIDE × ROW_SIDE, a chunk each, for `use` (which closes it).
 */
export async function withRowsFile(
  open: OpenBackend,
  fileName: string,
  rows: number,
  use: (backend: H5Backend, file: string) => Promise<void>,
  compression: Compression = { kind: "none" },
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "h5saver-rows-"));
  try {
    const file = path.join(dir, fileName);
    const backend = await open(file, "create");
    await backend.createDataset("/rows", {
      dtype: "uint16",
      shape: [rows, ROW_SIDE, ROW_SIDE],
      maxShape: [null, ROW_SIDE, ROW_SIDE],
      chunks: [1, ROW_SIDE, ROW_SIDE],
      compression,
    });
    await use(backend, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A dataset of a closed file, read whole. */
export async function readBack(open: OpenBackend, file: string, node: string): Promise<NumericArray> {
  const reading = await open(file, "read");
  try {
    return await reading.read(node);
  } finally {
    await reading.close();
  }
}
