import type { DType, NumericArray } from "../model/dtype.ts";

/**
 * What the layout needs from an HDF5 store, and nothing of PyMoDAQ. Paths are absolute
 * (`/RawData/Detector000`). Every method is async so that a remote store (HSDS) can implement
 * the same interface; the h5wasm implementation runs synchronously underneath.
 */
export interface H5Backend {
  readonly filePath: string;
  createGroup(path: string): Promise<void>;
  createDataset(path: string, spec: DatasetSpec): Promise<void>;
  /** A 1-D, enlargeable dataset of fixed-width (`width` bytes) NUL-padded ASCII strings. */
  createStringDataset(path: string, width: number, chunkRows: number): Promise<void>;
  appendStrings(path: string, rows: readonly string[]): Promise<void>;
  resize(path: string, shape: readonly number[]): Promise<void>;
  /**
   * Writes `data` (row-major) into the hyperslab that starts at `start` and spans `count`. With
   * `completesChunks`, every chunk the slice touches is complete once written and never written
   * again (a backend may let go of it: h5wasm's hands its pages back to the kernel once synced).
   */
  writeSlice(
    path: string,
    start: readonly number[],
    count: readonly number[],
    data: NumericArray,
    completesChunks?: boolean,
  ): Promise<void>;
  /**
   * Writes whole chunks (`start` and `count` as for writeSlice, all of every dimension but the
   * first; `rowsPerChunk` rows to a chunk, `start[0]` and `count[0]` multiples of it — or, with
   * `chunksPerRow` > 1, each row cut into that many chunks of consecutive bytes) and tells where
   * each chunk's bytes now lie in the file, in the order of the array's bytes (for a dataset whose
   * only filter is deflate: where each chunk's zlib stream lies). Undefined when the backend cannot
   * tell — another filter changed the bytes, HDF5 kept a chunk in its cache, or the store is not a
   * local file: the crash journal then keeps a copy of the rows instead of pointing at them.
   * With `locate` false it only writes them (and tells nothing), as a backend does best with whole
   * chunks.
   */
  writeChunkRows(
    path: string,
    start: readonly number[],
    count: readonly number[],
    data: NumericArray,
    rowsPerChunk?: number,
    chunksPerRow?: number,
    locate?: boolean,
  ): Promise<readonly FileExtent[] | undefined>;
  setAttributes(path: string, attributes: Readonly<Record<string, AttributeValue>>): Promise<void>;
  getAttributes(path: string): Promise<Record<string, StoredAttribute>>;
  children(path: string): Promise<NodeEntry[]>;
  exists(path: string): Promise<boolean>;
  datasetInfo(path: string): Promise<DatasetInfo>;
  read(path: string, start?: readonly number[], count?: readonly number[]): Promise<NumericArray>;
  readStrings(path: string): Promise<string[]>;
  /** Rows of a variable-length uint8 dataset (PyTables' VLArray of bytes, e.g. pickles). */
  readByteRows(path: string): Promise<Uint8Array[]>;
  /** Everything written so far is in the file on disk and readable by another process. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Bytes written to the file: `length` of them from `offset` on, and their CRC-32 (zlib's). With
 * `encoding` "deflate" they are a zlib stream of the chunk (HDF5's deflate filter, alone in the
 * dataset's pipeline), which inflates to the chunk's bytes; without, they are those bytes.
 */
export interface FileExtent {
  readonly offset: number;
  readonly length: number;
  readonly crc32: number;
  readonly encoding?: "deflate";
}

export type Compression =
  | { readonly kind: "none" }
  | { readonly kind: "gzip"; readonly level: number }
  /** Blosc with the LZ4 codec and byte shuffle, as PyTables' `blosc:lz4` filter. */
  | { readonly kind: "blosc-lz4"; readonly level: number };

export interface DatasetSpec {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** `null` for an unlimited dimension. */
  readonly maxShape: readonly (number | null)[];
  readonly chunks: readonly number[];
  readonly compression: Compression;
  /**
   * Initial contents (row-major, product(shape) values). When absent nothing is written: the
   * dataset reads as zeros until written, and costs no memory however large it is.
   */
  readonly data?: NumericArray;
}

export interface DatasetInfo {
  readonly shape: number[];
  readonly maxShape: (number | null)[];
  /** "string": fixed or variable-length strings; "other": a type h5saver does not map (vlen, enum …). */
  readonly dtype: DType | "string" | "other";
  readonly chunks: number[] | null;
  /** HDF5 filter ids of the dataset's pipeline (1 deflate, 2 shuffle, 32001 blosc …). */
  readonly filters: number[];
}

export interface NodeEntry {
  readonly name: string;
  readonly kind: "group" | "dataset";
}

/**
 * How an attribute is stored. PyTables writes its system attributes (CLASS, VERSION on arrays) as
 * fixed-length ASCII strings and EXTDIM as int32; everything else PyMoDAQ writes is a string.
 */
export type AttributeValue =
  | { readonly kind: "ascii"; readonly value: string }
  | { readonly kind: "utf8"; readonly value: string }
  | { readonly kind: "int32"; readonly value: number }
  | { readonly kind: "float64"; readonly value: number };

export type StoredAttribute = string | number | bigint | boolean | NumericArray | string[] | null;

export const ascii = (value: string): AttributeValue => ({ kind: "ascii", value });
export const utf8 = (value: string): AttributeValue => ({ kind: "utf8", value });

/**
 * Text as close to PyTables as h5wasm allows: PyTables writes fixed-length NULLTERM strings, and
 * h5wasm can make those only with the ASCII character set (its fixed UTF-8 strings are
 * space-padded), so printable-ASCII text — every JSON-wrapped PyMoDAQ attribute, which
 * `json.dumps` keeps ASCII — is fixed-length, anything else variable-length UTF-8.
 */
export const text = (value: string): AttributeValue =>
  /^[\x20-\x7e]*$/.test(value) ? ascii(value) : utf8(value);
export const int32 = (value: number): AttributeValue => ({ kind: "int32", value });
