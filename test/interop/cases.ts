import { readFileSync } from "node:fs";
import {
  allocate,
  type DataToExportInput,
  type DataWithAxesInput,
  type DType,
} from "../../service/src/index.ts";

/** The shared interop inputs (cases.json), as h5saver's domain inputs. */
export interface AxisCase {
  label: string;
  units: string;
  index: number;
  spread_order: number;
  data: number[];
}
export interface DwaCase {
  name: string;
  source: "raw" | "calculated";
  dim: "Data0D" | "Data1D" | "Data2D" | "DataND";
  distribution: "uniform" | "spread";
  units: string;
  origin: string;
  labels: string[];
  dtype: DType;
  shape: number[];
  arrays: number[][];
  errors: number[][] | null;
  axes: AxisCase[];
  nav_indexes: number[];
  extra_attributes: Record<string, string | number | boolean>;
}
export interface Cases {
  detector: { title: string; settings_xml: string };
  dte: { name: string; timestamp: number; data: DwaCase[] };
  continuous: { frames: number; dt: number };
  scan: { title: string; settings_xml: string; shape: number[]; nav_axes: AxisCase[] };
  log_lines: string[];
}

export function readCases(file: string): Cases {
  return JSON.parse(readFileSync(file, "utf8")) as Cases;
}

function typed(dtype: DType, values: readonly number[]) {
  const array = allocate(dtype, values.length);
  values.forEach((v, i) => {
    (array as unknown as (number | bigint)[])[i] =
      dtype === "int64" || dtype === "uint64" ? BigInt(Math.round(v)) : v;
  });
  return array;
}

/** Frame k (or scan point k) of the case: every array scaled by k + 1, timestamp shifted by k·dt. */
export function frame(cases: Cases, k: number): DataToExportInput {
  return {
    name: cases.dte.name,
    timestamp: cases.dte.timestamp + k * cases.continuous.dt,
    data: cases.dte.data.map(
      (d): DataWithAxesInput => ({
        name: d.name,
        source: d.source,
        dim: d.dim,
        distribution: d.distribution,
        units: d.units,
        origin: d.origin,
        labels: d.labels,
        dtype: d.dtype,
        shape: d.shape,
        data: d.arrays.map((a) =>
          typed(
            d.dtype,
            a.map((v) => v * (k + 1)),
          ),
        ),
        ...(d.errors ? { errors: d.errors.map((e) => Float64Array.from(e)) } : {}),
        axes: d.axes.map((a) => ({
          label: a.label,
          units: a.units,
          index: a.index,
          spreadOrder: a.spread_order,
          data: Float64Array.from(a.data),
        })),
        navIndexes: d.nav_indexes,
        extraAttributes: d.extra_attributes,
        timestamp: cases.dte.timestamp + k * cases.continuous.dt,
      }),
    ),
  };
}
