import {
  type AttributeValue,
  ascii,
  type Compression,
  type H5Backend,
  int32,
  text,
} from "../backend/h5-backend.ts";
import { SaverError } from "../errors.ts";
import type { DataDim } from "../model/data-with-axes.ts";
import { type DType, dtypeBytes, type NumericArray, product } from "../model/dtype.ts";
import { checkText, zeroPad } from "../model/text.ts";
import { LOG_ROW_BYTES, pickleRows } from "./log-pickle.ts";
import {
  type ArrayKind,
  arrayNodeName,
  channelGroupName,
  type GroupType,
  incrementalGroupName,
  indexOfName,
  join,
  LOGGER,
  RAW_GROUP,
} from "./node-names.ts";
import { encodeAttribute, py, pyScalar } from "./pymodaq-attribute.ts";
import type { PyValue } from "./python-literal.ts";

/** The PyMoDAQ version whose layout h5saver writes and whose loaders its tests run. */
export const PYMODAQ_LAYOUT_VERSION = "5.3.0";

/**
 * PyMoDAQ's DAQ_Scan truncates settings at 60 000 bytes so that the object header (all attributes
 * of a node together) stays under HDF5's 64 KiB limit for compact storage. Larger settings are
 * kept whole in a dataset beside the group instead (see `setSettings`).
 */
export const SETTINGS_ATTRIBUTE_LIMIT = 60_000;
export const SETTINGS_DATASET = "SettingsXML";

/**
 * Bytes of a chunk of small rows at most (a power of two of rows, at most 65 536: half of it to
 * all of it for rows of 8 bytes or more): big enough that per-chunk overhead vanishes, small
 * enough to buffer.
 */
const TARGET_CHUNK_BYTES = 1 << 20;
/** Rows of an EARRAY this large or larger get a chunk each. */
export const WHOLE_ROW_CHUNK_BYTES = 256 << 10;
/**
 * The largest chunk of an EARRAY whose rows are larger: such a row is cut into equal chunks along
 * its first dimension. h5wasm's HDF5 writes 8 MiB chunks at 0.4–1.1 GB/s and 2 MiB ones at
 * 2.2–2.4 GB/s (the same 2048² frames, one process, in turns).
 */
export const MAX_ROW_CHUNK_BYTES = 2 << 20;

/**
 * How many chunks one row of `rowShape` is cut into: 1 up to MAX_ROW_CHUNK_BYTES; beyond, the
 * fewest equal parts of its first dimension of at most that size, if they are at least
 * WHOLE_ROW_CHUNK_BYTES (a part is then a run of the row's consecutive bytes); else 1.
 */
export function chunksPerRow(rowShape: readonly number[], itemBytes: number): number {
  const rowBytes = product(rowShape) * itemBytes;
  const first = rowShape[0] ?? 0;
  if (rowBytes <= MAX_ROW_CHUNK_BYTES || first < 2) return 1;
  // more parts only make smaller ones: the first that divides the dimension is the one
  const most = Math.min(first, Math.floor(rowBytes / WHOLE_ROW_CHUNK_BYTES));
  for (let parts = Math.ceil(rowBytes / MAX_ROW_CHUNK_BYTES); parts <= most; parts++) {
    if (first % parts === 0) return parts;
  }
  return 1;
}

/** The largest power of two that is at most `n` and at most `limit` (itself one); 1 if n < 2. */
function powerOfTwoAtMost(n: number, limit: number): number {
  let p = 1;
  while (p * 2 <= n && p * 2 <= limit) p *= 2;
  return p;
}

export type SaveType = "scan" | "detector" | "logger" | "custom" | "actuator";

