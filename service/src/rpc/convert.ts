/**
 * Protobuf messages of h5saver.v1 ⇄ the domain model, at the gRPC edge (the rpc handlers and the
 * clients call these; nothing below them sees protobuf).
 *
 * From the wire, this file checks only what the domain types cannot express — enum numbers,
 * bytes that must become typed arrays, uint64 counts that must become numbers — and reports a bad
 * value as `invalid_data` naming its field. Everything else (shapes vs arrays, labels, axes,
 * attribute names) is validated by the model's `createX()` factories, with the same field paths.
 * Arrays are views of the received bytes whenever they are aligned (no copy per frame).
 */
import { create } from "@bufbuild/protobuf";
import * as pb from "@h5saver/proto/h5saver/v1/data_pb";
import { invalidData, SaverError } from "../errors.ts";
import { type Axis, type AxisInput, createAxis } from "../model/axis.ts";
import { createDataToExport, type DataToExport } from "../model/data-to-export.ts";
import {
  type AttributeValue,
  createDataWithAxes,
  type DataDim,
  type DataDistribution,
  type DataSource,
  type DataWithAxes,
  type DataWithAxesInput,
} from "../model/data-with-axes.ts";
import { arrayFromBytes, type DType, dtypeBytes, dtypeOfArray, type NumericArray } from "../model/dtype.ts";
import { createFrameBlock, type FrameBlock, MAX_BLOCK_FRAMES } from "../model/frame-block.ts";

/**
 * The wire format is little-endian and typed arrays use the host's byte order, so arrays are
 * passed as views only where the two agree. Node runs big-endian only on s390x; there, conversion
 * refuses to run rather than save byte-swapped values.
 */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const DTYPE_FROM_PROTO: ReadonlyMap<number, DType> = new Map([
  [pb.Dtype.INT8, "int8"],
  [pb.Dtype.UINT8, "uint8"],
  [pb.Dtype.INT16, "int16"],
  [pb.Dtype.UINT16, "uint16"],
  [pb.Dtype.INT32, "int32"],
  [pb.Dtype.UINT32, "uint32"],
  [pb.Dtype.INT64, "int64"],
  [pb.Dtype.UINT64, "uint64"],
  [pb.Dtype.FLOAT32, "float32"],
  [pb.Dtype.FLOAT64, "float64"],
  [pb.Dtype.BOOL, "bool"],
]);
const DTYPE_TO_PROTO = new Map([...DTYPE_FROM_PROTO].map(([k, v]) => [v, k as pb.Dtype]));

const SOURCE_FROM_PROTO: ReadonlyMap<number, DataSource> = new Map([
  [pb.DataSource.RAW, "raw"],
  [pb.DataSource.CALCULATED, "calculated"],
]);
const SOURCE_TO_PROTO = new Map([...SOURCE_FROM_PROTO].map(([k, v]) => [v, k as pb.DataSource]));

const DIM_FROM_PROTO: ReadonlyMap<number, DataDim> = new Map([
  [pb.DataDim.DATA0D, "Data0D"],
  [pb.DataDim.DATA1D, "Data1D"],
  [pb.DataDim.DATA2D, "Data2D"],
  [pb.DataDim.DATAND, "DataND"],
]);
const DIM_TO_PROTO = new Map([...DIM_FROM_PROTO].map(([k, v]) => [v, k as pb.DataDim]));

const DISTRIBUTION_FROM_PROTO: ReadonlyMap<number, DataDistribution> = new Map([
  [pb.DataDistribution.UNIFORM, "uniform"],
  [pb.DataDistribution.SPREAD, "spread"],
]);
const DISTRIBUTION_TO_PROTO = new Map(
  [...DISTRIBUTION_FROM_PROTO].map(([k, v]) => [v, k as pb.DataDistribution]),
);

/** The dtype a wire enum names; UNSPECIFIED and numbers this version does not know are refused. */
export function dtypeFromProto(value: pb.Dtype, field: string): DType {
  const dtype = DTYPE_FROM_PROTO.get(value);
  if (dtype !== undefined) return dtype;
  if (value === pb.Dtype.UNSPECIFIED) {
    throw invalidData(field, "is unspecified: set it to the dtype of the bytes (DTYPE_FLOAT64 …)");
  }
  throw invalidData(field, `unknown Dtype enum value ${value}: this server knows DTYPE_INT8 … DTYPE_BOOL`);
}

