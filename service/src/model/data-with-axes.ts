import { invalidData } from "../errors.ts";
import { type Axis, type AxisInput, createAxis } from "./axis.ts";
import {
  arrayMatchesDType,
  type DType,
  dtypeOfArray,
  isNumericArray,
  type NumericArray,
  product,
} from "./dtype.ts";
import { checkText, MAX_ATTRIBUTE_TEXT_LENGTH, zeroPad } from "./text.ts";

export const DATA_DIMS = ["Data0D", "Data1D", "Data2D", "DataND"] as const;
export type DataDim = (typeof DATA_DIMS)[number];
export type DataSource = "raw" | "calculated";
export type DataDistribution = "uniform" | "spread";
export type AttributeValue = string | number | boolean;

/**
 * The node attributes PyMoDAQ's loader consumes itself (pymodaq_data `DataSaverLoader.load_data`);
 * every other attribute of a data node becomes an extra attribute of the loaded DataWithAxes.
 */
export const PYMODAQ_NODE_ATTRIBUTES: readonly string[] = [
  "TITLE",
  "CLASS",
  "VERSION",
  "EXTDIM",
  "backend",
  "source",
  "data_dimension",
  "distribution",
  "label",
  "origin",
  "nav_indexes",
  "dtype",
  "data_type",
  "subdtype",
  "shape",
  "size",
  "path",
  "timestamp",
  "units",
];

/**
 * Names an extra attribute cannot take: the loader would consume it, or pass it to the
 * DataWithAxes constructor as another argument.
 */
const RESERVED_ATTRIBUTE_NAMES = new Set([
  ...PYMODAQ_NODE_ATTRIBUTES,
  "name",
  "data",
  "axes",
  "dim",
  "labels",
  "errors",
  "nav_axes",
]);

/**
 * PyMoDAQ's `DataWithAxes`: one or more arrays of the same shape and dtype (the channels), with
 * their labels, units, axes and navigation indexes. `shape` is the full shape of every array;
 * the dimensions listed in `navIndexes` are navigation, the others the signal.
 */
export interface DataWithAxes {
  readonly name: string;
  readonly source: DataSource;
  readonly dim: DataDim;
  readonly distribution: DataDistribution;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: readonly NumericArray[];
  readonly labels: readonly string[];
  readonly units: string;
  readonly axes: readonly Axis[];
  readonly navIndexes: readonly number[];
  readonly errors?: readonly NumericArray[];
  readonly background?: readonly NumericArray[];
  readonly origin: string;
  readonly extraAttributes: Readonly<Record<string, AttributeValue>>;
  /** Seconds since the epoch, as Python's `time.time()`. */
  readonly timestamp: number;
}

export interface DataWithAxesInput {
  readonly name: string;
  readonly data: readonly NumericArray[];
  /** Defaults to the length of the arrays (1-D) — give it for 2-D and N-D data. */
  readonly shape?: readonly number[];
  /** Needed only for bool data (held in Uint8Array); otherwise taken from the arrays. */
  readonly dtype?: DType;
  readonly source?: DataSource;
  /** Inferred from the shape and navIndexes when absent. */
  readonly dim?: DataDim;
  readonly distribution?: DataDistribution;
  readonly labels?: readonly string[];
  readonly units?: string;
  readonly axes?: readonly (Axis | AxisInput)[];
  readonly navIndexes?: readonly number[];
  readonly errors?: readonly NumericArray[];
  readonly background?: readonly NumericArray[];
  readonly origin?: string;
  readonly extraAttributes?: Readonly<Record<string, AttributeValue>>;
  readonly timestamp?: number;
}

/** The dimensionality PyMoDAQ infers (`DataWithAxes._check_shape_dim_consistency`). */
export function inferDim(shape: readonly number[], navIndexes: readonly number[]): DataDim {
  if (navIndexes.length > 0) return "DataND";
  if (shape.length === 1 && shape[0] === 1) return "Data0D";
  if (shape.length === 1) return "Data1D";
  if (shape.length === 2) return "Data2D";
  return "DataND";
}

export function signalShape(dwa: Pick<DataWithAxes, "shape" | "navIndexes">): number[] {
  return dwa.shape.filter((_, i) => !dwa.navIndexes.includes(i));
}

