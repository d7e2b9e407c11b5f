import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allocate,
  arrayFromBytes,
  arrayMatchesDType,
  DTYPES,
  type DType,
  dtypeBytes,
  dtypeOfArray,
  isDType,
  product,
} from "./dtype.ts";

/** Little-endian bytes of two values of each dtype, and the values they hold. */
const SAMPLES: Record<
  DType,
  { values: readonly (number | bigint)[]; ctor: new (n: number) => ArrayLike<unknown> }
> = {
  int8: { values: [-128, 127], ctor: Int8Array },
  uint8: { values: [0, 255], ctor: Uint8Array },
  int16: { values: [-32768, 258], ctor: Int16Array },
  uint16: { values: [65535, 258], ctor: Uint16Array },
  int32: { values: [-2147483648, 16909060], ctor: Int32Array },
  uint32: { values: [4294967295, 16909060], ctor: Uint32Array },
  int64: { values: [-9223372036854775808n, 72623859790382856n], ctor: BigInt64Array },
  uint64: { values: [18446744073709551615n, 72623859790382856n], ctor: BigUint64Array },
  float32: { values: [-1.5, 0.25], ctor: Float32Array },
  float64: { values: [Math.PI, -1e-300], ctor: Float64Array },
  bool: { values: [1, 0], ctor: Uint8Array },
};

function littleEndianBytes(dtype: DType, values: readonly (number | bigint)[]): Uint8Array {
  const size = dtypeBytes(dtype);
  const view = new DataView(new ArrayBuffer(size * values.length));
  values.forEach((v, i) => {
    const at = i * size;
    switch (dtype) {
      case "int8":
        view.setInt8(at, v as number);
        break;
      case "uint8":
      case "bool":
        view.setUint8(at, v as number);
        break;
      case "int16":
        view.setInt16(at, v as number, true);
        break;
      case "uint16":
        view.setUint16(at, v as number, true);
        break;
      case "int32":
        view.setInt32(at, v as number, true);
        break;
      case "uint32":
        view.setUint32(at, v as number, true);
        break;
      case "int64":
        view.setBigInt64(at, v as bigint, true);
        break;
      case "uint64":
        view.setBigUint64(at, v as bigint, true);
        break;
      case "float32":
        view.setFloat32(at, v as number, true);
        break;
      case "float64":
        view.setFloat64(at, v as number, true);
        break;
    }
  });
  return new Uint8Array(view.buffer);
}

describe("arrayFromBytes()", () => {
  it("reads little-endian bytes as every dtype's values", () => {
    for (const dtype of DTYPES) {
      const { values, ctor } = SAMPLES[dtype];
      const array = arrayFromBytes(dtype, littleEndianBytes(dtype, values));
      assert.ok(array instanceof ctor, dtype);
      assert.deepEqual([...array], values, dtype);
    }
  });

  it("wraps aligned bytes without copying: the array shares the buffer and offset", () => {
    for (const dtype of DTYPES) {
      const size = dtypeBytes(dtype);
      const payload = littleEndianBytes(dtype, SAMPLES[dtype].values);
      const buffer = new ArrayBuffer(size * 2 + payload.length + 8);
      const bytes = new Uint8Array(buffer, size * 2, payload.length);
      bytes.set(payload);
      const array = arrayFromBytes(dtype, bytes);
      assert.equal(array.buffer, buffer, dtype);
      assert.equal(array.byteOffset, size * 2, dtype);
      assert.equal(array.length, 2, dtype);
      bytes[0] = (bytes[0] ?? 0) ^ 0xff; // writes through: same memory
      assert.notDeepEqual([...array], SAMPLES[dtype].values, dtype);
    }
  });

  it("copies unaligned bytes (odd offset) and still reads the right values", () => {
    for (const dtype of DTYPES) {
      const size = dtypeBytes(dtype);
      if (size === 1) continue;
      const payload = littleEndianBytes(dtype, SAMPLES[dtype].values);
      const buffer = new ArrayBuffer(payload.length + 1);
      const bytes = new Uint8Array(buffer, 1, payload.length);
      bytes.set(payload);
      const array = arrayFromBytes(dtype, bytes);
      assert.notEqual(array.buffer, buffer, dtype);
      assert.equal(array.byteLength, payload.length, dtype);
      assert.deepEqual([...array], SAMPLES[dtype].values, dtype);
    }
  });

  it("copies only the viewed bytes of an unaligned view inside a larger buffer", () => {
    const payload = littleEndianBytes("float64", [1.25, -2]);
    const buffer = new ArrayBuffer(64);
    const bytes = new Uint8Array(buffer, 3, payload.length);
    bytes.set(payload);
    const array = arrayFromBytes("float64", bytes);
    assert.deepEqual([...array], [1.25, -2]);
    assert.equal(array.buffer.byteLength, 16);
  });

  it("reads empty bytes as an empty array", () => {
    assert.equal(arrayFromBytes("float64", new Uint8Array(0)).length, 0);
  });

  it("throws a RangeError when the byte length is not a whole number of values", () => {
    assert.throws(() => arrayFromBytes("float64", new Uint8Array(12)), RangeError);
    assert.throws(
      () => arrayFromBytes("int16", new Uint8Array(3)),
      /3 bytes is not a whole number of int16 values/,
    );
    assert.throws(() => arrayFromBytes("uint32", new Uint8Array(new ArrayBuffer(8), 1, 5)), RangeError);
  });
});

describe("dtypeOfArray()", () => {
  it("names the numpy dtype of each typed array (uint8 for Uint8Array, never bool)", () => {
    assert.equal(dtypeOfArray(new Int8Array(1)), "int8");
    assert.equal(dtypeOfArray(new Uint8Array(1)), "uint8");
    assert.equal(dtypeOfArray(new Int16Array(1)), "int16");
    assert.equal(dtypeOfArray(new Uint16Array(1)), "uint16");
    assert.equal(dtypeOfArray(new Int32Array(1)), "int32");
    assert.equal(dtypeOfArray(new Uint32Array(1)), "uint32");
    assert.equal(dtypeOfArray(new BigInt64Array(1)), "int64");
    assert.equal(dtypeOfArray(new BigUint64Array(1)), "uint64");
    assert.equal(dtypeOfArray(new Float32Array(1)), "float32");
    assert.equal(dtypeOfArray(new Float64Array(1)), "float64");
  });

  it("throws a TypeError for what is not a numeric typed array", () => {
    assert.throws(() => dtypeOfArray(new Uint8ClampedArray(1) as unknown as Uint8Array), TypeError);
    assert.throws(() => dtypeOfArray([1, 2] as unknown as Float64Array), /not a numeric typed array/);
  });
});

describe("dtype helpers", () => {
  it("allocate() gives a zeroed array of the dtype that arrayMatchesDType() accepts", () => {
    for (const dtype of DTYPES) {
      const array = allocate(dtype, 3);
      assert.equal(array.length, 3);
      assert.equal(array.byteLength, 3 * dtypeBytes(dtype));
      assert.ok(arrayMatchesDType(array, dtype), dtype);
    }
    assert.ok(arrayMatchesDType(new Uint8Array(1), "bool"));
    assert.ok(!arrayMatchesDType(new Float32Array(1), "float64"));
  });

  it("isDType() accepts numpy names only", () => {
    assert.ok(isDType("float64"));
    assert.ok(isDType("bool"));
    assert.ok(!isDType("float"));
    assert.ok(!isDType("complex128"));
  });

  it("product() is the number of elements of a shape", () => {
    assert.equal(product([]), 1);
    assert.equal(product([3]), 3);
    assert.equal(product([2, 3, 4]), 24);
  });
});