export function dtypeToProto(dtype: DType): pb.Dtype {
  return DTYPE_TO_PROTO.get(dtype) as pb.Dtype;
}

/** A uint64 count or dimension as a number; values a JavaScript number cannot hold exactly are refused. */
export function countFromProto(value: bigint, field: string): number {
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  // a negative int64 written into a uint64 field arrives as 2^64 - |n|
  const hint = value >= 2n ** 63n ? " (a negative number sent as uint64?)" : "";
  throw invalidData(field, `${value} overflows: at most 2^53 - 1 = ${Number.MAX_SAFE_INTEGER}${hint}`);
}

function shapeFromProto(shape: readonly bigint[], field: string): number[] {
  const dims = shape.map((d, i) => countFromProto(d, `${field}[${i}]`));
  if (!Number.isSafeInteger(dims.reduce((n, d) => n * d, 1))) {
    throw invalidData(
      field,
      `[${dims}] has more values than 2^53 - 1: the product of the dimensions overflows`,
    );
  }
  return dims;
}

/**
 * Wraps wire bytes as `dtype` values (a view when aligned). With `size`, the bytes must hold
 * exactly that many values — the product of the shape.
 */
function arrayFromProto(
  bytes: Uint8Array,
  dtype: DType,
  field: string,
  size?: { values: number; shape: readonly number[] },
): NumericArray {
  if (!HOST_IS_LITTLE_ENDIAN) throw bigEndianHost();
  const width = dtypeBytes(dtype);
  if (bytes.byteLength % width !== 0) {
    throw invalidData(
      field,
      `${bytes.byteLength} bytes is not a multiple of ${width}, the size of one ${dtype} value`,
    );
  }
  const values = bytes.byteLength / width;
  if (size && values !== size.values) {
    throw invalidData(
      field,
      `${bytes.byteLength} bytes hold ${values} ${dtype} values but shape [${size.shape}] needs ${size.values} (${size.values * width} bytes)`,
    );
  }
  return arrayFromBytes(dtype, bytes);
}

function bigEndianHost(): SaverError {
  return new SaverError("internal", "h5saver's wire conversion needs a little-endian host");
}

/** The little-endian wire bytes of `array` (a view, no copy). */
export function bytesOf(array: NumericArray): Uint8Array {
  if (!HOST_IS_LITTLE_ENDIAN) throw bigEndianHost();
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function enumFromProto<T>(
  table: ReadonlyMap<number, T>,
  value: number,
  field: string,
  enumName: string,
): T | undefined {
  if (value === 0) return undefined; // UNSPECIFIED: the model's default
  const mapped = table.get(value);
  if (mapped === undefined) throw invalidData(field, `unknown ${enumName} enum value ${value}`);
  return mapped;
}

/** An attribute value from the wire; int64 values must be exact as a number, and one case must be set. */
export function attributeValueFromProto(value: pb.AttributeValue, field: string): AttributeValue {
  const kind = value.kind;
  switch (kind.case) {
    case "stringValue":
    case "doubleValue":
    case "boolValue":
      return kind.value;
    case "intValue":
      if (kind.value < BigInt(Number.MIN_SAFE_INTEGER) || kind.value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw invalidData(field, `${kind.value} overflows: integer attributes must be within ±(2^53 - 1)`);
      }
      return Number(kind.value);
    default:
      throw invalidData(field, "has no value: set one of string_value, int_value, double_value, bool_value");
  }
}

/** Integers (safe ones) travel as int_value, other numbers as double_value. */
export function attributeValueToProto(value: AttributeValue): pb.AttributeValue {
  const kind =
    typeof value === "string"
      ? ({ case: "stringValue", value } as const)
      : typeof value === "boolean"
        ? ({ case: "boolValue", value } as const)
        : Number.isSafeInteger(value)
          ? ({ case: "intValue", value: BigInt(value) } as const)
          : ({ case: "doubleValue", value } as const);
  return create(pb.AttributeValueSchema, { kind });
}

function attributesFromProto(
  attributes: Readonly<Record<string, pb.AttributeValue>>,
  field: string,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    out[key] = attributeValueFromProto(value, `${field}.${key}`);
  }
  return out;
}

