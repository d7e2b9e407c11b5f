import { ascii, type H5Backend, int32, text } from "../../backend/h5-backend.ts";
import { SaverError } from "../../errors.ts";
import { allocate, arrayMatchesDType, type DType, type NumericArray } from "../../model/dtype.ts";
import { zeroPad } from "../../model/text.ts";
import { LOG_ROW_BYTES } from "../log-pickle.ts";
import { indexOfName, join } from "../node-names.ts";
import { py, pyScalar } from "../pymodaq-attribute.ts";
import { type ArrayOptions, isoDate, isoTime, PyMoDAQTree } from "../pymodaq-tree.ts";
import type { PyValue } from "../python-literal.ts";

/**
 * The PyMoDAQ release whose 3.x layout this flavour writes, and that the pymodaq3 interop suite
 * installs. Written as the root's `pymodaq_version`: PyMoDAQ 3's H5Browser opens files >= 2.0,
 * PyMoDAQ 4+ refuses files < 4.0 (research/pymodaq-h5.md §1.6, §3).
 */
export const PYMODAQ3_LAYOUT_VERSION = "3.6.13";

/** `init_file(raw_group_name='Raw_datas')` (h5modules.py). */
export const RAW_GROUP_V3 = "/Raw_datas";
export const LOGGER_V3 = `${RAW_GROUP_V3}/Logger`;

/** PyMoDAQ 3's `save_types`: no `actuator` (a 4.x addition). */
export const SAVE_TYPES_V3 = ["scan", "detector", "logger", "custom"] as const;
export type SaveTypeV3 = (typeof SAVE_TYPES_V3)[number];

/** `add_incremental_group`'s group types that h5saver makes: Detector000, Scan000, Move000, Ch000. */
export type IncrementalTypeV3 = "detector" | "scan" | "move" | "ch";

/** PyMoDAQ 3's `data_types`: the `type` attribute of an array node. */
export type ArrayTypeV3 = "data" | "axis" | "navigation_axis" | "bkg";

/** `utils.capitalize`: first letter upper, the rest as it is. */
export const capitalize = (name: string): string => `${name.slice(0, 1).toUpperCase()}${name.slice(1)}`;

/** `Detector000`, `Scan001`, `Ch000` … (three digits for every type, channels included). */
export function incrementalNameV3(type: IncrementalTypeV3, index: number): string {
  return `${capitalize(type)}${zeroPad(index, 3)}`;
}

