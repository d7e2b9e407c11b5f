import type { FileExtent } from "../backend/h5-backend.ts";
import { allocate, type DType, dtypeBytes, type NumericArray } from "../model/dtype.ts";
import { type PyMoDAQTree, WHOLE_ROW_CHUNK_BYTES } from "./pymodaq-tree.ts";

/** How far ahead (in chunks) a dataset may grow between two writeOuts. */
const MAX_AHEAD_CHUNKS = 64;

/**
 * The rows of one EARRAY that are not in the file yet. h5wasm pays a fixed cost per call and, with
 * compression, re-compresses a partly filled chunk on every write, so rows are gathered up to the
 * next chunk boundary and written in one call. PyMoDAQ's `shape` attribute is brought up to date
 * by `writeOut`, which the file calls before every flush: between flushes no reader can open the
 * file consistently anyway, so rewriting the attribute per chunk would only cost time.
 */
export class RowBuffer {
  readonly path: string;
  readonly rowShape: readonly number[];
  readonly #tree: PyMoDAQTree;
  readonly #chunkRows: number;
  readonly #rowLength: number;
  readonly #dtype: DType;
  /** The chunk being gathered; made at the first row that waits (a row that is a chunk never does). */
  #buffer: NumericArray | undefined;
  #pending = 0;
  #fileRows = 0;
  #shapeRows = 0;
  /** Rows the dataset has in the file: its written rows, and between writeOuts possibly more (room ahead). */
  #extent = 0;
  #rowsSinceWriteOut = 0;

  /**
   * Find out where whole chunks written straight from the caller's rows land in the file (for the
   * crash journal). Only chunks of WHOLE_ROW_CHUNK_BYTES or more: the backend tells a chunk's write
   * from HDF5's metadata writes by its size.
   */
  readonly #locate: boolean;
  /** Chunks one row is cut into (pymodaq-tree.ts's chunksPerRow; then a chunk holds one row at most). */
  readonly #rowChunks: number;

