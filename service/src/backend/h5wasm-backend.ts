import { randomBytes } from "node:crypto";
import { resolve as absolute } from "node:path";
import type { Dataset, Group, File as H5File } from "h5wasm/node";
import { crc32 } from "../durability/crc32.ts";
import { SaverError } from "../errors.ts";
import { noteFileWrite, releaseFileWrites } from "../files/page-cache.ts";
import {
  allocate,
  type DType,
  dtypeBytes,
  dtypeOfArray,
  isNumericArray,
  type NumericArray,
  product,
} from "../model/dtype.ts";
import type {
  AttributeValue,
  Compression,
  DatasetInfo,
  DatasetSpec,
  FileExtent,
  H5Backend,
  NodeEntry,
  StoredAttribute,
} from "./h5-backend.ts";
import { checkRank, hdf5Failure, type OpenMode, unavailable, wholeChunks } from "./hdf5-failures.ts";
import { DEFLATE_FILTER_ID, dtypeOfH5Type, H5T_FLOAT, H5T_INTEGER } from "./hdf5-types.ts";
import { adler32, isZlibStreamOf } from "./zlib-stream.ts";

/** HDF5's filter id for Blosc (registered by PyTables); its cd_values follow PyTables' layout. */
const BLOSC_FILTER_ID = 32001;
const BLOSC_LZ4_CODE = 1;
const BLOSC_BYTE_SHUFFLE = 1;

/**
 * The file format bounds. The lowest ("earliest") keeps groups as PyTables writes them: symbol
 * tables, whose links iterate in name order — with v1.8+ link storage PyTables lists a group's
 * children in hash order, and PyMoDAQ's loader then assembles channels out of order. It also
 * means compact attribute storage, so all attributes of a node must stay under 64 KiB (the layout
 * spills large settings to a dataset). v1.10 is the highest that HDF5 1.10 readers still open.
 */
const LIBVER: ["earliest", "v110"] = ["earliest", "v110"];

const STORAGE_DTYPE: Record<DType, string> = {
  int8: "<b",
  uint8: "<B",
  int16: "<h",
  uint16: "<H",
  int32: "<i",
  uint32: "<I",
  int64: "<q",
  uint64: "<Q",
  float32: "<f",
  float64: "<d",
  // h5wasm cannot create HDF5 enums (h5py's bool) or bitfields (PyTables'); one byte 0/1 it is.
  bool: "<B",
};

type H5wasm = typeof import("h5wasm/node").default;

/** What writeStandIn uses of the Emscripten module under h5wasm: its heap, and the write under write_slice. */
interface H5wasmModule {
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  set_dataset_data(
    fileId: bigint,
    path: string,
    count: bigint[],
    offset: bigint[],
    strides: bigint[],
    pointer: bigint,
  ): number;
}

/** The h5wasm module of this thread, once loadH5wasm has resolved (every use of it comes after). */
let h5wasm: H5wasm;
let h5module: H5wasmModule;
let moduleReady: Promise<void> | undefined;

/**
 * Loads the wasm module once per thread, with throwing errors and the compression plugins. Loaded
 * when first needed, not on import: a thread that never opens a file (the server's main thread,
 * whose files live in writer threads) does not carry the ~40 MB it costs.
 */
export function loadH5wasm(): Promise<void> {
  moduleReady ??= (async () => {
    const [{ default: loaded }, { install_local_plugins }] = await Promise.all([
      import("h5wasm/node"),
      import("h5wasm-plugins"),
    ]);
    const module = await loaded.ready;
    module.activate_throwing_error_handler();
    install_local_plugins(module);
    watchWrites((module as unknown as { FS?: EmscriptenFs }).FS);
    h5module = module as unknown as H5wasmModule;
    h5wasm = loaded;
  })();
  return moduleReady;
}

/** What this file uses of Emscripten's FS (h5wasm runs HDF5 on NODERAWFS: every write is a pwrite). */
interface EmscriptenFs {
  write(
    /** `nfd`: the file's descriptor, on NODERAWFS. */
    stream: { readonly path?: string; readonly nfd?: number },
    buffer: Uint8Array,
    offset: number,
    length: number,
    position?: number,
    canOwn?: boolean,
  ): number;
}