export interface TreeCreateOptions {
  readonly saveType: SaveType;
  readonly fileName: string;
  readonly now?: Date;
  /** Attributes of the raw group, as PyMoDAQ's `init_file(metadata=...)`. */
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

export interface ArrayOptions {
  readonly kind: ArrayKind;
  readonly dtype: DType;
  readonly title: string;
  /** The PyMoDAQ attributes of the node, besides CLASS/TITLE/VERSION/shape/dtype/subdtype/backend. */
  readonly attributes: Readonly<Record<string, PyValue>>;
  readonly compression: Compression;
  /** The node's name; by default PyMoDAQ 4.x's `<Kind><nn>` from `kind` and the index. */
  readonly name?: string;
  /** false: no `data_type` attribute (PyMoDAQ 3.x records the kind in its own `type` attribute). */
  readonly dataTypeAttribute?: boolean;
  /** An EARRAY's chunks of small rows hold at most this many bytes, given its rows' (default 1 MiB). */
  readonly chunkBytesAtMost?: ((rowBytes: number) => number | undefined) | undefined;
}

/**
 * The PyMoDAQ tree on an H5 backend: raw group, logger, incremental module groups (Detector000,
 * Scan000 …), data-dimension groups, channel groups and the CARRAY/EARRAY nodes with the
 * attributes PyMoDAQ's loaders read. This is the seed's H5Saver API; the savers build on it.
 */
export class PyMoDAQTree {
  readonly backend: H5Backend;
  readonly #rawGroup: string;
  readonly #logger: string;
  #logRows = 0;

  private constructor(backend: H5Backend, rawGroup = RAW_GROUP) {
    this.backend = backend;
    this.#rawGroup = rawGroup;
    this.#logger = join(rawGroup, "Logger");
  }

  get rawGroup(): string {
    return this.#rawGroup;
  }

  /**
   * A tree over `backend` whose raw group is `rawGroup`, reading and writing nothing: for a
   * layout flavour that builds its own root, raw group and Logger (PyMoDAQ 3.x's `Raw_datas`).
   */
  static on(backend: H5Backend, rawGroup: string): PyMoDAQTree {
    return new PyMoDAQTree(backend, rawGroup);
  }

  /** PyMoDAQ's `init_file` on a new file: root attributes, the raw group and its Logger. */
  static async create(backend: H5Backend, options: TreeCreateOptions): Promise<PyMoDAQTree> {
    const tree = new PyMoDAQTree(backend);
    const now = options.now ?? new Date();
    await backend.setAttributes("/", {
      ...groupSystemAttributes("PyMoDAQ file"),
      PYTABLES_FORMAT_VERSION: ascii("2.1"),
      pymodaq_version: attr(py.str(PYMODAQ_LAYOUT_VERSION)),
      pymodaq_data_version: attr(py.str(PYMODAQ_LAYOUT_VERSION)),
      file: attr(py.str(options.fileName)),
      date: attr(py.str(isoDate(now))),
      time: attr(py.str(isoTime(now))),
    });
    await tree.addGroup("/", "RawData", "Data from PyMoDAQ modules", {
      type: py.str(options.saveType),
      ...Object.fromEntries(Object.entries(options.metadata ?? {}).map(([k, v]) => [k, pyScalar(v)])),
    });
    await backend.createStringDataset(LOGGER, LOG_ROW_BYTES, 64);
    // CLASS VLARRAY + subdtype 'string' make PyMoDAQ wrap the node in its StringARRAY, which
    // unpickles each row (see log-pickle.ts for why rows are fixed-width strings).
    await backend.setAttributes(LOGGER, {
      CLASS: ascii("VLARRAY"),
      TITLE: text(""),
      VERSION: ascii("1.4"),
      ...attrs({
        shape: py.intTuple([0]),
        dtype: py.str("uint8"),
        subdtype: py.str("string"),
        backend: py.str("tables"),
        type: py.str("log"),
        data_type: py.str("strings"),
      }),
    });
    return tree;
  }

  /** Re-opens the tree of an existing file (PyMoDAQ's `init_file(new_file=False)`). */
  static async open(backend: H5Backend, rawGroup = RAW_GROUP): Promise<PyMoDAQTree> {
    const tree = new PyMoDAQTree(backend, rawGroup);
    if (!(await backend.exists(rawGroup))) {
      throw new SaverError(
        "failed_precondition",
        `'${backend.filePath}' has no ${rawGroup} group: it is not a PyMoDAQ ${rawGroup === RAW_GROUP ? "(4.x/5.x)" : "3.x"} file`,
      );
    }
    const logger = tree.#logger;
    if (await backend.exists(logger)) tree.#logRows = (await backend.datasetInfo(logger)).shape[0] ?? 0;
    return tree;
  }

