import { resolve as absolute } from "node:path";
import { type Hdf5Calls, type Hid, hdf5, hdf5Addon } from "@h5saver/native/hdf5";
import { crc32 } from "../durability/crc32.ts";
import { SaverError } from "../errors.ts";
import { noteFileWrite, releaseFileWrites } from "../files/page-cache.ts";
import {
  DTYPES,
  type DType,
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
import { dtypeOfH5Type } from "./hdf5-types.ts";

/**
 * The HDF5 C library itself (native/src/hdf5_backend.c, Debian's libhdf5), where h5wasm runs it
 * compiled to WebAssembly. The same files come out (the same library, format bounds and types);
 * whole chunks go to the file from the caller's memory (H5Dwrite_chunk, deflated by zlib first
 * when the dataset's only filter is deflate) and HDF5 says where each landed
 * (H5Dget_chunk_info_by_coord) — nothing to recognise among the writes, nothing copied into a
 * WebAssembly heap. Blosc is h5wasm's alone (its filter plugin is compiled into h5wasm-plugins).
 */
export const nativeHdf5 = hdf5Addon;

const MODE_CODE: Record<OpenMode, 0 | 1 | 2 | 3> = { create: 0, truncate: 1, append: 2, read: 3 };
const ATTRIBUTE_KIND = { ascii: 0, utf8: 1, int32: 2, float64: 3 } as const;

export async function openNativeHdf5File(filePath: string, mode: OpenMode): Promise<H5Backend> {
  const calls = hdf5;
  if (calls === undefined) {
    throw new SaverError("internal", `the native HDF5 backend is not available: ${hdf5Addon.reason}`);
  }
  let file: Hid;
  try {
    file = calls.open(filePath, MODE_CODE[mode]);
  } catch (error) {
    throw unavailable(filePath, mode, error);
  }
  return new NativeHdf5Backend(filePath, file, calls);
}

interface OpenNode {
  readonly id: Hid;
  readonly kind: "group" | "dataset";
}

/** How writeChunks may store a dataset's chunks: its storage dtype, and -1 (as they are), 0…9 (deflate level) or -2 (not at all). */
interface ChunkWriting {
  readonly rank: number;
  readonly dtype: DType | "string" | "other";
  readonly chunks: readonly number[] | null;
  readonly storage: number;
}

class NativeHdf5Backend implements H5Backend {
  readonly filePath: string;
  readonly #calls: Hdf5Calls;
  /** The path page-cache.ts knows the file by (noted writes, released at close). */
  readonly #absolutePath: string;
  #file: Hid | undefined;
  /** Nodes kept open by path (closing the file closes them: H5F_CLOSE_STRONG). */
  readonly #nodes = new Map<string, OpenNode>();
  readonly #chunkWriting = new Map<string, ChunkWriting>();
  #descriptor: number | undefined;

  constructor(filePath: string, file: Hid, calls: Hdf5Calls) {
    this.filePath = filePath;
    this.#absolutePath = absolute(filePath);
    this.#file = file;
    this.#calls = calls;
  }

  get #open(): Hid {
    if (this.#file === undefined) {
      throw new SaverError("failed_precondition", `the file '${this.filePath}' is closed`);
    }
    return this.#file;
  }

  async createGroup(path: string): Promise<void> {
    const file = this.#open;
    this.#io(path, () => this.#calls.createGroup(file, path));
  }

  async createDataset(path: string, spec: DatasetSpec): Promise<void> {
    const file = this.#open;
    const level = gzipLevel(spec.compression, path);
    this.#io(path, () =>
      this.#calls.createDataset(
        file,
        path,
        DTYPES.indexOf(spec.dtype),
        spec.shape,
        spec.maxShape,
        spec.chunks,
        level,
        ...(spec.data === undefined ? [] : [spec.data]),
      ),
    );
  }

  async createStringDataset(path: string, width: number, chunkRows: number): Promise<void> {
    const file = this.#open;
    this.#io(path, () => this.#calls.createStringDataset(file, path, width, chunkRows));
  }

  async appendStrings(path: string, rows: readonly string[]): Promise<void> {
    if (rows.length === 0) return;
    const dataset = this.#dataset(path);
    this.#io(path, () => this.#calls.appendStrings(dataset, rows));
  }

  async resize(path: string, shape: readonly number[]): Promise<void> {
    const dataset = this.#dataset(path);
    checkRank(path, shape, this.#writingOf(path, dataset).rank);
    this.#io(path, () => this.#calls.resize(dataset, shape));
  }

  /**
   * `completesChunks` changes nothing here: HDF5 keeps a chunk written in part in its chunk cache
   * and places it in the file only when it leaves that cache, so there is no place to note yet
   * (only writeChunkRows' chunks have their pages handed back to the kernel).
   */
  async writeSlice(
    path: string,
    start: readonly number[],
    count: readonly number[],
    data: NumericArray,
  ): Promise<void> {
    const dataset = this.#dataset(path);
    if (data.length !== product(count)) {
      throw new SaverError(
        "io_error",
        `${data.length} values do not match number of elements in the selection (${product(count)}) — node '${path}'`,
        { node: path },
      );
    }
    this.#io(path, () => this.#calls.writeSlice(dataset, start, count, data));
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
    const { chunks, chunkBytes } = wholeChunks(
      path,
      start,
      count,
      data.byteLength,
      rowsPerChunk,
      chunksPerRow,
    );
    const dataset = this.#dataset(path);
    const writing = this.#writingOf(path, dataset);
    const chunkShape = [rowsPerChunk, ...count.slice(1)];
    if (count.length > 1) chunkShape[1] = (count[1] ?? 1) / chunksPerRow;
    const direct =
      writing.storage >= -1 &&
      isNumericArray(data) &&
      dtypeOfArray(data) === writing.dtype &&
      data.length === product(count) &&
      writing.chunks !== null &&
      writing.chunks.length === count.length &&
      writing.chunks.every((size, i) => size === chunkShape[i] && (start[i] ?? 0) % size === 0);
    if (!direct) {
      // a layout H5Dwrite_chunk cannot take as it is: HDF5 cuts the rows into chunks itself
      await this.writeSlice(path, start, count, data);
      return undefined;
    }
    const offsets: number[] = [];
    for (let k = 0; k < chunks; k++) {
      const offset = [...start];
      offset[0] = (start[0] ?? 0) + Math.floor(k / chunksPerRow) * rowsPerChunk;
      if (count.length > 1) offset[1] = (start[1] ?? 0) + (k % chunksPerRow) * (chunkShape[1] ?? 1);
      offsets.push(...offset);
    }
    const { places, crcs } = this.#io(path, () =>
      this.#calls.writeChunks(dataset, offsets, data, chunkBytes, writing.storage, locate),
    );
    const fd = this.#fileDescriptor();
    const extents: FileExtent[] = [];
    let known = true;
    for (let k = 0; k < chunks; k++) {
      const offset = places[2 * k] ?? -1;
      const length = places[2 * k + 1] ?? 0;
      if (offset < 0) {
        known = false;
        continue;
      }
      // a chunk of writeChunkRows is complete and never written again: its pages may go once synced
      noteFileWrite(this.#absolutePath, fd, offset, length);
      if (!locate) continue;
      if (writing.storage >= 0) {
        const crc = crcs?.[k];
        if (crc === undefined) {
          throw new SaverError(
            "internal",
            `the native HDF5 addon gave no CRC-32 for deflated chunk ${k} of '${path}': rebuild it (native/build.sh)`,
            { node: path },
          );
        }
        extents.push({ offset, length, crc32: crc, encoding: "deflate" });
      } else {
        // stored as they are: the chunk's own bytes, checksummed here (the addon's zlib is slower)
        const chunk = new Uint8Array(data.buffer, data.byteOffset + k * chunkBytes, chunkBytes);
        extents.push({ offset, length, crc32: crc32(chunk) });
      }
    }
    return locate && known ? extents : undefined;
  }

  async setAttributes(path: string, attributes: Readonly<Record<string, AttributeValue>>): Promise<void> {
    const node = this.#node(path).id;
    for (const [name, attribute] of Object.entries(attributes)) {
      this.#io(path, () =>
        this.#calls.setAttribute(node, name, ATTRIBUTE_KIND[attribute.kind], attribute.value),
      );
    }
  }

  async getAttributes(path: string): Promise<Record<string, StoredAttribute>> {
    const node = this.#node(path).id;
    return this.#io(path, () => this.#calls.getAttributes(node));
  }

  async children(path: string): Promise<NodeEntry[]> {
    const group = this.#node(path);
    if (group.kind !== "group") {
      throw new SaverError("failed_precondition", `'${path}' is a dataset, not a group`, { node: path });
    }
    const entries: NodeEntry[] = [];
    for (const [name, kind] of this.#io(path, () => this.#calls.children(group.id))) {
      if (kind !== "other") entries.push({ name, kind });
    }
    return entries;
  }

  async exists(path: string): Promise<boolean> {
    const file = this.#file;
    // as h5wasm's: a closed file holds nothing
    if (file === undefined) return false;
    if (path === "/" || this.#nodes.has(path)) return true;
    const opened = this.#io(path, () => this.#calls.openNode(file, path));
    if (opened === null) return false;
    this.#keep(path, opened);
    return true;
  }

  async datasetInfo(path: string): Promise<DatasetInfo> {
    const dataset = this.#dataset(path);
    const info = this.#io(path, () => this.#calls.datasetInfo(dataset));
    return {
      shape: info.shape,
      maxShape: info.maxShape,
      dtype: dtypeOfH5Type(info.typeClass, info.size, info.signed),
      chunks: info.chunks,
      filters: info.filters,
    };
  }

  async read(path: string, start?: readonly number[], count?: readonly number[]): Promise<NumericArray> {
    const dataset = this.#dataset(path);
    const value = this.#io(path, () =>
      start
        ? this.#calls.read(
            dataset,
            start,
            start.map((_, i) => count?.[i] ?? 1),
          )
        : this.#calls.read(dataset),
    );
    if (value === null) {
      throw new SaverError("failed_precondition", `'${path}' does not hold numbers`, { node: path });
    }
    return value;
  }

  async readStrings(path: string): Promise<string[]> {
    const dataset = this.#dataset(path);
    const value = this.#io(path, () => this.#calls.readStrings(dataset));
    if (value === null) {
      throw new SaverError("failed_precondition", `'${path}' does not hold strings`, { node: path });
    }
    return value;
  }

  async readByteRows(path: string): Promise<Uint8Array[]> {
    const dataset = this.#dataset(path);
    const value = this.#io(path, () => this.#calls.readByteRows(dataset));
    if (value === null) {
      throw new SaverError("failed_precondition", `'${path}' does not hold variable-length rows`, {
        node: path,
      });
    }
    return value;
  }

  async flush(): Promise<void> {
    const file = this.#open;
    this.#io(this.filePath, () => this.#calls.flush(file));
  }

  async close(): Promise<void> {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    this.#nodes.clear();
    releaseFileWrites(this.#absolutePath);
    this.#io(this.filePath, () => this.#calls.closeFile(file));
  }

  #fileDescriptor(): number {
    const file = this.#open;
    this.#descriptor ??= this.#io(this.filePath, () => this.#calls.fileDescriptor(file));
    return this.#descriptor;
  }

  #writingOf(path: string, dataset: Hid): ChunkWriting {
    let writing = this.#chunkWriting.get(path);
    if (writing === undefined) {
      const info = this.#io(path, () => this.#calls.datasetInfo(dataset));
      writing = {
        rank: info.shape.length,
        dtype: dtypeOfH5Type(info.typeClass, info.size, info.signed),
        chunks: info.chunks,
        storage: this.#io(path, () => this.#calls.chunkStorage(dataset)),
      };
      this.#chunkWriting.set(path, writing);
    }
    return writing;
  }

  #node(path: string): OpenNode {
    const cached = this.#nodes.get(path);
    if (cached && this.#file !== undefined) return cached;
    const file = this.#open;
    const opened = this.#io(path, () => this.#calls.openNode(file, path === "/" ? "." : path));
    const node = opened === null ? undefined : this.#keep(path, opened);
    if (node === undefined) {
      throw new SaverError("not_found", `no node '${path}' in '${this.filePath}'`, { node: path });
    }
    return node;
  }

  /** Keeps an opened group or dataset by path; closes anything else (a named datatype). */
  #keep(path: string, [id, kind]: [Hid, "group" | "dataset" | "other"]): OpenNode | undefined {
    if (kind === "other") {
      this.#calls.closeNode(id);
      return undefined;
    }
    const node = { id, kind };
    this.#nodes.set(path, node);
    return node;
  }

  #dataset(path: string): Hid {
    const node = this.#node(path);
    if (node.kind === "dataset") return node.id;
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

/** The deflate level of a compression (-1: none); blosc is refused (its plugin is h5wasm's). */
function gzipLevel(compression: Compression, path: string): number {
  switch (compression.kind) {
    case "none":
      return -1;
    case "gzip":
      return compression.level;
    case "blosc-lz4":
      throw new SaverError(
        "internal",
        `'${path}': blosc-lz4 is written through h5wasm (its filter plugin), not the native HDF5 backend`,
        { node: path },
      );
  }
}