/** The chunks of one writeChunkRows call, while it runs: where HDF5 puts each of them. */
interface ChunkCapture {
  readonly file: string;
  readonly source: Buffer;
  readonly chunkBytes: number;
  /** Chunks of the call written so far. */
  written: number;
  /** Where they lie, when the call locates them (else nothing is watched but the stand-in's writes). */
  readonly extents?: FileExtent[];
  /** A write into the file held chunk-sized data that is not the next chunks: their places are unknown. */
  lost: boolean;
  /**
   * HDF5 was given a stand-in for the source (writeStandIn): the marks its chunks carry. Writes
   * of those chunks are made from the source instead.
   */
  readonly standIn?: StandInMarks;
  /** The dataset deflates its chunks: the Adler-32 of each chunk of the source, which ends its zlib stream. */
  readonly deflated?: readonly number[];
}

/** How a dataset's chunks are stored: as they are, as zlib streams (deflate alone), or otherwise. */
type ChunkStorage = "as-is" | "deflate" | "other";

function chunkAdlers(data: NumericArray, chunks: number, chunkBytes: number): number[] {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: chunks }, (_, k) =>
    adler32(bytes.subarray(k * chunkBytes, (k + 1) * chunkBytes)),
  );
}

let capture: ChunkCapture | undefined;

/**
 * While HDF5 writes chunks that are complete and never written again (writeChunkRows, and a
 * writeSlice that completes its chunks): the size of such a chunk as stored (1 when a filter
 * makes each one's size its own), else 0. Only their writes — whole multiples of that size, which
 * HDF5's metadata writes are not — have their pages handed back to the kernel once synced. A
 * chunk that writeSlice fills in part (the time axis and other small rows of frames flushed one
 * by one) is read back by HDF5 at the next write: dropping its pages made each such write read it
 * from the disk (~0.9 ms per 1 MiB frame flushed one by one, in the writer thread).
 */
let completeChunkBytes = 0;

function writeCompleteChunks<T>(chunkBytes: number, write: () => T): T {
  completeChunkBytes = chunkBytes;
  try {
    return write();
  } finally {
    completeChunkBytes = 0;
  }
}

/**
 * Watches HDF5's writes to find where the chunks of writeChunkRows land. HDF5 writes a whole,
 * unfiltered chunk that it has not allocated yet during the call, in one pwrite per chunk or per
 * run of chunks (in row order; from a buffer of its own, not from the caller's); a write whose
 * bytes are the next chunks of the caller's array is where they are. A deflated chunk goes out
 * in a pwrite of its own too, as a zlib stream that ends with the Adler-32 of the chunk's bytes.
 * Without Emscripten's FS (another h5wasm build) nothing is watched and no place is known.
 */
function watchWrites(fs: EmscriptenFs | undefined): void {
  if (typeof fs?.write !== "function") return;
  const write = fs.write;
  fs.write = function (stream, buffer, offset, length, position, canOwn) {
    const written = watchedWrite.call(this, stream, buffer, offset, length, position, canOwn);
    // complete chunks are noted to hand their pages back to the kernel once synced (files/page-cache.ts)
    if (
      completeChunkBytes > 0 &&
      written % completeChunkBytes === 0 &&
      stream.nfd !== undefined &&
      stream.path !== undefined
    ) {
      noteFileWrite(stream.path, stream.nfd, position, written);
    }
    return written;
  };
  const watchedWrite: EmscriptenFs["write"] = function (
    this: unknown,
    stream,
    buffer,
    offset,
    length,
    position,
    canOwn,
  ) {
    const watching = capture;
    if (watching?.standIn && stream.path === watching.file && position !== undefined) {
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
      const source = standInSource(watching, bytes);
      if (source) {
        // the stand-in's chunks, written from the source: the frame's bytes, never the marks
        let done = 0;
        while (done < length) {
          const wrote = write.call(this, stream, source, done, length - done, position + done, false);
          if (wrote <= 0) break;
          done += wrote;
        }
        if (done < length) {
          // HDF5 writes the rest from the stand-in: not recognised, so the call writes the frame again
          watching.lost = true;
          return done;
        }
        noteChunks(watching, source, position);
        return length;
      }
    }
    const written = write.call(this, stream, buffer, offset, length, position, canOwn);
    if (watching?.extents && !watching.standIn && stream.path === watching.file) {
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, written);
      if (watching.deflated) noteDeflatedWrite(watching, watching.deflated, bytes, position);
      else noteWrite(watching, bytes, position);
    }
    return written;
  };
}

