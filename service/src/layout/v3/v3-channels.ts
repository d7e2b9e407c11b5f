import type { Compression } from "../../backend/h5-backend.ts";
import { SaverError } from "../../errors.ts";
import type { Axis } from "../../model/axis.ts";
import type { DataToExport } from "../../model/data-to-export.ts";
import type { DataWithAxes } from "../../model/data-with-axes.ts";
import { type DType, dtypeOfArray, type NumericArray } from "../../model/dtype.ts";
import { zeroPad } from "../../model/text.ts";
import { py, pyScalar } from "../pymodaq-attribute.ts";
import type { PyMoDAQTree } from "../pymodaq-tree.ts";
import type { PyValue } from "../python-literal.ts";
import { addCArrayV3, addIncrementalGroupV3, castArray, getSetDataGroupV3 } from "./v3-tree.ts";

/** PyMoDAQ 3's `data_dimensions`, as `utils.get_data_dimension` names a frame. */
export type DataDimensionV3 = "0D" | "1D" | "2D";

/**
 * One PyMoDAQ 3 channel: 3.x saves every array of a detector's data in its own `ChNNN` group
 * (DAQ_Viewer's `process_data` splits a DataFromPlugins into `<name>_CH000`, `<name>_CH001` …),
 * one `Data` node per channel with its `X_axis` / `Y_axis` beside it.
 */
export interface ChannelV3 {
  /** TITLE of the `ChNNN` group: the array's label, else `<name>_CH<nnn>` as DAQ_Viewer 3 names it. */
  readonly title: string;
  readonly dataDimension: DataDimensionV3;
  /** The frame's shape as 3.x stores one frame: `[]` for 0D in scans and EARRAY rows. */
  readonly frameShape: readonly number[];
  readonly axes: readonly { readonly name: "X_axis" | "Y_axis"; readonly axis: Axis }[];
  /** Keys of PyMoDAQ 3's data dict that `add_data` stores as attributes of `Data`. */
  readonly metadata: Readonly<Record<string, PyValue>>;
}

/**
 * The channels of a DataWithAxes in the 3.x layout, or the SaverError saying why it has no 3.x
 * form: error bars (3.x has no node for them), navigation dimensions (DataND) and several axes
 * on one dimension (3.x has one X_axis and one Y_axis).
 */
export function channelsOfV3(dwa: DataWithAxes, field: string): ChannelV3[] {
  if (dwa.errors && dwa.errors.length > 0) {
    throw new SaverError(
      "invalid_data",
      `${field} '${dwa.name}' has error bars, and the pymodaq3 layout has no node for them: send it without errors, or use the pymodaq4 layout`,
      { field: `${field}.errors` },
    );
  }
  if (dwa.dim === "DataND" || dwa.navIndexes.length > 0 || dwa.shape.length > 2) {
    throw new SaverError(
      "invalid_data",
      `${field} '${dwa.name}' is ${dwa.dim} of shape [${dwa.shape}]; the pymodaq3 layout writes Data0D, Data1D and Data2D only: save N-D data per frame (continuous saving or a scan), or use the pymodaq4 layout`,
      { field: `${field}.dim` },
    );
  }
  const axisNames: Record<number, "X_axis" | "Y_axis"> =
    dwa.shape.length === 2 ? { 0: "Y_axis", 1: "X_axis" } : { 0: "X_axis" };
  const axes: { name: "X_axis" | "Y_axis"; axis: Axis }[] = [];
  for (const [k, axis] of dwa.axes.entries()) {
    const name = axisNames[axis.index];
    if (!name || axes.some((a) => a.name === name)) {
      throw new SaverError(
        "invalid_data",
        `${field}.axes[${k}] '${axis.label}' is a second axis of dimension ${axis.index}; the pymodaq3 layout has one X_axis and one Y_axis: keep one axis per dimension, or use the pymodaq4 layout`,
        { field: `${field}.axes[${k}]` },
      );
    }
    axes.push({ name, axis });
  }
  const dataDimension = dataDimensionV3(dwa.shape);
  const frameShape = dataDimension === "0D" ? [] : [...dwa.shape];
  return dwa.data.map((_, i) => ({
    title: dwa.labels[i] || `${dwa.name}_CH${zeroPad(i, 3)}`,
    dataDimension,
    frameShape,
    axes,
    metadata: {
      name: py.str(dwa.name),
      source: py.str(dwa.source),
      distribution: py.str(dwa.distribution),
      dim: py.str(dwa.dim),
      label: py.str(dwa.labels[i] ?? ""),
      units: py.str(dwa.units),
      ...Object.fromEntries(Object.entries(dwa.extraAttributes).map(([k, v]) => [k, pyScalar(v)])),
    },
  }));
}

