import { allocate, type DType, type NumericArray } from "../model/dtype.ts";
import type { PyMoDAQTree } from "./pymodaq-tree.ts";

/**
 * The rows of one EARRAY that are not in the file yet. h5wasm pays a fixed cost per call and, with
 * compression, re-compresses a partly filled chunk on every write, so rows are gathered up to the
 * next chunk boundary and written in one call; `writeOut` writes whatever is pending.
 */
export class RowBuffer {
  readonly path: string;
  readonly rowShape: readonly number[];
  readonly #tree: PyMoDAQTree;
  readonly #chunkRows: number;
  readonly #rowLength: number;
  readonly #data: NumericArray;
  #pending = 0;
  #fileRows = 0;

  constructor(tree: PyMoDAQTree, path: string, dtype: DType, rowShape: readonly number[], chunkRows: number) {
    this.#tree = tree;
    this.path = path;
    this.rowShape = rowShape;
    this.#chunkRows = chunkRows;
    this.#rowLength = rowShape.reduce((a, b) => a * b, 1);
    this.#data = allocate(dtype, chunkRows * this.#rowLength);
  }

  /** Rows in the file (written, not necessarily flushed). */
  get fileRows(): number {
    return this.#fileRows;
  }

  get pendingRows(): number {
    return this.#pending;
  }

  /** Queues one row; writes the buffer when it reaches the next chunk boundary of the dataset. */
  async push(row: NumericArray): Promise<void> {
    (this.#data as { set(values: ArrayLike<number | bigint>, offset: number): void }).set(
      row as ArrayLike<number | bigint>,
      this.#pending * this.#rowLength,
    );
    this.#pending++;
    if ((this.#fileRows + this.#pending) % this.#chunkRows === 0) await this.writeOut();
  }

  async writeOut(): Promise<void> {
    if (this.#pending === 0) return;
    const rows = this.#pending;
    const start = this.#fileRows;
    const backend = this.#tree.backend;
    await backend.resize(this.path, [start + rows, ...this.rowShape]);
    await backend.writeSlice(
      this.path,
      [start, ...this.rowShape.map(() => 0)],
      [rows, ...this.rowShape],
      this.#data.subarray(0, rows * this.#rowLength),
    );
    this.#fileRows = start + rows;
    this.#pending = 0;
    await this.#tree.setShapeAttribute(this.path, [this.#fileRows, ...this.rowShape]);
  }
}
