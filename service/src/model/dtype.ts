/**
 * The numeric dtypes PyMoDAQ saves, by their numpy names, and the typed arrays that hold them.
 * `bool` is held in a Uint8Array of 0/1 (numpy's bool is one byte too).
 */
export const DTYPES = [
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float32",
  "float64",
  "bool",
] as const;

export type DType = (typeof DTYPES)[number];

export type NumericArray =
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

interface DTypeInfo {
  readonly bytes: number;
  readonly create: (length: number) => NumericArray;
  readonly matches: (array: NumericArray) => boolean;
}

const INFO: Record<DType, DTypeInfo> = {
  int8: { bytes: 1, create: (n) => new Int8Array(n), matches: (a) => a instanceof Int8Array },
  uint8: { bytes: 1, create: (n) => new Uint8Array(n), matches: (a) => a instanceof Uint8Array },
  int16: { bytes: 2, create: (n) => new Int16Array(n), matches: (a) => a instanceof Int16Array },
  uint16: { bytes: 2, create: (n) => new Uint16Array(n), matches: (a) => a instanceof Uint16Array },
  int32: { bytes: 4, create: (n) => new Int32Array(n), matches: (a) => a instanceof Int32Array },
  uint32: { bytes: 4, create: (n) => new Uint32Array(n), matches: (a) => a instanceof Uint32Array },
  int64: {
    bytes: 8,
    create: (n) => new BigInt64Array(n),
    matches: (a) => a instanceof BigInt64Array,
  },
  uint64: {
    bytes: 8,
    create: (n) => new BigUint64Array(n),
    matches: (a) => a instanceof BigUint64Array,
  },
  float32: {
    bytes: 4,
    create: (n) => new Float32Array(n),
    matches: (a) => a instanceof Float32Array,
  },
  float64: {
    bytes: 8,
    create: (n) => new Float64Array(n),
    matches: (a) => a instanceof Float64Array,
  },
  bool: { bytes: 1, create: (n) => new Uint8Array(n), matches: (a) => a instanceof Uint8Array },
};

export function isDType(value: string): value is DType {
  return (DTYPES as readonly string[]).includes(value);
}

export function dtypeBytes(dtype: DType): number {
  return INFO[dtype].bytes;
}

export function allocate(dtype: DType, length: number): NumericArray {
  return INFO[dtype].create(length);
}

/** True when `array` is the typed array that holds `dtype`. */
export function arrayMatchesDType(array: NumericArray, dtype: DType): boolean {
  return INFO[dtype].matches(array);
}

/** True for the typed arrays that hold one of the DTYPES (not Uint8ClampedArray, DataView or plain arrays). */
export function isNumericArray(value: unknown): value is NumericArray {
  return DTYPES.some((dtype) => INFO[dtype].matches(value as NumericArray));
}

/** The dtype a typed array holds (uint8 for Uint8Array: say `bool` explicitly when meant). */
/** The order dtypeOfArray tries: the dtypes detectors send most first. */
const LOOKUP_ORDER: readonly DType[] = [
  "float64",
  "uint16",
  "float32",
  "int32",
  "uint8",
  "uint32",
  "int16",
  "int8",
  "int64",
  "uint64",
];

export function dtypeOfArray(array: NumericArray): DType {
  for (const dtype of LOOKUP_ORDER) {
    if (INFO[dtype].matches(array)) return dtype;
  }
  throw new TypeError(`not a numeric typed array: ${Object.prototype.toString.call(array)}`);
}

/** Wraps little-endian bytes (as they come off the wire) as the dtype's typed array, copying only when unaligned. */
export function arrayFromBytes(dtype: DType, bytes: Uint8Array): NumericArray {
  const size = INFO[dtype].bytes;
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} values`);
  }
  const aligned =
    bytes.byteOffset % size === 0
      ? bytes
      : new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const target = INFO[dtype].create(0).constructor as unknown as new (
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ) => NumericArray;
  return new target(aligned.buffer, aligned.byteOffset, aligned.byteLength / size);
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