export function createDataWithAxes(input: DataWithAxesInput, field = "data"): DataWithAxes {
  const name = checkName(input.name, `${field}.name`);
  if (input.data.length === 0) {
    throw invalidData(`${field}.data`, "needs at least one array (one per channel)");
  }
  const checkNumeric = (arrays: readonly unknown[] | undefined, name: string) =>
    arrays?.forEach((array, i) => {
      if (!isNumericArray(array)) {
        throw invalidData(
          `${field}.${name}[${i}]`,
          "must be a numeric typed array (Float64Array, Int32Array, Uint16Array …)",
        );
      }
    });
  checkNumeric(input.data, "data");
  checkNumeric(input.errors, "errors");
  checkNumeric(input.background, "background");
  const first = input.data[0] as NumericArray;
  const dtype = input.dtype ?? dtypeOfArray(first);
  const shape = [...(input.shape ?? [first.length])];
  checkShape(shape, `${field}.shape`);
  const size = product(shape);
  checkArrays(input.data, dtype, size, shape, `${field}.data`);
  if (input.errors) checkArrays(input.errors, undefined, size, shape, `${field}.errors`, input.data.length);
  if (input.background) {
    checkArrays(input.background, dtype, size, shape, `${field}.background`, input.data.length);
  }

  const navIndexes = [...(input.navIndexes ?? [])];
  navIndexes.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index >= shape.length) {
      throw invalidData(`${field}.navIndexes[${i}]`, `${index} is not a dimension of shape [${shape}]`);
    }
  });
  if (new Set(navIndexes).size !== navIndexes.length) {
    throw invalidData(`${field}.navIndexes`, "lists a dimension twice");
  }

  const inferred = inferDim(shape, navIndexes);
  const dim = input.dim ?? inferred;
  if (dim !== inferred && !(dim === "DataND" && navIndexes.length === 0)) {
    throw invalidData(
      `${field}.dim`,
      `${dim} does not fit shape [${shape}] with navIndexes [${navIndexes}]: this is ${inferred}`,
    );
  }

  const labels = input.labels ? [...input.labels] : input.data.map((_, i) => `CH${zeroPad(i, 2)}`);
  for (const [i, label] of labels.entries()) checkText(label, `${field}.labels[${i}]`);
  if (labels.length !== input.data.length) {
    throw invalidData(
      `${field}.labels`,
      `${labels.length} labels for ${input.data.length} arrays: give one label per array`,
    );
  }

  const axes = (input.axes ?? []).map((axis, i) => {
    const a = createAxis(axis, `${field}.axes[${i}]`);
    const extent = shape[a.index];
    if (extent === undefined) {
      throw invalidData(`${field}.axes[${i}].index`, `${a.index} is not a dimension of shape [${shape}]`);
    }
    if (a.data.length !== extent) {
      throw invalidData(
        `${field}.axes[${i}]`,
        `axis '${a.label}' has ${a.data.length} values but dimension ${a.index} has ${extent}`,
      );
    }
    return a;
  });

  const extraAttributes = { ...(input.extraAttributes ?? {}) };
  for (const [key, value] of Object.entries(extraAttributes)) {
    if (key.length === 0 || key.length > 255) {
      throw invalidData(
        `${field}.extraAttributes`,
        `attribute names must have 1 to 255 characters, got '${key.slice(0, 40)}'`,
      );
    }
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw invalidData(
        `${field}.extraAttributes.${key}`,
        `must be a string, a finite number or a boolean, got ${typeof value}`,
      );
    }
    if (typeof value === "string" && value.length > MAX_ATTRIBUTE_TEXT_LENGTH) {
      throw invalidData(
        `${field}.extraAttributes.${key}`,
        `has ${value.length} characters; at most ${MAX_ATTRIBUTE_TEXT_LENGTH}`,
      );
    }
    if (RESERVED_ATTRIBUTE_NAMES.has(key)) {
      throw invalidData(`${field}.extraAttributes.${key}`, "is a name PyMoDAQ reserves: rename it");
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw invalidData(
        `${field}.extraAttributes.${key}`,
        "must be finite (PyMoDAQ cannot read NaN/Inf attributes)",
      );
    }
  }
  const timestamp = input.timestamp ?? Date.now() / 1000;
  if (!Number.isFinite(timestamp))
    throw invalidData(`${field}.timestamp`, "must be a finite number of seconds");

  const result: DataWithAxes = {
    name,
    source: input.source ?? "raw",
    dim,
    distribution: input.distribution ?? "uniform",
    dtype,
    shape,
    data: input.data,
    labels,
    units: checkText(input.units ?? "", `${field}.units`),
    axes,
    navIndexes,
    origin: checkText(input.origin ?? "", `${field}.origin`),
    extraAttributes,
    timestamp,
    ...(input.errors ? { errors: input.errors } : {}),
    ...(input.background ? { background: input.background } : {}),
  };
  return result;
}

export function checkName(name: string, field: string): string {
  if (typeof name !== "string" || name.length === 0) throw invalidData(field, "must be a non-empty string");
  return checkText(name, field);
}

/** HDF5's limit on the rank of a dataspace (H5S_MAX_RANK). */
export const MAX_DIMENSIONS = 32;

function checkShape(shape: number[], field: string): void {
  if (shape.length === 0) throw invalidData(field, "must have at least one dimension ([1] for 0D data)");
  if (shape.length > MAX_DIMENSIONS) {
    throw invalidData(field, `has ${shape.length} dimensions; HDF5 stores at most ${MAX_DIMENSIONS}`);
  }
  shape.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || d < 1) {
      throw invalidData(`${field}[${i}]`, `dimensions must be integers >= 1, got ${d}`);
    }
  });
}

function checkArrays(
  arrays: readonly NumericArray[],
  dtype: DType | undefined,
  size: number,
  shape: readonly number[],
  field: string,
  expectedCount?: number,
): void {
  if (expectedCount !== undefined && arrays.length !== expectedCount) {
    throw invalidData(field, `${arrays.length} arrays for ${expectedCount} channels: give one per channel`);
  }
  arrays.forEach((array, i) => {
    if (dtype && !arrayMatchesDType(array, dtype)) {
      throw invalidData(
        `${field}[${i}]`,
        `holds ${dtypeOfArray(array)} but the data is ${dtype}: every channel must have the same dtype`,
      );
    }
    if (array.length !== size) {
      throw invalidData(`${field}[${i}]`, `has ${array.length} values but shape [${shape}] needs ${size}`);
    }
  });
}