function axisInputFromProto(msg: pb.Axis, field: string): AxisInput {
  const common = { label: msg.label, units: msg.units, index: msg.index, spreadOrder: msg.spreadOrder };
  const values = msg.values;
  switch (values.case) {
    case "data": {
      const dtype = dtypeFromProto(values.value.dtype, `${field}.data.dtype`);
      return { ...common, data: arrayFromProto(values.value.data, dtype, `${field}.data`) };
    }
    case "linear": {
      const { offset, scaling, size } = values.value;
      return { ...common, offset, scaling, size: countFromProto(size, `${field}.size`) };
    }
    default:
      throw invalidData(
        field,
        "has no values: set either data (bytes + dtype) or linear (offset, scaling, size)",
      );
  }
}

/** An Axis from the wire, validated by the model (`createAxis`). */
export function axisFromProto(msg: pb.Axis, field = "axis"): Axis {
  return createAxis(axisInputFromProto(msg, field), field);
}

/** Always explicit values (lossless): a linear axis' values are floats that offset/scaling may not reproduce exactly. */
export function axisToProto(axis: Axis): pb.Axis {
  return create(pb.AxisSchema, {
    label: axis.label,
    units: axis.units,
    index: axis.index,
    spreadOrder: axis.spreadOrder,
    values: {
      case: "data",
      value: { dtype: dtypeToProto(dtypeOfArray(axis.data)), data: bytesOf(axis.data) },
    },
  });
}

function dataWithAxesInputFromProto(msg: pb.DataWithAxes, field: string): DataWithAxesInput {
  const dtype = dtypeFromProto(msg.dtype, `${field}.dtype`);
  const shape = msg.shape.length > 0 ? shapeFromProto(msg.shape, `${field}.shape`) : undefined;
  const size = shape ? { values: shape.reduce((n, d) => n * d, 1), shape } : undefined;
  const arrays = (list: readonly Uint8Array[], type: DType, name: string) =>
    list.map((bytes, i) => arrayFromProto(bytes, type, `${field}.${name}[${i}]`, size));

  const source = enumFromProto(SOURCE_FROM_PROTO, msg.source, `${field}.source`, "DataSource");
  const dim = enumFromProto(DIM_FROM_PROTO, msg.dim, `${field}.dim`, "DataDim");
  const distribution = enumFromProto(
    DISTRIBUTION_FROM_PROTO,
    msg.distribution,
    `${field}.distribution`,
    "DataDistribution",
  );
  const errorsDtype =
    msg.errorsDtype === pb.Dtype.UNSPECIFIED
      ? dtype
      : dtypeFromProto(msg.errorsDtype, `${field}.errorsDtype`);

  return {
    name: msg.name,
    dtype,
    data: arrays(msg.data, dtype, "data"),
    ...(shape ? { shape } : {}),
    ...(source ? { source } : {}),
    ...(dim ? { dim } : {}),
    ...(distribution ? { distribution } : {}),
    ...(msg.labels.length > 0 ? { labels: msg.labels } : {}),
    units: msg.units,
    axes: msg.axes.map((axis, i) => axisInputFromProto(axis, `${field}.axes[${i}]`)),
    navIndexes: msg.navIndexes,
    ...(msg.errors.length > 0 ? { errors: arrays(msg.errors, errorsDtype, "errors") } : {}),
    ...(msg.background.length > 0 ? { background: arrays(msg.background, dtype, "background") } : {}),
    origin: msg.origin,
    extraAttributes: attributesFromProto(msg.extraAttributes, `${field}.extraAttributes`),
    ...(msg.timestamp !== undefined ? { timestamp: msg.timestamp } : {}),
  };
}

/** A DataWithAxes from the wire, validated by the model (`createDataWithAxes`). */
export function dataWithAxesFromProto(msg: pb.DataWithAxes, field = "data"): DataWithAxes {
  return createDataWithAxes(dataWithAxesInputFromProto(msg, field), field);
}