function noteWrite(watching: ChunkCapture, bytes: Uint8Array, position: number | undefined): void {
  const { chunkBytes, source } = watching;
  // metadata (object headers, the chunk index) is never a multiple of a chunk of 256 KiB or more
  if (bytes.length === 0 || bytes.length % chunkBytes !== 0) return;
  const from = watching.written * chunkBytes;
  const expected = source.subarray(from, from + bytes.length);
  if (position === undefined || !expected.equals(bytes)) {
    watching.lost = true;
    return;
  }
  noteChunks(watching, bytes, position);
}

/**
 * A write of a deflating dataset: the next chunk's zlib stream when its header says zlib and its
 * end is that chunk's Adler-32 (HDF5 writes each chunk in one pwrite); anything else (metadata)
 * is passed over. A chunk never recognised leaves the call with fewer chunks than it wrote: it
 * locates nothing.
 */
function noteDeflatedWrite(
  watching: ChunkCapture,
  adlers: readonly number[],
  bytes: Uint8Array,
  position: number | undefined,
): void {
  const next = adlers[watching.written];
  if (position === undefined || next === undefined || !isZlibStreamOf(bytes, next)) return;
  watching.written += 1;
  watching.extents?.push({
    offset: position,
    length: bytes.length,
    crc32: crc32(bytes),
    encoding: "deflate",
  });
}

/** Counts the chunks of `bytes` (the next ones of the call); records where they lie, with their CRC-32. */
function noteChunks(watching: ChunkCapture, bytes: Uint8Array, position: number): void {
  const { chunkBytes, extents } = watching;
  watching.written += bytes.length / chunkBytes;
  if (!extents) return;
  for (let k = 0; k < bytes.length / chunkBytes; k++) {
    const chunk = bytes.subarray(k * chunkBytes, (k + 1) * chunkBytes);
    // now, during the call: the caller's array may change once it has returned
    extents.push({ offset: position + k * chunkBytes, length: chunkBytes, crc32: crc32(chunk) });
  }
}

/**
 * Chunk stand-ins. h5wasm's write_slice copies the caller's array into the WebAssembly heap, HDF5
 * copies it again into a chunk buffer of its own, and writes that; finding where the chunk went
 * then took a comparison of the written bytes with the array. Instead, HDF5 is handed a stand-in
 * of the right size whose chunks carry marks (a random tag, the call's serial and the chunk's
 * index, at each chunk's start and end): a write of whole chunks that carry the next marks is one
 * of the call's, and is made from the caller's array. Nothing is copied into the heap, and
 * nothing compared. A chunk HDF5 wrote otherwise (not found by its marks) would hold the
 * stand-in's bytes: the call then writes the array again the usual way and locates nothing.
 * `H5SAVER_CHUNK_STAND_INS=off` turns them off (the comparison above then locates chunks).
 */
interface StandInMarks {
  readonly serial: number;
}

const MARK_BYTES = 16;
const STAND_IN_TAG = randomBytes(8);
let standInSerial = 0;
const standInsOn = process.env.H5SAVER_CHUNK_STAND_INS !== "off";

/** For tests: stand-ins without marks, as if HDF5 had written their chunks in a way not recognised. */
export const unmarkedStandInsForTests = { on: false };

function markOf(serial: number, chunk: number): Buffer {
  const mark = Buffer.allocUnsafe(MARK_BYTES);
  STAND_IN_TAG.copy(mark, 0);
  mark.writeUInt32LE(serial >>> 0, 8);
  mark.writeUInt32LE(chunk >>> 0, 12);
  return mark;
}

/** The source bytes for a write of the stand-in's next chunks, or undefined for any other write. */
function standInSource(watching: ChunkCapture, bytes: Uint8Array): Buffer | undefined {
  const { chunkBytes, source, standIn } = watching;
  if (!standIn || bytes.length === 0 || bytes.length % chunkBytes !== 0) return undefined;
  const first = watching.written;
  const chunks = bytes.length / chunkBytes;
  if ((first + chunks) * chunkBytes > source.length) return undefined;
  for (let k = 0; k < chunks; k++) {
    const mark = markOf(standIn.serial, first + k);
    const start = k * chunkBytes;
    const end = start + chunkBytes;
    if (
      !mark.equals(bytes.subarray(start, start + MARK_BYTES)) ||
      !mark.equals(bytes.subarray(end - MARK_BYTES, end))
    ) {
      return undefined;
    }
  }
  return source.subarray(first * chunkBytes, (first + chunks) * chunkBytes);
}

