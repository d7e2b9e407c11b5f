/** Whether the HDF5 addon loaded, and if not why (not built, or a load error). */
export declare const hdf5Addon: {
  readonly available: boolean;
  readonly reason: string | undefined;
  readonly path: string;
};

/** An HDF5 id (file, group or dataset), as the C library's hid_t. */
export type Hid = bigint;

type Dims = readonly number[];
type NumericTypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/**
 * The calls of native/src/hdf5_backend.c. A failing HDF5 call throws an Error whose `code` is
 * "HDF5" and whose message holds HDF5's error stack (innermost cause last); a wrong argument a
 * TypeError.
 */
export interface Hdf5Calls {
  /** 0 create (fails if the file exists), 1 truncate, 2 read-write, 3 read-only. */
  open(path: string, mode: 0 | 1 | 2 | 3): Hid;
  closeFile(file: Hid): void;
  flush(file: Hid): void;
  /** The descriptor HDF5 writes the file through. */
  fileDescriptor(file: Hid): number;
  /** Null when there is no such node. */
  openNode(file: Hid, path: string): [Hid, "group" | "dataset" | "other"] | null;
  closeNode(node: Hid): void;
  createGroup(file: Hid, path: string): void;
  children(group: Hid): [string, "group" | "dataset" | "other"][];
  /** typeCode: the index of the DType in native-hdf5-backend.ts; gzipLevel -1 for no filter; null maxShape: unlimited. */
  createDataset(
    file: Hid,
    path: string,
    typeCode: number,
    shape: Dims,
    maxShape: readonly (number | null)[],
    chunks: Dims,
    gzipLevel: number,
    data?: NumericTypedArray,
  ): void;
  createStringDataset(file: Hid, path: string, width: number, chunkRows: number): void;
  appendStrings(dataset: Hid, rows: readonly string[]): void;
  resize(dataset: Hid, shape: Dims): void;
  writeSlice(dataset: Hid, start: Dims, count: Dims, data: NumericTypedArray): void;
  /**
   * -1: chunks stored as they are; 0…9: deflated at that level (deflate alone); -2 otherwise
   * (another filter, not chunked, or a type that is not little-endian numbers).
   */
  chunkStorage(dataset: Hid): number;
  /**
   * Writes whole chunks of `chunkBytes` each (H5Dwrite_chunk), in the dataset's own type,
   * `offsets` holding each chunk's start (rank numbers per chunk, on the chunk grid, inside the
   * dataset); `level` 0…9 deflates them first, -1 stores them as they are. `places`: each
   * chunk's file offset (-1 when unknown) and stored size, in pairs; `crcs` (with locate, when
   * deflating) the CRC-32 of each chunk's stored bytes.
   */
  writeChunks(
    dataset: Hid,
    offsets: readonly number[],
    data: NumericTypedArray,
    chunkBytes: number,
    level: number,
    locate: boolean,
  ): { readonly places: Float64Array; readonly crcs?: Uint32Array };
  /** kind: 0 fixed-length ASCII, 1 variable-length UTF-8, 2 int32, 3 float64. */
  setAttribute(node: Hid, name: string, kind: 0 | 1 | 2 | 3, value: string | number): void;
  getAttributes(node: Hid): Record<string, string | number | bigint | string[] | NumericTypedArray | null>;
  datasetInfo(dataset: Hid): {
    shape: number[];
    maxShape: (number | null)[];
    /** HDF5's H5T_class_t: 0 integer, 1 float, 3 string … */
    typeClass: number;
    size: number;
    signed: boolean;
    chunks: number[] | null;
    filters: number[];
  };
  /** Null when the dataset does not hold numbers. */
  read(dataset: Hid, start?: Dims, count?: Dims): NumericTypedArray | null;
  readStrings(dataset: Hid): string[] | null;
  readByteRows(dataset: Hid): Uint8Array[] | null;
}

/** The addon's calls, or undefined when it is not available. */
export declare const hdf5: Hdf5Calls | undefined;