  constructor(
    tree: PyMoDAQTree,
    path: string,
    dtype: DType,
    rowShape: readonly number[],
    chunkRows: number,
    locate = false,
    rowChunks = 1,
  ) {
    this.#tree = tree;
    this.path = path;
    this.rowShape = rowShape;
    this.#chunkRows = chunkRows;
    this.#rowChunks = rowChunks;
    this.#rowLength = rowShape.reduce((a, b) => a * b, 1);
    this.#dtype = dtype;
    const chunkBytes = (chunkRows * this.#rowLength * dtypeBytes(dtype)) / rowChunks;
    this.#locate = locate && chunkBytes >= WHOLE_ROW_CHUNK_BYTES;
  }

  /** Rows per chunk when whole chunks written straight from the caller are located (else 0). */
  get locatedChunkRows(): number {
    return this.#locate ? this.#chunkRows : 0;
  }

  /** Rows in the file (written, not necessarily flushed). */
  get fileRows(): number {
    return this.#fileRows;
  }

  /**
   * Queues one row. Returns a promise only when the row completes a chunk and is being written.
   * A row that fills a whole chunk by itself is written straight from the caller's array, and the
   * promise tells where its bytes lie in the file (with `locate`, when the backend can tell).
   */
  push(row: NumericArray): Promise<readonly FileExtent[] | undefined> | undefined {
    if (this.#pending === 0 && this.#chunkRows === 1) return this.#write(row, 1, this.#locate);
    (this.#data as { set(values: ArrayLike<number | bigint>, offset: number): void }).set(
      row as ArrayLike<number | bigint>,
      this.#pending * this.#rowLength,
    );
    this.#pending++;
    if ((this.#fileRows + this.#pending) % this.#chunkRows === 0) return this.#writePending();
    return undefined;
  }

  /**
   * Queues `count` rows held one after the other in `rows`: copied up to each chunk boundary and
   * written a chunk at a time; whole chunks that start on a boundary go straight from `rows`.
   * Resolves to where the rows' chunks lie in the file when all of them went straight, as whole
   * chunks (with `locate`, and when the backend can tell).
   */
  async pushRows(rows: NumericArray, count: number): Promise<readonly FileExtent[] | undefined> {
    const rowLength = this.#rowLength;
    let done = 0;
    let extents: readonly FileExtent[] | undefined;
    while (done < count) {
      const room = this.#chunkRows - ((this.#fileRows + this.#pending) % this.#chunkRows);
      if (this.#pending === 0 && room === this.#chunkRows && count - done >= this.#chunkRows) {
        const whole = Math.floor((count - done) / this.#chunkRows) * this.#chunkRows;
        // the journal can point only at all the rows of a call: locate only then
        const all = done === 0 && whole === count;
        const wrote = await this.#write(
          rows.subarray(done * rowLength, (done + whole) * rowLength) as NumericArray,
          whole,
          all && this.#locate,
        );
        if (all) extents = wrote;
        done += whole;
        continue;
      }
      const take = Math.min(room, count - done);
      (this.#data as { set(values: ArrayLike<number | bigint>, offset: number): void }).set(
        rows.subarray(done * rowLength, (done + take) * rowLength) as ArrayLike<number | bigint>,
        this.#pending * rowLength,
      );
      this.#pending += take;
      done += take;
      if ((this.#fileRows + this.#pending) % this.#chunkRows === 0) await this.#writePending();
    }
    return extents;
  }

  /** Writes every pending row and the `shape` attribute, so a flush makes them all readable. */
  async writeOut(): Promise<void> {
    await this.#writePending();
    this.#rowsSinceWriteOut = 0;
    if (this.#extent !== this.#fileRows) {
      await this.#tree.backend.resize(this.path, [this.#fileRows, ...this.rowShape]);
      this.#extent = this.#fileRows;
    }
    if (this.#shapeRows !== this.#fileRows) {
      await this.#tree.setShapeAttribute(this.path, [this.#fileRows, ...this.rowShape]);
      this.#shapeRows = this.#fileRows;
    }
  }

  /** Rows this buffer holds: in the file or waiting to be written. */
  get heldRows(): number {
    return this.#fileRows + this.#pending;
  }

  /**
   * Keeps only the first `rows` rows, in the file or pending (after a failed write, so that every
   * array of a stream keeps the same number of intact rows).
   */
  async trimTo(rows: number): Promise<void> {
    if (this.#fileRows >= rows) {
      this.#pending = 0;
      this.#fileRows = rows;
    } else {
      this.#pending = Math.min(this.#pending, rows - this.#fileRows);
    }
    // always: a failed write may have grown the dataset before HDF5 refused the data
    await this.#tree.backend.resize(this.path, [this.#fileRows, ...this.rowShape]);
    this.#extent = this.#fileRows;
    this.#shapeRows = -1;
  }

  get #data(): NumericArray {
    this.#buffer ??= allocate(this.#dtype, this.#chunkRows * this.#rowLength);
    return this.#buffer;
  }

  async #writePending(): Promise<readonly FileExtent[] | undefined> {
    if (this.#pending === 0) return undefined;
    const rows = this.#pending;
    this.#pending = 0;
    return this.#write(this.#data.subarray(0, rows * this.#rowLength), rows, false);
  }

  /** Writes rows at the end of the dataset; with `locate` (whole chunks), tells where their chunks lie in the file. */
  async #write(
    data: NumericArray,
    rows: number,
    locate: boolean,
  ): Promise<readonly FileExtent[] | undefined> {
    const start = this.#fileRows;
    const backend = this.#tree.backend;
    if (start + rows > this.#extent) {
      // Growing the dataset costs an HDF5 call and an object-header update: grow it ahead by as
      // many rows as were written since the last writeOut (up to MAX_AHEAD_CHUNKS chunks), which
      // cuts it back to the rows written. Rows ahead are never allocated, and no reader sees
      // them: readers see the file as of a flush, and a flush writes out first.
      const ahead = Math.min(this.#rowsSinceWriteOut, MAX_AHEAD_CHUNKS * this.#chunkRows);
      this.#extent = start + rows + ahead;
      await backend.resize(this.path, [this.#extent, ...this.rowShape]);
    }
    const at = [start, ...this.rowShape.map(() => 0)];
    const count = [rows, ...this.rowShape];
    let extents: readonly FileExtent[] | undefined;
    if (start % this.#chunkRows === 0 && rows % this.#chunkRows === 0) {
      // whole chunks, located or not: the backend writes them best (h5wasm: from the array itself).
      // A located chunk must never be written again (nor cut by a resize): the crash journal
      // reads it back from where it was, and HDF5 moves a deflated chunk that is rewritten.
      // Writes only ever go past the rows in the file, and resizes cut only rows beyond them.
      const chunks = this.#chunkRows;
      extents = await backend.writeChunkRows(this.path, at, count, data, chunks, this.#rowChunks, locate);
    } else {
      // rows up to a chunk boundary complete that chunk: it is not written again
      await backend.writeSlice(this.path, at, count, data, (start + rows) % this.#chunkRows === 0);
    }
    this.#fileRows = start + rows;
    this.#rowsSinceWriteOut += rows;
    return extents;
  }
}