export function dataWithAxesToProto(dwa: DataWithAxes): pb.DataWithAxes {
  const errors = dwa.errors ?? [];
  const firstError = errors[0];
  const extraAttributes: Record<string, pb.AttributeValue> = {};
  for (const [key, value] of Object.entries(dwa.extraAttributes)) {
    extraAttributes[key] = attributeValueToProto(value);
  }
  return create(pb.DataWithAxesSchema, {
    name: dwa.name,
    source: SOURCE_TO_PROTO.get(dwa.source) as pb.DataSource,
    dim: DIM_TO_PROTO.get(dwa.dim) as pb.DataDim,
    distribution: DISTRIBUTION_TO_PROTO.get(dwa.distribution) as pb.DataDistribution,
    dtype: dtypeToProto(dwa.dtype),
    shape: dwa.shape.map(BigInt),
    data: dwa.data.map(bytesOf),
    labels: [...dwa.labels],
    units: dwa.units,
    axes: dwa.axes.map(axisToProto),
    navIndexes: [...dwa.navIndexes],
    errors: errors.map(bytesOf),
    errorsDtype: firstError ? dtypeToProto(dtypeOfArray(firstError)) : pb.Dtype.UNSPECIFIED,
    background: (dwa.background ?? []).map(bytesOf),
    origin: dwa.origin,
    extraAttributes,
    timestamp: dwa.timestamp,
  });
}

/**
 * A DataToExport from the wire, validated by the model (`createDataToExport`). A DataWithAxes
 * without a timestamp takes the DataToExport's; one without either gets the time of this call.
 */
export function dataToExportFromProto(msg: pb.DataToExport): DataToExport {
  return createDataToExport({
    name: msg.name,
    ...(msg.timestamp !== undefined ? { timestamp: msg.timestamp } : {}),
    data: msg.data.map((dwa, i) => dataWithAxesInputFromProto(dwa, `data[${i}]`)),
  });
}

/**
 * A block of `frames` frames from the wire (StreamRequest.frames > 1, or one frame with its
 * timestamp in `timestamps`): the first frame is checked
 * as a DataToExport (each DataWithAxes must give its shape), and every array must hold the values
 * of all the frames.
 */
export function frameBlockFromProto(
  msg: pb.DataToExport,
  frames: number,
  timestamps: readonly number[],
): FrameBlock {
  if (!Number.isSafeInteger(frames) || frames < 1 || frames > MAX_BLOCK_FRAMES) {
    throw invalidData("frames", `${frames} frames in one message: send 1 to ${MAX_BLOCK_FRAMES}`);
  }
  const firstBytes = msg.data.map((dwa, d) => {
    if (dwa.shape.length === 0) {
      throw invalidData(`data[${d}].shape`, "is required in a block of frames: give the shape of one frame");
    }
    const dtype = dtypeFromProto(dwa.dtype, `data[${d}].dtype`);
    const frameValues = shapeFromProto(dwa.shape, `data[${d}].shape`).reduce((n, v) => n * v, 1);
    const errorsDtype =
      dwa.errorsDtype === pb.Dtype.UNSPECIFIED
        ? dtype
        : dtypeFromProto(dwa.errorsDtype, `data[${d}].errorsDtype`);
    const split = (list: readonly Uint8Array[], type: DType, name: string) =>
      list.map((bytes, i) => {
        const frameBytes = frameValues * dtypeBytes(type);
        if (bytes.byteLength !== frames * frameBytes) {
          throw invalidData(
            `data[${d}].${name}[${i}]`,
            `${bytes.byteLength} bytes for ${frames} frames of shape [${dwa.shape}] ${type}: send ${frames * frameBytes} (${frameBytes} per frame)`,
          );
        }
        return {
          first: bytes.subarray(0, frameBytes),
          all: arrayFromProto(bytes, type, `data[${d}].${name}[${i}]`),
        };
      });
    return { data: split(dwa.data, dtype, "data"), errors: split(dwa.errors, errorsDtype, "errors") };
  });
  const first = dataToExportFromProto({
    ...msg,
    data: msg.data.map((dwa, d) => ({
      ...dwa,
      data: (firstBytes[d]?.data ?? []).map((a) => a.first),
      errors: (firstBytes[d]?.errors ?? []).map((a) => a.first),
      background: [],
    })),
  });
  const arrays = firstBytes.map(({ data, errors }) => [...data, ...errors].map((a) => a.all));
  return createFrameBlock(first, frames, arrays, timestamps);
}

export function dataToExportToProto(dte: DataToExport): pb.DataToExport {
  return create(pb.DataToExportSchema, {
    name: dte.name,
    timestamp: dte.timestamp,
    data: dte.data.map(dataWithAxesToProto),
  });
}