  async isNodeInGroup(where: string, name: string): Promise<boolean> {
    return (await this.backend.children(where)).some((child) => child.name === name);
  }

  async addGroup(
    where: string,
    name: string,
    title: string,
    attributes: Readonly<Record<string, PyValue>> = {},
  ): Promise<string> {
    const path = join(where, name);
    // encode (and so check) every attribute before the group exists: no half-made groups
    const encoded = { ...groupSystemAttributes(checkText(title, "title")), ...attrs(attributes) };
    if (await this.backend.exists(path)) {
      throw new SaverError("already_exists", `the group '${path}' exists already`, { node: path });
    }
    await this.backend.createGroup(path);
    await this.backend.setAttributes(path, encoded);
    return path;
  }

  /** The group `where/name`, created (with its title) when missing — PyMoDAQ's `get_set_group`. */
  async getSetGroup(where: string, name: string, title = ""): Promise<string> {
    const path = join(where, name);
    if (await this.backend.exists(path)) return path;
    return this.addGroup(where, name, title);
  }

  /** `Detector000`, `Scan000`…: the next index of that type under `where` (PyMoDAQ's add_incremental_group). */
  async addIncrementalGroup(
    type: GroupType,
    where: string,
    title: string,
    settingsXml: string,
    metadata: Readonly<Record<string, PyValue>> = {},
  ): Promise<string> {
    const prefix = incrementalGroupName(type, 0).slice(0, -3);
    const index = await this.#nextIndex(where, prefix);
    const path = await this.addGroup(where, incrementalGroupName(type, index), title, {
      type: py.str(type),
      ...metadata,
    });
    await this.setSettings(path, settingsXml);
    return path;
  }

  addDetGroup(where: string, title: string, settingsXml: string): Promise<string> {
    return this.addIncrementalGroup("detector", where, title, settingsXml);
  }

  addActGroup(where: string, title: string, settingsXml: string): Promise<string> {
    return this.addIncrementalGroup("actuator", where, title, settingsXml);
  }

  addScanGroup(title: string, settingsXml: string): Promise<string> {
    return this.addIncrementalGroup("scan", RAW_GROUP, title, settingsXml, {
      description: py.str(""),
      scan_done: py.bool(false),
    });
  }

  /** The `Data0D`…`DataND` group of a module group (no PyMoDAQ attributes, like PyMoDAQ's). */
  addDataGroup(where: string, dim: DataDim): Promise<string> {
    return this.getSetGroup(where, dim);
  }

  /**
   * The next `CHnn` group of a data-dimension group; its TITLE is the DataWithAxes' name and, as
   * pymodaq_data 5.3 writes it, its `origin` a plain (not JSON-wrapped) string.
   */
  async addChannelGroup(where: string, title: string, origin = ""): Promise<string> {
    checkText(origin, "origin");
    const index = await this.#nextIndex(where, "CH");
    const path = await this.addGroup(where, channelGroupName(index), title);
    await this.backend.setAttributes(path, { origin: text(origin) });
    return path;
  }