export interface TreeCreateOptionsV3 {
  readonly saveType: SaveTypeV3;
  readonly fileName: string;
  readonly now?: Date;
  /** Attributes of `Raw_datas`, as `init_file(metadata=...)`. */
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

export function checkSaveTypeV3(saveType: string): SaveTypeV3 {
  if (!(SAVE_TYPES_V3 as readonly string[]).includes(saveType)) {
    throw new SaverError(
      "invalid_data",
      `saveType '${saveType}' does not exist in the pymodaq3 layout (PyMoDAQ 3 knows ${SAVE_TYPES_V3.join(", ")}); use one of these, or the pymodaq4 layout`,
      { field: "saveType" },
    );
  }
  return saveType as SaveTypeV3;
}

/**
 * PyMoDAQ 3's `init_file` on a new file: root attributes, `Raw_datas` (`type` = save type) and
 * its `Logger` (type 'log', data_dimension '0D', scan_type 'scan1D': `add_string_array`).
 * Returns the shared tree, rooted at `Raw_datas`.
 */
export async function createTreeV3(backend: H5Backend, options: TreeCreateOptionsV3): Promise<PyMoDAQTree> {
  const saveType = checkSaveTypeV3(options.saveType);
  const tree = PyMoDAQTree.on(backend, RAW_GROUP_V3);
  const now = options.now ?? new Date();
  await backend.setAttributes("/", {
    CLASS: ascii("GROUP"),
    TITLE: text("PyMoDAQ file"),
    VERSION: ascii("1.0"),
    PYTABLES_FORMAT_VERSION: ascii("2.1"),
  });
  await tree.setAttributes("/", {
    pymodaq_version: py.str(PYMODAQ3_LAYOUT_VERSION),
    file: py.str(options.fileName),
    date: py.str(isoDate(now)),
    time: py.str(isoTime(now)),
  });
  await tree.addGroup("/", "Raw_datas", "Data from PyMoDAQ modules", {
    type: py.str(saveType),
    ...Object.fromEntries(Object.entries(options.metadata ?? {}).map(([k, v]) => [k, pyScalar(v)])),
  });
  // PyMoDAQ 3 keeps log lines in a VLARRAY of pickles, which h5wasm cannot make; the shared
  // Logger (fixed-width rows, each a pickle of its line: log-pickle.ts) is labelled an EARRAY
  // here, because PyTables — PyMoDAQ 3's default backend — reads a VLARRAY label on it as
  // variable-length rows and fails (or crashes the process) where it reads an EARRAY of strings.
  await backend.createStringDataset(LOGGER_V3, LOG_ROW_BYTES, 64);
  await backend.setAttributes(LOGGER_V3, {
    CLASS: ascii("EARRAY"),
    TITLE: text(""),
    VERSION: ascii("1.1"),
    EXTDIM: int32(0),
  });
  await tree.setAttributes(LOGGER_V3, {
    shape: py.intTuple([0]),
    dtype: py.str("uint8"),
    subdtype: py.str("string"),
    backend: py.str("tables"),
    data_dimension: py.str("0D"),
    scan_type: py.str("scan1D"),
    type: py.str("log"),
  });
  return tree;
}

/** Re-opens a 3.x file to add to it. */
export function openTreeV3(backend: H5Backend): Promise<PyMoDAQTree> {
  return PyMoDAQTree.open(backend, RAW_GROUP_V3);
}

/**
 * `add_incremental_group(type, where, title, settings_as_xml, metadata)`: the next
 * `<Type>NNN` under `where`, with `settings` (XML bytes, or `''` for none, as PyMoDAQ 3 passes
 * them), `type` (`''` for channel groups) and the metadata.
 */
export async function addIncrementalGroupV3(
  tree: PyMoDAQTree,
  type: IncrementalTypeV3,
  where: string,
  title: string,
  settingsXml: string | undefined,
  metadata: Readonly<Record<string, PyValue>> = {},
): Promise<string> {
  const prefix = capitalize(type);
  let next = 0;
  for (const child of await tree.backend.children(where)) {
    const index = indexOfName(child.name, prefix);
    if (index !== undefined && index >= next) next = index + 1;
  }
  const path = await tree.addGroup(where, incrementalNameV3(type, next), title, {
    ...(settingsXml === undefined ? { settings: py.str("") } : {}),
    type: py.str(type === "ch" ? "" : type),
    ...metadata,
  });
  if (settingsXml !== undefined) await tree.setSettings(path, settingsXml);
  return path;
}

/**
 * `add_data_group(where, 'data1D')`: the `Data1D` group (created once), `type` '' (PyMoDAQ 3's
 * `add_group` with group type ''), `settings` '' and `backend`. `metadata` as H5Logger's
 * `type='scan'`, which makes the group the scan node its data's navigation axes hang from.
 */
export async function getSetDataGroupV3(
  tree: PyMoDAQTree,
  where: string,
  dim: string,
  metadata: Readonly<Record<string, PyValue>> = {},
): Promise<string> {
  const path = join(where, dim);
  if (await tree.backend.exists(path)) return path;
  return tree.addGroup(where, dim, "", {
    type: py.str(""),
    settings: py.str(""),
    ...metadata,
    backend: py.str("tables"),
  });
}

/** What `add_array` writes besides the backend's shape/dtype/subdtype/backend. */
export interface ArraySpecV3 {
  readonly name: string;
  readonly type: ArrayTypeV3;
  readonly dtype: DType;
  readonly dataDimension: "0D" | "1D" | "2D" | "ND";
  readonly scanType?: string;
  readonly scanSubtype?: string;
  readonly title?: string;
  readonly metadata?: Readonly<Record<string, PyValue>>;
}

function arrayOptions(spec: ArraySpecV3, compression: ArrayOptions["compression"]): ArrayOptions {
  return {
    kind: "data",
    name: spec.name,
    dataTypeAttribute: false,
    dtype: spec.dtype,
    title: spec.title ?? "",
    compression,
    attributes: {
      type: py.str(spec.type),
      data_dimension: py.str(spec.dataDimension),
      scan_type: py.str(spec.scanType ?? ""),
      scan_subtype: py.str(spec.scanSubtype ?? ""),
      ...spec.metadata,
    },
  };
}

/** `add_array(..., enlargeable=False)`: a CARRAY (zeros until written when `data` is undefined). */
export function addCArrayV3(
  tree: PyMoDAQTree,
  where: string,
  spec: ArraySpecV3,
  shape: readonly number[],
  data: NumericArray | undefined,
  compression: ArrayOptions["compression"],
): Promise<string> {
  return tree.addCArray(where, 0, data, shape, arrayOptions(spec, compression));
}

/** `add_array(..., enlargeable=True)`: an EARRAY `(0, *rowShape)`, `(0,)` for 0D rows. */
export function addEArrayV3(
  tree: PyMoDAQTree,
  where: string,
  spec: ArraySpecV3,
  rowShape: readonly number[],
  compression: ArrayOptions["compression"],
): Promise<{ path: string; chunkRows: number; rowChunks: number }> {
  return tree.addEArray(where, 0, rowShape, arrayOptions(spec, compression));
}

/**
 * `array.astype(dtype)` as numpy does it for finite values: floats truncate toward zero into
 * integer dtypes (typed-array stores wrap like numpy's C casts), integers widen into floats.
 */
export function castArray(array: NumericArray, dtype: DType): NumericArray {
  if (dtype !== "bool" && arrayMatchesDType(array, dtype)) return array;
  const out = allocate(dtype, array.length);
  const bigOut = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const integerOut = !(out instanceof Float32Array || out instanceof Float64Array);
  for (let i = 0; i < array.length; i++) {
    const v = array[i] as number | bigint;
    if (bigOut) {
      (out as BigInt64Array)[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
    } else if (dtype === "bool") {
      (out as Uint8Array)[i] = Number(v) !== 0 ? 1 : 0;
    } else {
      const n = Number(v);
      (out as Float64Array)[i] = integerOut ? Math.trunc(n) : n;
    }
  }
  return out;
}