/** Whether HDF5 stores `data` as it is in memory: the dataset's class, size and sign are the array's (little-endian). */
function storesAsIs(data: NumericArray, metadata: Dataset["metadata"]): boolean {
  if (!isNumericArray(data)) return false;
  const dtype = dtypeOfArray(data);
  const float = dtype.startsWith("float");
  return (
    metadata.littleEndian === true &&
    metadata.type === (float ? H5T_FLOAT : H5T_INTEGER) &&
    metadata.size === dtypeBytes(dtype) &&
    (float || metadata.signed === dtype.startsWith("int"))
  );
}

/**
 * Whether a stand-in may replace `data` in a write of `count` rows from `start` cut into chunks of
 * `rowsPerChunk` rows (`chunksPerRow` to a row): the dataset's rank, chunk shape and storage type
 * must be what the call says, and `data` exactly the selection — the stand-in skips h5wasm's own
 * checks, and HDF5 would read past a stand-in too small.
 */
function standInFits(
  data: NumericArray,
  metadata: Dataset["metadata"],
  start: readonly number[],
  count: readonly number[],
  rowsPerChunk: number,
  chunksPerRow: number,
): boolean {
  const chunks = metadata.chunks;
  const rank = metadata.shape?.length;
  if (!chunks || rank === undefined || start.length !== rank || count.length !== rank) return false;
  if (data.length !== product(count)) return false;
  const expected = [rowsPerChunk, ...count.slice(1)];
  if (rank > 1) expected[1] = (count[1] ?? 1) / chunksPerRow;
  return (
    chunks.length === rank && chunks.every((size, i) => size === expected[i]) && storesAsIs(data, metadata)
  );
}

/** HDF5 writes a stand-in of `chunks` marked chunks into `ranges` of the dataset (see StandInMarks). */
function writeStandIn(
  dataset: Dataset,
  ranges: readonly (readonly [number, number])[],
  chunks: number,
  chunkBytes: number,
  marks: StandInMarks,
): void {
  const pointer = standInMemory(chunks * chunkBytes);
  const heap = h5module.HEAPU8; // after standInMemory's malloc, which may have grown (and replaced) it
  for (let k = 0; k < chunks && !unmarkedStandInsForTests.on; k++) {
    const mark = markOf(marks.serial, k);
    heap.set(mark, pointer + k * chunkBytes);
    heap.set(mark, pointer + (k + 1) * chunkBytes - MARK_BYTES);
  }
  const status = h5module.set_dataset_data(
    dataset.file_id,
    dataset.path,
    ranges.map(([from, to]) => BigInt(to - from)),
    ranges.map(([from]) => BigInt(from)),
    ranges.map(() => 1n),
    BigInt(pointer),
  );
  if (status < 0) throw new Error(`HDF5 could not write rows ${ranges[0]?.[0]}+ of '${dataset.path}'`);
}

/**
 * The stand-in's memory: kept from call to call (grown for a larger one), and zeroed when
 * allocated, so that a stand-in chunk left in a file by a write that failed twice holds zeros and
 * old marks — never the bytes of another frame or file that the heap held before.
 */
function standInMemory(bytes: number): number {
  if (bytes > standInBuffer.capacity) {
    if (standInBuffer.pointer !== 0) h5module._free(standInBuffer.pointer);
    standInBuffer.pointer = 0;
    standInBuffer.capacity = 0;
    const pointer = h5module._malloc(bytes);
    if (pointer === 0) {
      throw new SaverError("resource_exhausted", `no ${bytes} bytes left in the WebAssembly heap`);
    }
    h5module.HEAPU8.fill(0, pointer, pointer + bytes);
    standInBuffer.pointer = pointer;
    standInBuffer.capacity = bytes;
  }
  return standInBuffer.pointer;
}

const standInBuffer = { pointer: 0, capacity: 0 };

export type { OpenMode } from "./hdf5-failures.ts";

const MODE: Record<OpenMode, "x" | "w" | "a" | "r"> = {
  create: "x",
  truncate: "w",
  append: "a",
  read: "r",
};

export async function openH5wasmFile(filePath: string, mode: OpenMode): Promise<H5Backend> {
  await loadH5wasm();
  let file: H5File;
  try {
    file = new h5wasm.File(filePath, MODE[mode], { libver: LIBVER });
  } catch (error) {
    throw unavailable(filePath, mode, error);
  }
  // h5wasm reports a failed open with a negative id instead of throwing.
  if (file.file_id < 0n) throw unavailable(filePath, mode, undefined);
  return new H5wasmBackend(filePath, file);
}

