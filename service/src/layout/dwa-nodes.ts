import type { Compression } from "../backend/h5-backend.ts";
import { type Axis, linearParameters } from "../model/axis.ts";
import type { DataWithAxes } from "../model/data-with-axes.ts";
import { dtypeOfArray } from "../model/dtype.ts";
import { py, pyScalar } from "./pymodaq-attribute.ts";
import type { ArrayOptions, PyMoDAQTree } from "./pymodaq-tree.ts";
import type { PyValue } from "./python-literal.ts";

/**
 * The attributes PyMoDAQ's DataSaverLoader puts on each data node of a DataWithAxes
 * (pymodaq_data `data_saving.py`, `add_data`), for array `index` of `dwa`.
 */
export function dataAttributes(
  dwa: DataWithAxes,
  index: number,
  overrides: { navIndexes?: readonly number[]; distribution?: string; source?: string } = {},
): Record<string, PyValue> {
  const attributes: Record<string, PyValue> = {
    timestamp: py.float(dwa.timestamp),
    label: py.str(dwa.labels[index] ?? ""),
    source: py.str(overrides.source ?? dwa.source),
    distribution: py.str(overrides.distribution ?? dwa.distribution),
    origin: py.str(dwa.origin),
    nav_indexes: py.intTuple(overrides.navIndexes ?? dwa.navIndexes),
    data_dimension: py.str(dwa.dim),
    // pymodaq_data 5.3's enlargeable and extended savers drop units and extra attributes; h5saver
    // keeps them in every mode (its loader reads them when present), so no mode loses them.
    units: py.str(dwa.units),
  };
  for (const [key, value] of Object.entries(dwa.extraAttributes)) attributes[key] = pyScalar(value);

  return attributes;
}

/** PyMoDAQ's AxisSaverLoader.add_axis attributes; `indexShift` moves the axis past extra leading dims. */
export function axisOptions(axis: Axis, indexShift: number, compression: Compression): ArrayOptions {
  const linear = linearParameters(axis);
  return {
    kind: "axis",
    dtype: dtypeOfArray(axis.data),
    title: axis.label,
    compression,
    attributes: {
      data_dimension: py.str("Data1D"),
      size: py.int(axis.data.length),
      label: py.str(axis.label),
      units: py.str(axis.units),
      index: py.int(axis.index + indexShift),
      offset: py.float64(linear?.offset ?? 0),
      scaling: py.float64(linear?.scaling ?? 1),
      distribution: py.str(linear ? "uniform" : "spread"),
      spread_order: py.int(axis.spreadOrder),
    },
  };
}

export async function addAxes(
  tree: PyMoDAQTree,
  where: string,
  axes: readonly Axis[],
  indexShift: number,
  compression: Compression,
): Promise<void> {
  for (const [i, axis] of axes.entries()) {
    await tree.addCArray(where, i, axis.data, [axis.data.length], axisOptions(axis, indexShift, compression));
  }
}

/** Error bars are saved as PyMoDAQ's `errors_as_dwa()`: a calculated DataWithAxes `<name>_errors`. */
export const errorTitle = (dwa: DataWithAxes): string => `${dwa.name}_errors`;

/**
 * A snapshot of one DataWithAxes under a data-dimension group (DAQ_Viewer's save): a `CHnn`
 * group with Data00…, ErrorBar00…, Bkg00… CARRAYs and its axes.
 */
export async function addSnapshotChannel(
  tree: PyMoDAQTree,
  dimGroup: string,
  dwa: DataWithAxes,
  compression: Compression,
): Promise<string> {
  const channel = await tree.addChannelGroup(dimGroup, dwa.name, dwa.origin);
  await writeSnapshotArrays(tree, channel, dwa, compression);
  return channel;
}

/** The CARRAYs and axes of one DataWithAxes, in an existing channel group. */
export async function writeSnapshotArrays(
  tree: PyMoDAQTree,
  channel: string,
  dwa: DataWithAxes,
  compression: Compression,
): Promise<void> {
  const arrays: ["data" | "error" | "bkg", readonly DataWithAxes["data"][number][] | undefined][] = [
    ["data", dwa.data],
    ["error", dwa.errors],
    ["bkg", dwa.background],
  ];
  for (const [kind, list] of arrays) {
    for (const [i, array] of (list ?? []).entries()) {
      await tree.addCArray(channel, i, array, dwa.shape, {
        kind,
        dtype: kind === "error" ? dtypeOfArray(array) : dwa.dtype,
        title: kind === "error" ? errorTitle(dwa) : dwa.name,
        compression,
        attributes: dataAttributes(dwa, i, kind === "error" ? { source: "calculated" } : {}),
      });
    }
  }
  await addAxes(tree, channel, dwa.axes, 0, compression);
}

export interface EnlargeableArray {
  readonly path: string;
  readonly dtype: DataWithAxes["dtype"];
  readonly chunkRows: number;
  /** Chunks one row is cut into (1: a chunk holds whole rows). */
  readonly rowChunks: number;
}

/**
 * The EARRAYs of a DataWithAxes that grows by one row per frame (continuous saving,
 * `DataEnlargeableSaver`): `EnlData00…` and `ErrorBar00…` of shape `(0, ...frame shape)`, and
 * its axes with their index shifted past the row dimension. Returned data first, then errors.
 * `chunkBytesAtMost` may cap an array's chunk size by the bytes of its rows (ArrayOptions).
 */
export async function addEnlargeableArrays(
  tree: PyMoDAQTree,
  channel: string,
  dwa: DataWithAxes,
  compression: Compression,
  chunkBytesAtMost?: ArrayOptions["chunkBytesAtMost"],
): Promise<EnlargeableArray[]> {
  const navIndexes = [0, ...dwa.navIndexes.map((n) => n + 1)];
  const arrays: EnlargeableArray[] = [];
  for (const i of dwa.data.keys()) {
    const { path, chunkRows, rowChunks } = await tree.addEArray(channel, i, dwa.shape, {
      kind: "data_enlargeable",
      dtype: dwa.dtype,
      title: dwa.name,
      compression,
      attributes: dataAttributes(dwa, i, { navIndexes, distribution: "spread" }),
      chunkBytesAtMost,
    });
    arrays.push({ path, dtype: dwa.dtype, chunkRows, rowChunks });
  }
  for (const [i, errors] of (dwa.errors ?? []).entries()) {
    const dtype = dtypeOfArray(errors);
    const { path, chunkRows, rowChunks } = await tree.addEArray(channel, i, dwa.shape, {
      kind: "error",
      dtype,
      title: errorTitle(dwa),
      compression,
      attributes: dataAttributes(dwa, i, { navIndexes, distribution: "spread", source: "calculated" }),
      chunkBytesAtMost,
    });
    arrays.push({ path, dtype, chunkRows, rowChunks });
  }
  await addAxes(tree, channel, dwa.axes, 1, compression);
  return arrays;
}