/** `utils.get_data_dimension`: a 1-element 1-D frame is 0D, 2-D is 2D. */
export function dataDimensionV3(shape: readonly number[]): DataDimensionV3 {
  if (shape.length === 2) return "2D";
  return shape.length === 1 && shape[0] === 1 ? "0D" : "1D";
}

/** Every DataWithAxes of `dte` has a 3.x form (checked before any node is made). */
export function channelsOfDte(dte: DataToExport): ChannelV3[][] {
  return dte.data.map((dwa, d) => channelsOfV3(dwa, `data[${d}]`));
}

/** `X_axis` / `Y_axis` CARRAYs: type 'axis', data_dimension '1D', the axis' own dtype, label and units. */
export async function addAxesV3(
  tree: PyMoDAQTree,
  channel: string,
  chan: ChannelV3,
  compression: Compression,
): Promise<void> {
  for (const { name, axis } of chan.axes) {
    await addCArrayV3(
      tree,
      channel,
      {
        name,
        type: "axis",
        dtype: dtypeOfArray(axis.data),
        dataDimension: "1D",
        metadata: { label: py.str(axis.label), units: py.str(axis.units) },
      },
      [axis.data.length],
      axis.data,
      compression,
    );
  }
}

/** `Bkg` CARRAY (type 'bkg'), kept in its own dtype as `add_data` does. */
export async function addBackgroundV3(
  tree: PyMoDAQTree,
  channel: string,
  chan: ChannelV3,
  background: NumericArray,
  shape: readonly number[],
  compression: Compression,
): Promise<void> {
  await addCArrayV3(
    tree,
    channel,
    { name: "Bkg", type: "bkg", dtype: dtypeOfArray(background), dataDimension: chan.dataDimension },
    shape,
    background,
    compression,
  );
}

export interface WriteOptionsV3 {
  /** PyMoDAQ 3's "Saving dynamic": the dtype every `Data` node is cast to. */
  readonly dtype: DType;
  readonly compression: Compression;
}

/**
 * DAQ_Viewer 3's snapshot (`save_datas`): per DataWithAxes its `DataND` group in the detector,
 * per array a `ChNNN` group with `Data` (cast to the saving dtype, scan_type ''), its axes and
 * background. Returns the channel groups.
 */
export async function saveSnapshotV3(
  tree: PyMoDAQTree,
  detector: string,
  dte: DataToExport,
  options: WriteOptionsV3,
): Promise<string[]> {
  const all = channelsOfDte(dte);
  const paths: string[] = [];
  for (const [d, dwa] of dte.data.entries()) {
    const dimGroup = await getSetDataGroupV3(tree, detector, dwa.dim);
    for (const [i, chan] of (all[d] ?? []).entries()) {
      const channel = await addIncrementalGroupV3(tree, "ch", dimGroup, chan.title, undefined);
      await writeChannelV3(tree, channel, dwa, i, chan, options);
      paths.push(channel);
    }
  }
  return paths;
}

/** `add_data(channel, data_dict, scan_type='')` for array `i` of `dwa`, into an existing channel group. */
export async function writeChannelV3(
  tree: PyMoDAQTree,
  channel: string,
  dwa: DataWithAxes,
  i: number,
  chan: ChannelV3,
  options: WriteOptionsV3,
): Promise<string> {
  await addAxesV3(tree, channel, chan, options.compression);
  const background = dwa.background?.[i];
  if (background) await addBackgroundV3(tree, channel, chan, background, dwa.shape, options.compression);
  return addCArrayV3(
    tree,
    channel,
    {
      name: "Data",
      type: "data",
      dtype: options.dtype,
      dataDimension: chan.dataDimension,
      metadata: chan.metadata,
    },
    dwa.shape,
    castArray(dwa.data[i] as NumericArray, options.dtype),
    options.compression,
  );
}