class H5wasmBackend implements H5Backend {
  readonly filePath: string;
  #file: H5File | undefined;
  /** Handles by path: h5wasm looks a path up on every `get`, and the writer asks often. */
  readonly #nodes = new Map<string, Group | Dataset>();
  /** Attribute names by path, so that rewriting one does not list (and decode) all of them. */
  readonly #attributeNames = new Map<string, Set<string>>();
  /** How a dataset stores its chunks, by path (asked once: its filters do not change). */
  readonly #storageByPath = new Map<string, ChunkStorage>();

  constructor(filePath: string, file: H5File) {
    this.filePath = filePath;
    this.#file = file;
  }

  get #open(): H5File {
    if (!this.#file) {
      throw new SaverError("failed_precondition", `the file '${this.filePath}' is closed`);
    }
    return this.#file;
  }

  async createGroup(path: string): Promise<void> {
    this.#io(path, () => this.#open.create_group(path));
    this.#attributeNames.set(path, new Set());
  }

  async createDataset(path: string, spec: DatasetSpec): Promise<void> {
    // h5wasm wants the whole contents at creation: without them, create the dataset empty along
    // its first dimension and extend it, so that nothing of its size is allocated.
    const empty = spec.data === undefined;
    const shape = empty ? [0, ...spec.shape.slice(1)] : [...spec.shape];
    this.#io(path, () =>
      this.#open.create_dataset({
        name: path,
        data: spec.data ?? allocate(spec.dtype, 0),
        shape,
        dtype: STORAGE_DTYPE[spec.dtype],
        maxshape: [...spec.maxShape],
        chunks: [...spec.chunks],
        ...compressionOptions(spec.compression, spec.dtype),
      }),
    );
    this.#attributeNames.set(path, new Set());
    if (empty && (spec.shape[0] ?? 0) > 0) await this.resize(path, spec.shape);
  }

  async createStringDataset(path: string, width: number, chunkRows: number): Promise<void> {
    this.#io(path, () =>
      this.#open.create_dataset({
        name: path,
        data: [],
        shape: [0],
        dtype: `A${width}`,
        maxshape: [null],
        chunks: [chunkRows],
      }),
    );
    this.#attributeNames.set(path, new Set());
  }

  async appendStrings(path: string, rows: readonly string[]): Promise<void> {
    if (rows.length === 0) return;
    const dataset = this.#dataset(path);
    const length = dataset.shape?.[0] ?? 0;
    this.#io(path, () => {
      dataset.resize([length + rows.length]);
      dataset.write_slice([[length, length + rows.length]], [...rows]);
    });
  }

  async resize(path: string, shape: readonly number[]): Promise<void> {
    const dataset = this.#dataset(path);
    // h5wasm would read the missing dimensions from whatever memory follows
    checkRank(path, shape, dataset.shape?.length ?? 0);
    this.#io(path, () => dataset.resize([...shape]));
  }

  async writeSlice(
    path: string,
    start: readonly number[],
    count: readonly number[],
    data: NumericArray,
    completesChunks = false,
  ): Promise<void> {
    const dataset = this.#dataset(path);
    const ranges = start.map((s, i) => [s, s + (count[i] ?? 1)] as [number, number]);
    const write = () => this.#io(path, () => dataset.write_slice(ranges, data));
    if (!completesChunks) write();
    else writeCompleteChunks(this.#storedChunkBytes(path, dataset), write);
  }

  /** A chunk's bytes as stored: its size when stored as it is, else 1 (each its own size). */
  #storedChunkBytes(path: string, dataset: Dataset): number {
    if (this.#storage(path) !== "as-is") return 1;
    const { chunks, size } = this.#io(path, () => dataset.metadata);
    return chunks ? product(chunks) * size : 1;
  }

  async writeChunkRows(
    path: string,
    start: readonly number[],
    count: readonly number[],
    data: NumericArray,
    rowsPerChunk = 1,
    chunksPerRow = 1,
    locate = true,
  ): Promise<readonly FileExtent[] | undefined> {
    const dataset = this.#dataset(path);
    const ranges = start.map((s, i) => [s, s + (count[i] ?? 1)] as [number, number]);
    const { chunks, chunkBytes } = wholeChunks(
      path,
      start,
      count,
      data.byteLength,
      rowsPerChunk,
      chunksPerRow,
    );
    const storage = this.#storage(path);
    const fits =
      standInsOn &&
      chunkBytes >= 2 * MARK_BYTES &&
      storage === "as-is" &&
      this.#io(path, () => standInFits(data, dataset.metadata, start, count, rowsPerChunk, chunksPerRow));
    const standIn = fits ? { serial: ++standInSerial } : undefined;
    const storedBytes = storage === "as-is" ? chunkBytes : 1;
    if (!standIn && !locate) {
      writeCompleteChunks(storedBytes, () => this.#io(path, () => dataset.write_slice(ranges, data)));
      return undefined;
    }
    const watching: ChunkCapture = {
      // Emscripten's streams name the file by its absolute path
      file: absolute(this.filePath),
      source: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      chunkBytes,
      written: 0,
      ...(locate ? { extents: [] } : {}),
      lost: false,
      ...(standIn ? { standIn } : {}),
      ...(storage === "deflate" ? { deflated: chunkAdlers(data, chunks, chunkBytes) } : {}),
    };
    // set and cleared around one synchronous HDF5 call: no other file's write can come between
    capture = watching;
    let failure: unknown;
    try {
      writeCompleteChunks(storedBytes, () =>
        this.#io(path, () =>
          standIn
            ? writeStandIn(dataset, ranges, chunks, chunkBytes, standIn)
            : dataset.write_slice(ranges, data),
        ),
      );
    } catch (error) {
      failure = error;
    } finally {
      capture = undefined;
    }
    const whole = failure === undefined && !watching.lost && watching.written === chunks;
    if (standIn && !whole) {
      // some chunk may hold the stand-in's bytes: the array over all of them, the usual way (after
      // a failed write too, if HDF5 can: the call still fails, but leaves no stand-in bytes behind)
      try {
        writeCompleteChunks(storedBytes, () => this.#io(path, () => dataset.write_slice(ranges, data)));
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return whole ? watching.extents : undefined;
  }

  async setAttributes(path: string, attributes: Readonly<Record<string, AttributeValue>>): Promise<void> {
    const node = this.#node(path);
    let existing = this.#attributeNames.get(path);
    if (!existing) {
      existing = new Set(this.#io(path, () => Object.keys(node.attrs)));
      this.#attributeNames.set(path, existing);
    }
    for (const [name, attribute] of Object.entries(attributes)) {
      this.#io(path, () => {
        if (existing.has(name)) node.delete_attribute(name);
        writeAttribute(node, name, attribute);
      });
      existing.add(name);
    }
  }

  async getAttributes(path: string): Promise<Record<string, StoredAttribute>> {
    const node = this.#node(path);
    const result: Record<string, StoredAttribute> = {};
    for (const [name, attribute] of Object.entries(node.attrs)) {
      result[name] = this.#io(path, () => attribute.value as StoredAttribute);
    }
    return result;
  }

  async children(path: string): Promise<NodeEntry[]> {
    const group = this.#node(path);
    if (!(group instanceof h5wasm.Group)) {
      throw new SaverError("failed_precondition", `'${path}' is a dataset, not a group`, { node: path });
    }
    const entries: NodeEntry[] = [];
    for (const name of this.#io(path, () => group.keys())) {
      const child = this.#io(path === "/" ? `/${name}` : `${path}/${name}`, () => group.get(name));
      if (child instanceof h5wasm.Group) entries.push({ name, kind: "group" });
      else if (child instanceof h5wasm.Dataset) entries.push({ name, kind: "dataset" });
    }
    return entries;
  }

  async exists(path: string): Promise<boolean> {
    if (path === "/") return true;
    try {
      return this.#open.get(path) !== null;
    } catch {
      return false;
    }
  }

  async datasetInfo(path: string): Promise<DatasetInfo> {
    const dataset = this.#dataset(path);
    const metadata = dataset.metadata;
    return {
      shape: [...(metadata.shape ?? [])],
      // H5S_UNLIMITED is (hsize_t)-1, which h5wasm reads back as the number 2^64
      maxShape: [...(metadata.maxshape ?? [])].map((d) =>
        d === null || d === undefined || d >= 2 ** 63 ? null : d,
      ),
      dtype: dtypeOfH5Type(metadata.type, metadata.size, metadata.signed),
      chunks: metadata.chunks ? [...metadata.chunks] : null,
      filters: this.#io(path, () => dataset.filters.map((f) => f.id)),
    };
  }

  async read(path: string, start?: readonly number[], count?: readonly number[]): Promise<NumericArray> {
    const dataset = this.#dataset(path);
    const ranges = start ? start.map((s, i) => [s, s + (count?.[i] ?? 1)] as [number, number]) : [];
    const value = this.#io(path, () => dataset.slice(ranges));
    if (!ArrayBuffer.isView(value)) {
      throw new SaverError("failed_precondition", `'${path}' does not hold numbers`, { node: path });
    }
    return value as NumericArray;
  }

  async readStrings(path: string): Promise<string[]> {
    const value = this.#io(path, () => this.#dataset(path).value);
    if (!Array.isArray(value)) {
      throw new SaverError("failed_precondition", `'${path}' does not hold strings`, { node: path });
    }
    return value.map(String);
  }

  async readByteRows(path: string): Promise<Uint8Array[]> {
    const value = this.#io(path, () => this.#dataset(path).value);
    if (!Array.isArray(value)) {
      throw new SaverError("failed_precondition", `'${path}' does not hold variable-length rows`, {
        node: path,
      });
    }
    return value.map((row) => (row instanceof Uint8Array ? row : Uint8Array.from(row as ArrayLike<number>)));
  }

  async flush(): Promise<void> {
    this.#io(this.filePath, () => this.#open.flush());
  }

  async close(): Promise<void> {
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    releaseFileWrites(absolute(this.filePath));
    this.#io(this.filePath, () => file.close());
  }

  #node(path: string): Group | Dataset {
    const cached = this.#nodes.get(path);
    if (cached && this.#file) return cached;
    const node = path === "/" ? this.#open : this.#io(path, () => this.#open.get(path));
    if (node instanceof h5wasm.Group || node instanceof h5wasm.Dataset) {
      this.#nodes.set(path, node);
      return node;
    }
    throw new SaverError("not_found", `no node '${path}' in '${this.filePath}'`, { node: path });
  }

  #storage(path: string): ChunkStorage {
    let storage = this.#storageByPath.get(path);
    if (storage === undefined) {
      const dataset = this.#dataset(path);
      const filters = this.#io(path, () => dataset.filters.map((filter) => filter.id));
      storage =
        filters.length === 0
          ? "as-is"
          : filters.length === 1 && filters[0] === DEFLATE_FILTER_ID
            ? "deflate"
            : "other";
      this.#storageByPath.set(path, storage);
    }
    return storage;
  }

  #dataset(path: string): Dataset {
    const node = this.#node(path);
    if (node instanceof h5wasm.Dataset) return node;
    throw new SaverError("failed_precondition", `'${path}' is a group, not a dataset`, { node: path });
  }

  /** Runs one HDF5 call, turning the library's errors into SaverErrors naming the node. */
  #io<T>(path: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      throw hdf5Failure(this.filePath, path, error);
    }
  }
}

