import type { Compression, FileExtent } from "../backend/h5-backend.ts";
import type { ChunkPlaces } from "../durability/journal.ts";
import { SaverError } from "../errors.ts";
import type { DataToExport } from "../model/data-to-export.ts";
import { dtypeBytes, type NumericArray, product } from "../model/dtype.ts";
import { type FrameBlock, MAX_BLOCK_FRAMES, singleFrameBlock } from "../model/frame-block.ts";
import { addEnlargeableArrays } from "./dwa-nodes.ts";
import { checkFrameLayout, type FrameLayout, frameLayoutOf } from "./frame-shape.ts";
import { NAV_AXES } from "./node-names.ts";
import { py } from "./pymodaq-attribute.ts";
import type { PyMoDAQTree } from "./pymodaq-tree.ts";
import { RowBuffer } from "./row-buffer.ts";

/**
 * What a stream stopped by an error answers to the next frame. A full disk keeps its code: freeing
 * space is what the client can do about it (a new stream would fail the same way).
 */
export function stoppedStreamError(detector: string, frames: number, cause: SaverError): SaverError {
  if (cause.code === "resource_exhausted") {
    return new SaverError(
      "resource_exhausted",
      `${cause.message} (the continuous stream of ${detector} stopped at frame ${frames}; its saved frames are intact)`,
    );
  }
  return new SaverError(
    "failed_precondition",
    `the continuous stream of ${detector} stopped at frame ${frames} after an error (${cause.message}); its saved frames are intact — start a new stream`,
  );
}

/**
 * DAQ_Viewer's continuous saving (pymodaq_data `DataToExportTimedSaver`): every DataWithAxes of a
 * detector gets `EnlData00…` EARRAYs that grow by one row per frame, and the detector a
 * `NavAxes/Axis00` time axis holding each frame's timestamp.
 */
export class ContinuousStream {
  readonly detector: string;
  readonly #tree: PyMoDAQTree;
  readonly #compression: Compression;
  #layout: FrameLayout | undefined;
  #buffers: RowBuffer[][] = [];
  #time: RowBuffer | undefined;
  #frames = 0;
  #framesPerChunk = 0;
  #ended = false;
  #broken: SaverError | undefined;

  /** Tell where arrays written as whole chunks land in the file (a crash journal points there). */
  readonly #locateChunks: boolean;

  constructor(tree: PyMoDAQTree, detector: string, compression: Compression, locateChunks = false) {
    this.#tree = tree;
    this.detector = detector;
    this.#compression = compression;
    this.#locateChunks = locateChunks;
  }

  get frames(): number {
    return this.#frames;
  }

  /**
   * Frames per block that go straight into whole chunks of the arrays whose chunks are located
   * (for the crash journal to point at), but those of rows much smaller than the largest
   * (framesPerLocatedChunk): blocks of a multiple of it that start at a multiple. 0 before the
   * first frame and when no array's chunks are located.
   */
  get framesPerChunk(): number {
    return this.#framesPerChunk;
  }

