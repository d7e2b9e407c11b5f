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
export type DataDimensionV3 = "0D" | "1D" | "2D" | "ND";

/** The axis nodes of a 3.x channel. */
export type AxisNameV3 = "X_axis" | "Y_axis" | "Nav_x_axis" | "Nav_y_axis";

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
  readonly axes: readonly { readonly name: AxisNameV3; readonly axis: Axis }[];
  /** Keys of PyMoDAQ 3's data dict that `add_data` stores as attributes of `Data`. */
  readonly metadata: Readonly<Record<string, PyValue>>;
}

/**
 * The channels of a DataWithAxes in the 3.x layout, or the SaverError saying why it has no 3.x
 * form: error bars (3.x has no node for them), several axes on one dimension (3.x has one of
 * each name), and N-D data other than a snapshot of 3 or 4 dimensions whose one or two leading
 * ones are navigation (PyMoDAQ 3 calls only arrays of more than 2 dimensions 'ND'). N-D data is `data_dimension` 'ND' with `Nav_y_axis` on
 * dimension 0 and `Nav_x_axis` on dimension 1, as PyMoDAQ 3's reader assigns them.
 */
export function channelsOfV3(
  dwa: DataWithAxes,
  field: string,
  options: { navigation?: boolean } = {},
): ChannelV3[] {
  if (dwa.errors && dwa.errors.length > 0) {
    throw new SaverError(
      "invalid_data",
      `${field} '${dwa.name}' has error bars, and the pymodaq3 layout has no node for them: send it without errors, or use the pymodaq4 layout`,
      { field: `${field}.errors` },
    );
  }
  const nav = dwa.navIndexes.length;
  const signal = dwa.shape.length - nav;
  const nd = dwa.dim === "DataND" || nav > 0 || dwa.shape.length > 2;
  if (nd) {
    const leading = dwa.navIndexes.every((n, k) => n === k);
    if (!options.navigation) {
      throw new SaverError(
        "invalid_data",
        `${field} '${dwa.name}' is ${dwa.dim} of shape [${dwa.shape}]; in the pymodaq3 layout N-D data is saved as a snapshot only (3.x scans and streams add their own navigation): send one signal per frame, or use the pymodaq4 layout`,
        { field: `${field}.dim` },
      );
    }
    if (dwa.shape.length === 2 && nav === 1) {
      throw new SaverError(
        "invalid_data",
        `${field} '${dwa.name}' has shape [${dwa.shape}] with one navigation dimension: PyMoDAQ 3 reads 2-D arrays as images only, so send it as Data2D (navIndexes [], its navigation axis as the row axis), or use the pymodaq4 layout`,
        { field: `${field}.navIndexes` },
      );
    }
    if (nav < 1 || nav > 2 || signal < 1 || signal > 2 || !leading) {
      throw new SaverError(
        "invalid_data",
        `${field} '${dwa.name}' has shape [${dwa.shape}] with navigation indexes [${dwa.navIndexes}]; the pymodaq3 layout holds N-D data with 1 or 2 leading navigation dimensions (Nav_y_axis, Nav_x_axis) and 1 or 2 signal dimensions (Y_axis, X_axis): reshape it, or use the pymodaq4 layout`,
        { field: `${field}.navIndexes` },
      );
    }
  }
  const axisNames: Record<number, AxisNameV3> = {};
  if (nav >= 1) axisNames[0] = "Nav_y_axis";
  if (nav === 2) axisNames[1] = "Nav_x_axis";
  if (signal === 2) axisNames[nav] = "Y_axis";
  axisNames[dwa.shape.length - 1] = "X_axis";
  const axes: { name: AxisNameV3; axis: Axis }[] = [];
  for (const [k, axis] of dwa.axes.entries()) {
    const name = axisNames[axis.index];
    if (!name || axes.some((a) => a.name === name)) {
      throw new SaverError(
        "invalid_data",
        `${field}.axes[${k}] '${axis.label}' is a second axis of dimension ${axis.index}; the pymodaq3 layout has one axis per dimension (X_axis, Y_axis, Nav_x_axis, Nav_y_axis): keep one, or use the pymodaq4 layout`,
        { field: `${field}.axes[${k}]` },
      );
    }
    axes.push({ name, axis });
  }
  const dataDimension = nd ? "ND" : dataDimensionV3(dwa.shape);
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
export function dataDimensionV3(shape: readonly number[]): Exclude<DataDimensionV3, "ND"> {
  if (shape.length === 2) return "2D";
  return shape.length === 1 && shape[0] === 1 ? "0D" : "1D";
}

/** Every DataWithAxes of `dte` has a 3.x form (checked before any node is made). */
export function channelsOfDte(dte: DataToExport, options: { navigation?: boolean } = {}): ChannelV3[][] {
  return dte.data.map((dwa, d) => channelsOfV3(dwa, `data[${d}]`, options));
}

/** `X_axis` / `Y_axis` / `Nav_*_axis` CARRAYs: type 'axis', data_dimension '1D', the axis' own dtype, label and units. */
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
  const all = channelsOfDte(dte, { navigation: true });
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