  /**
   * Module settings, stored as PyMoDAQ stores them: the XML's UTF-8 bytes as a Python bytes literal.
   * A tree too large for an attribute goes whole into a `SettingsXML` uint8 dataset in the group;
   * the attribute then holds a small settings tree that says where it is, so PyMoDAQ's browser,
   * which parses every `settings` attribute as XML, still parses it.
   */
  async setSettings(path: string, settingsXml: string): Promise<void> {
    const bytes = new TextEncoder().encode(settingsXml);
    const encoded = encodeAttribute(py.bytes(bytes));
    if (encoded.length <= SETTINGS_ATTRIBUTE_LIMIT) {
      await this.backend.setAttributes(path, { settings: text(encoded) });
      return;
    }
    const dataset = join(path, SETTINGS_DATASET);
    await this.backend.createDataset(dataset, {
      dtype: "uint8",
      shape: [bytes.length],
      maxShape: [bytes.length],
      chunks: [Math.min(bytes.length, TARGET_CHUNK_BYTES)],
      compression: { kind: "gzip", level: 4 },
      data: bytes,
    });
    await this.backend.setAttributes(dataset, {
      ...arraySystemAttributes("CARRAY", "settings XML"),
      ...attrs({ shape: py.intTuple([bytes.length]), dtype: py.str("uint8"), subdtype: py.str("") }),
    });
    const pointer =
      '<All_settings type="group" title="Settings">' +
      `<settings_dataset type="str" title="Settings stored in dataset" value="${dataset}" readonly="true"/>` +
      "</All_settings>";
    await this.backend.setAttributes(path, {
      settings: text(encodeAttribute(py.bytes(new TextEncoder().encode(pointer)))),
      settings_size: text(encodeAttribute(py.int(bytes.length))),
    });
  }

  /** A CARRAY of shape `shape` holding `data` (zeros until written when undefined), with PyMoDAQ's attributes. */
  async addCArray(
    where: string,
    index: number,
    data: NumericArray | undefined,
    shape: readonly number[],
    options: ArrayOptions,
  ): Promise<string> {
    const path = join(where, options.name ?? arrayNodeName(options.kind, index));
    const chunks = carrayChunks(shape, options.dtype);
    await this.backend.createDataset(path, {
      dtype: options.dtype,
      shape,
      maxShape: shape,
      chunks,
      compression: usableCompression(options.compression, product(chunks) * dtypeBytes(options.dtype)),
      ...(data ? { data } : {}),
    });
    await this.#setArrayAttributes(path, "CARRAY", shape, options);
    return path;
  }

  /** An EARRAY of `(0, ...rowShape)` growing along its first dimension, with PyMoDAQ's attributes. */
  async addEArray(
    where: string,
    index: number,
    rowShape: readonly number[],
    options: ArrayOptions,
  ): Promise<{ path: string; chunkRows: number; rowChunks: number }> {
    const path = join(where, options.name ?? arrayNodeName(options.kind, index));
    const rowBytes = product(rowShape) * dtypeBytes(options.dtype);
    // a large row is a chunk by itself (or a few, beyond MAX_ROW_CHUNK_BYTES): written straight
    // from the caller's array, in pieces that the crash journal can point at (RowBuffer), instead
    // of copied into a chunk buffer. Smaller rows: a power of two of them per chunk, so that a
    // client's batches of a power of two of frames fill whole chunks before it hears how many
    // frames a chunk holds (Ack.frames_per_chunk).
    const chunkBytes = Math.min(
      TARGET_CHUNK_BYTES,
      options.chunkBytesAtMost?.(rowBytes) ?? TARGET_CHUNK_BYTES,
    );
    const chunkRows = rowBytes >= WHOLE_ROW_CHUNK_BYTES ? 1 : powerOfTwoAtMost(chunkBytes / rowBytes, 65_536);
    const rowChunks = chunksPerRow(rowShape, dtypeBytes(options.dtype));
    const chunkShape =
      rowChunks === 1 ? [...rowShape] : [(rowShape[0] ?? 1) / rowChunks, ...rowShape.slice(1)];
    await this.backend.createDataset(path, {
      dtype: options.dtype,
      shape: [0, ...rowShape],
      maxShape: [null, ...rowShape],
      chunks: [chunkRows, ...chunkShape],
      compression: usableCompression(options.compression, (chunkRows * rowBytes) / rowChunks),
    });
    await this.#setArrayAttributes(path, "EARRAY", [0, ...rowShape], options);
    return { path, chunkRows, rowChunks };
  }

  /** Keeps PyMoDAQ's `shape` attribute equal to the real shape: its loader trusts it. */
  async setShapeAttribute(path: string, shape: readonly number[]): Promise<void> {
    await this.backend.setAttributes(path, attrs({ shape: py.intTuple(shape) }));
  }

  async setAttributes(path: string, attributes: Readonly<Record<string, PyValue>>): Promise<void> {
    await this.backend.setAttributes(path, attrs(attributes));
  }