function writeAttribute(node: Group | Dataset, name: string, attribute: AttributeValue): void {
  switch (attribute.kind) {
    case "ascii": {
      // Fixed-length NULLTERM ASCII sized to the text, as PyTables writes its system attributes.
      const size = Math.max(1, attribute.value.length);
      node.create_attribute(name, attribute.value, [], `A${size}`);
      return;
    }
    case "utf8":
      node.create_attribute(name, attribute.value, [], "S");
      return;
    case "int32":
      node.create_attribute(name, new Int32Array([attribute.value]), [], "<i");
      return;
    case "float64":
      node.create_attribute(name, new Float64Array([attribute.value]), [], "<d");
      return;
  }
}

function compressionOptions(
  compression: Compression,
  dtype: DType,
): { compression?: number | "gzip"; compression_opts?: number | number[] } {
  switch (compression.kind) {
    case "none":
      return {};
    case "gzip":
      return { compression: "gzip", compression_opts: compression.level };
    case "blosc-lz4": {
      const typesize = dtypeBytes(dtype);
      // cd_values: filter revision 2, blosc format 2, type size, block size 0 (= let blosc choose),
      // level, shuffle, compressor — the values PyTables writes for Filters(complib='blosc:lz4').
      return {
        compression: BLOSC_FILTER_ID,
        compression_opts: [2, 2, typesize, 0, compression.level, BLOSC_BYTE_SHUFFLE, BLOSC_LZ4_CODE],
      };
    }
  }
}
