/**
 * Reads a slice of a numeric dataset as a sequence of row chunks (whole rows along the slice's
 * first dimension, each at most `maxChunkBytes` unless one row is larger), so that a large
 * dataset streams in bounded memory. ReadDataset sends one message per chunk.
 */
import type { H5Backend } from "../backend/h5-backend.ts";
import { SaverError } from "../errors.ts";
import { allocate, type DType, dtypeBytes, type NumericArray, product } from "../model/dtype.ts";
import { isGroup } from "./read-only-file.ts";
import { selectionOf } from "./selection.ts";

export const DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024;

export interface RowChunk {
  /** Index of the chunk's first row within the selection. */
  readonly firstRow: number;
  readonly rowCount: number;
  /** rowCount × (product of the selection's other dimensions) values, row-major. */
  readonly values: NumericArray;
}

export interface DatasetRows {
  readonly dtype: DType;
  /** The shape of the whole selection. */
  readonly selectionShape: number[];
  readonly chunks: AsyncIterable<RowChunk>;
}

export interface RowsRequest {
  readonly node: string;
  readonly start?: readonly number[];
  readonly count?: readonly number[];
  readonly maxChunkBytes?: number;
}

/** Checks the node and the slice now (errors before any data), then reads chunk by chunk. */
export async function datasetRows(backend: H5Backend, request: RowsRequest): Promise<DatasetRows> {
  const node = request.node.startsWith("/") ? request.node : `/${request.node}`;
  if (!(await backend.exists(node)))
    throw new SaverError("not_found", `no node '${node}' in the file`, { node });
  if (await isGroup(backend, node)) {
    throw new SaverError(
      "failed_precondition",
      `'${node}' is a group, not a dataset: read one of its arrays`,
      {
        node,
      },
    );
  }
  const info = await backend.datasetInfo(node);
  if (info.dtype === "string" || info.dtype === "other") {
    throw new SaverError(
      "failed_precondition",
      `'${node}' holds ${info.dtype === "string" ? "text" : "a type h5saver does not map"}; only numeric datasets are read as arrays`,
      { node },
    );
  }
  const dtype = info.dtype;
  const selection = selectionOf(node, info.shape, request.start, request.count);
  const shape = selection.count;
  const maxChunkBytes = request.maxChunkBytes || DEFAULT_MAX_CHUNK_BYTES;

  async function* chunks(): AsyncGenerator<RowChunk> {
    if (shape.length === 0) {
      yield { firstRow: 0, rowCount: 1, values: await backend.read(node) };
      return;
    }
    const rows = shape[0] ?? 0;
    const rowValues = product(shape.slice(1));
    if (rows === 0 || rowValues === 0) {
      yield { firstRow: 0, rowCount: rows, values: allocate(dtype, 0) };
      return;
    }
    const rowsPerChunk = Math.max(1, Math.floor(maxChunkBytes / (rowValues * dtypeBytes(dtype))));
    for (let first = 0; first < rows; first += rowsPerChunk) {
      const rowCount = Math.min(rowsPerChunk, rows - first);
      const start = [...selection.start];
      start[0] = (start[0] ?? 0) + first;
      const values = await backend.read(node, start, [rowCount, ...shape.slice(1)]);
      yield { firstRow: first, rowCount, values };
    }
  }
  return { dtype, selectionShape: shape, chunks: chunks() };
}