  /** Lines in the raw group's Logger, one pickled str per row as PyMoDAQ's StringARRAY reads them (see log-pickle.ts). */
  async addLog(lines: readonly string[]): Promise<void> {
    const rows = lines.flatMap((line) => pickleRows(line, LOG_ROW_BYTES));
    await this.backend.appendStrings(this.#logger, rows);
    this.#logRows += rows.length;
    await this.setShapeAttribute(this.#logger, [this.#logRows]);
  }

  /** The index after the highest existing `<prefix>NNN` child, PyMoDAQ's incremental naming. */
  async #nextIndex(where: string, prefix: string): Promise<number> {
    let next = 0;
    for (const child of await this.backend.children(where)) {
      const index = indexOfName(child.name, prefix);
      if (index !== undefined && index >= next) next = index + 1;
    }
    return next;
  }

  async #setArrayAttributes(
    path: string,
    klass: "CARRAY" | "EARRAY",
    shape: readonly number[],
    options: ArrayOptions,
  ): Promise<void> {
    await this.backend.setAttributes(path, {
      ...arraySystemAttributes(klass, options.title),
      ...attrs({
        shape: py.intTuple(shape),
        dtype: py.str(options.dtype),
        subdtype: py.str(""),
        backend: py.str("tables"),
        ...(options.dataTypeAttribute === false ? {} : { data_type: py.str(options.kind) }),
        ...options.attributes,
      }),
    });
  }
}

/**
 * The HDF5 blosc filter fails (and h5wasm registers filters as mandatory, so the write fails) on a
 * chunk it cannot shrink — always the case below blosc's 128-byte minimum, and likely for small
 * chunks — so small datasets such as axes are stored unfiltered when blosc is asked for.
 */
const BLOSC_MIN_CHUNK_BYTES = 64 * 1024;

function usableCompression(compression: Compression, chunkBytes: number): Compression {
  if (compression.kind === "blosc-lz4" && chunkBytes < BLOSC_MIN_CHUNK_BYTES) return { kind: "none" };
  return compression;
}

function groupSystemAttributes(title: string): Record<string, AttributeValue> {
  return { CLASS: ascii("GROUP"), TITLE: text(title), VERSION: ascii("1.0") };
}

function arraySystemAttributes(klass: "CARRAY" | "EARRAY", title: string): Record<string, AttributeValue> {
  return {
    CLASS: ascii(klass),
    TITLE: text(title),
    VERSION: ascii("1.1"),
    ...(klass === "EARRAY" ? { EXTDIM: int32(0) } : {}),
  };
}

function attr(value: PyValue): AttributeValue {
  return text(encodeAttribute(value));
}

function attrs(values: Readonly<Record<string, PyValue>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(values)) {
    const encoded = encodeAttribute(value);
    if (encoded.length > SETTINGS_ATTRIBUTE_LIMIT) {
      throw new SaverError(
        "invalid_data",
        `attribute '${name}' would take ${encoded.length} bytes; attributes must stay under ${SETTINGS_ATTRIBUTE_LIMIT}`,
        { field: name },
      );
    }
    out[name] = text(encoded);
  }
  return out;
}

/** CARRAYs are chunked like PyTables': whole rows, up to about the target chunk size. */
function carrayChunks(shape: readonly number[], dtype: DType): number[] {
  const rowBytes = product(shape.slice(1)) * dtypeBytes(dtype);
  const rows = Math.max(1, Math.min(shape[0] ?? 1, Math.floor(TARGET_CHUNK_BYTES / Math.max(1, rowBytes))));
  return [rows, ...shape.slice(1)];
}

export function isoDate(now: Date): string {
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

/** Python's `time.isoformat()`: HH:MM:SS.ffffff (microseconds only when non-zero). */
export function isoTime(now: Date): string {
  const base = `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
  const ms = now.getMilliseconds();
  return ms === 0 ? base : `${base}.${(ms * 1000).toString().padStart(6, "0")}`;
}

const two = (n: number): string => zeroPad(n, 2);
