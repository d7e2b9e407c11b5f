import { invalidData } from "../errors.ts";
import { isNumericArray, type NumericArray } from "./dtype.ts";
import { checkText } from "./text.ts";

/** 2^24 points (128 MiB of float64): longer than any detector or scan dimension in practice. */
export const MAX_LINEAR_AXIS_SIZE = 2 ** 24;

/**
 * One axis of a DataWithAxes, as PyMoDAQ's `Axis`: either explicit values (`data`) or a linear
 * axis given by `offset + scaling * i` for `size` points. `index` is the data dimension it spans;
 * `spreadOrder` orders several axes on one dimension of spread data.
 */
export interface Axis {
  readonly label: string;
  readonly units: string;
  readonly data: NumericArray;
  readonly index: number;
  readonly spreadOrder: number;
}

export interface LinearAxisInput {
  readonly label?: string;
  readonly units?: string;
  readonly offset: number;
  readonly scaling: number;
  readonly size: number;
  readonly index?: number;
  readonly spreadOrder?: number;
}

export interface ExplicitAxisInput {
  readonly label?: string;
  readonly units?: string;
  readonly data: NumericArray | readonly number[];
  readonly index?: number;
  readonly spreadOrder?: number;
}

export type AxisInput = LinearAxisInput | ExplicitAxisInput;

export function createAxis(input: AxisInput, field = "axis"): Axis {
  const index = input.index ?? 0;
  const spreadOrder = input.spreadOrder ?? 0;
  if (!Number.isInteger(index) || index < 0) {
    throw invalidData(`${field}.index`, `must be a data dimension (integer >= 0), got ${index}`);
  }
  if (!Number.isInteger(spreadOrder) || spreadOrder < 0) {
    throw invalidData(`${field}.spreadOrder`, `must be an integer >= 0, got ${spreadOrder}`);
  }
  let data: NumericArray;
  if ("data" in input) {
    if (Array.isArray(input.data)) data = Float64Array.from(input.data);
    else if (isNumericArray(input.data)) data = input.data;
    else throw invalidData(`${field}.data`, "must be numbers or a numeric typed array (Float64Array …)");
  } else {
    const { offset, scaling, size } = input;
    if (!Number.isInteger(size) || size < 1) {
      throw invalidData(`${field}.size`, `a linear axis needs size >= 1, got ${size}`);
    }
    if (size > MAX_LINEAR_AXIS_SIZE) {
      // checked before the values are made: a huge size would otherwise allocate gigabytes
      throw invalidData(
        `${field}.size`,
        `${size} points is more than a linear axis may have (${MAX_LINEAR_AXIS_SIZE})`,
      );
    }
    if (!Number.isFinite(offset) || !Number.isFinite(scaling)) {
      throw invalidData(`${field}`, "offset and scaling must be finite numbers");
    }
    data = Float64Array.from({ length: size }, (_, i) => offset + scaling * i);
  }
  if (data.length === 0) throw invalidData(`${field}.data`, "an axis needs at least one value");
  return {
    label: checkText(input.label ?? "", `${field}.label`),
    units: checkText(input.units ?? "", `${field}.units`),
    data,
    index,
    spreadOrder,
  };
}

/** Offset and scaling when the values are evenly spaced (PyMoDAQ's `is_axis_linear`), else undefined. */
export function linearParameters(axis: Axis): { offset: number; scaling: number } | undefined {
  const values = axis.data;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return undefined;
  const n = values.length;
  const first = values[0] ?? 0;
  if (n === 1) return { offset: first, scaling: 1 };
  const scaling = ((values[n - 1] ?? 0) - first) / (n - 1);
  const tolerance = Math.abs(scaling) * 1e-6 + Number.EPSILON;
  for (let i = 0; i < n; i++) {
    if (Math.abs((values[i] ?? 0) - (first + scaling * i)) > tolerance) return undefined;
  }
  return scaling === 0 ? undefined : { offset: first, scaling };
}