  /** Frames whose every row is in the file (written; durable once the file is flushed). */
  get framesInFile(): number {
    let rows = this.#time?.fileRows ?? 0;
    for (const buffers of this.#buffers) for (const b of buffers) rows = Math.min(rows, b.fileRows);
    return rows;
  }

  append(dte: DataToExport): Promise<ChunkPlaces> {
    return this.appendBlock(singleFrameBlock(dte));
  }

  /**
   * Appends the frames of a block: one row per frame in every array, chunk by chunk. Resolves to
   * where the file holds the arrays that went in as whole chunks of 256 KiB or more, straight from
   * the caller (large frames, and blocks of whole chunks of smaller ones; when the backend can
   * tell): the crash journal points there instead of copying them.
   */
  async appendBlock(block: FrameBlock): Promise<ChunkPlaces> {
    const dte = block.first;
    if (this.#ended) {
      throw new SaverError(
        "failed_precondition",
        `the continuous stream of ${this.detector} has ended; start a new one`,
      );
    }
    if (this.#broken) throw stoppedStreamError(this.detector, this.#frames, this.#broken);
    if (!this.#layout) {
      try {
        await this.#createNodes(dte);
      } catch (error) {
        // half-made nodes stay in the file: never build them again on top
        this.#broken = SaverError.from(error, "io_error");
        throw error;
      }
    } else checkFrameLayout(this.#layout, dte, `continuous stream of ${this.detector}`);
    let places: ChunkPlaces;
    try {
      places = await this.#push(block);
    } catch (error) {
      // Some arrays may have these frames and others not: accept no more frames (and, without a
      // journal, cut every array back to the rows all of them have in the file).
      this.#broken = SaverError.from(error, "io_error");
      await this.#afterFailedWrite();
      throw this.#broken;
    }
    this.#frames += block.frames;
    return places;
  }

  async #push(block: FrameBlock): Promise<ChunkPlaces> {
    const frames = block.frames;
    const places = new Map<NumericArray, readonly FileExtent[]>();
    for (let d = 0; d < block.arrays.length; d++) {
      const arrays = block.arrays[d] as readonly NumericArray[];
      const buffers = this.#buffers[d] as RowBuffer[];
      for (let i = 0; i < arrays.length; i++) {
        const buffer = buffers[i] as RowBuffer;
        const array = arrays[i] as NumericArray;
        // one frame: push, which awaits only when a chunk is full
        const extents = frames === 1 ? await buffer.push(array) : await buffer.pushRows(array, frames);
        if (extents) places.set(array, extents);
      }
    }
    await this.#time?.pushRows(block.timestamps, frames);
    return places;
  }

  /**
   * Cuts every array back to the rows all of them have in the file, so that the file stays
   * consistent. Not when a crash journal may point at the file's chunks: a failed write leaves
   * the file damaged, to be rebuilt from the journal, which reads those chunks back from it —
   * cutting the datasets would free (or rewrite) chunks that acknowledged frames point at.
   */
  async #afterFailedWrite(): Promise<void> {
    if (!this.#locateChunks) await this.#trimToCommonRows().catch(() => undefined);
  }

  async #trimToCommonRows(): Promise<void> {
    let rows = this.#time?.heldRows ?? 0;
    for (const buffers of this.#buffers) for (const b of buffers) rows = Math.min(rows, b.heldRows);
    for (const buffers of this.#buffers) for (const b of buffers) await b.trimTo(rows);
    await this.#time?.trimTo(rows);
    this.#frames = rows;
  }

  /** Writes every pending row, so that after a file flush all appended frames are durable. */
  async writeOut(): Promise<void> {
    try {
      await this.#writeOut();
    } catch (error) {
      this.#broken = SaverError.from(error, "io_error");
      await this.#afterFailedWrite();
      throw this.#broken;
    }
  }

  async #writeOut(): Promise<void> {
    for (const buffers of this.#buffers) for (const b of buffers) await b.writeOut();
    if (this.#time) {
      await this.#time.writeOut();
      await this.#tree.setAttributes(this.#time.path, { size: py.int(this.#time.fileRows) });
    }
  }

  async end(): Promise<void> {
    await this.writeOut();
    this.#ended = true;
  }

  async #createNodes(dte: DataToExport): Promise<void> {
    const tree = this.#tree;
    const largestRow = Math.max(...dte.data.map(rowBytesOf));
    const companion = (rowBytes: number) => companionChunking(rowBytes, largestRow);
    for (const dwa of dte.data) {
      const dimGroup = await tree.addDataGroup(this.detector, dwa.dim);
      const channel = await tree.addChannelGroup(dimGroup, dwa.name, dwa.origin);
      const arrays = await addEnlargeableArrays(tree, channel, dwa, this.#compression, companion);
      const buffers = arrays.map(
        (a) => new RowBuffer(tree, a.path, a.dtype, dwa.shape, a.chunkRows, this.#locateChunks, a.rowChunks),
      );
      this.#buffers.push(buffers);
    }
    const navGroup = await tree.getSetGroup(this.detector, NAV_AXES);
    const { path, chunkRows } = await tree.addEArray(navGroup, 0, [], {
      kind: "axis",
      dtype: "float64",
      title: "time",
      compression: this.#compression,
      attributes: {
        data_dimension: py.str("Data1D"),
        size: py.int(0),
        label: py.str("time"),
        units: py.str("s"),
        index: py.int(0),
        offset: py.float64(0),
        scaling: py.float64(1),
        distribution: py.str("uniform"),
        spread_order: py.int(0),
      },
      chunkBytesAtMost: companion,
    });
    this.#time = new RowBuffer(tree, path, "float64", [], chunkRows);
    this.#layout = frameLayoutOf(dte);
    this.#framesPerChunk = framesPerLocatedChunk(this.#buffers.flat());
  }
}

/**
 * Rows to a message that fill whole located chunks of every array. Arrays of small companion rows
 * (companionChunking) do not count: their 64 KiB chunks are too small to be located, and rows of
 * 256 KiB or more are a chunk each (one row, which any count fills).
 */
function framesPerLocatedChunk(buffers: readonly RowBuffer[]): number {
  return commonMultiple(buffers.map((b) => b.locatedChunkRows));
}

const RELEVANT_ROW_RATIO = 16;

/**
 * The chunk size of an array whose rows are over RELEVANT_ROW_RATIO times smaller than the
 * frame's largest (the time axis, a counter beside a spectrum or an image): 64 KiB instead of
 * 1 MiB. HDF5 writes a chunk whole, so every flush rewrites the last, partly filled chunk of each
 * array: 512 KiB of timestamps per flush — with a flush per frame, half as much again as a 1 MiB
 * image — where 64 KiB do. Such rows are copied into the crash journal anyway, and 64 KiB keeps
 * them compressible by blosc.
 */
function companionChunking(rowBytes: number, largestRow: number): number | undefined {
  return rowBytes * RELEVANT_ROW_RATIO < largestRow ? COMPANION_CHUNK_BYTES : undefined;
}

const COMPANION_CHUNK_BYTES = 64 << 10;

function rowBytesOf(dwa: DataToExport["data"][number]): number {
  return product(dwa.shape) * dtypeBytes(dwa.dtype);
}

/** The least common multiple of the non-zero counts; 0 if none, or beyond the largest block. */
function commonMultiple(counts: readonly number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let lcm = 0;
  for (const n of counts) {
    if (n === 0) continue;
    lcm = lcm === 0 ? n : (lcm / gcd(lcm, n)) * n;
    if (lcm > MAX_BLOCK_FRAMES) return 0;
  }
  return lcm;
}
