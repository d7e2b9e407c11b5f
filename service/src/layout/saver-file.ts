import path from "node:path";
import type { Compression, H5Backend } from "../backend/h5-backend.ts";
import { type OpenMode, openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { SaverError } from "../errors.ts";
import { type AxisInput, createAxis } from "../model/axis.ts";
import { createDataToExport, type DataToExport, type DataToExportInput } from "../model/data-to-export.ts";
import { DATA_DIMS, type DataDistribution } from "../model/data-with-axes.ts";
import { checkText } from "../model/text.ts";
import { ContinuousStream } from "./continuous-stream.ts";
import { addSnapshotChannel } from "./dwa-nodes.ts";
import { ensureFolderOf } from "./file-naming.ts";
import { NAV_AXES } from "./node-names.ts";
import { decodeAttribute, encodeAttribute, pyScalar } from "./pymodaq-attribute.ts";
import { PyMoDAQTree, type SaveType, SETTINGS_ATTRIBUTE_LIMIT } from "./pymodaq-tree.ts";
import { Scan } from "./scan.ts";
import { type LayoutOptions, type ResolvedLayout, resolveLayout } from "./v3/layout-flavour.ts";
import { saveSnapshotV3 } from "./v3/v3-channels.ts";
import { addContinuousGroupsV3, ContinuousStreamV3 } from "./v3/v3-continuous.ts";
import { isLayoutV3 } from "./v3/v3-loader.ts";
import { ScanV3 } from "./v3/v3-scan.ts";
import { checkSaveTypeV3, createTreeV3, openTreeV3 } from "./v3/v3-tree.ts";

/**
 * When appended frames become durable: the file is flushed once `maxFrames` frames are waiting or
 * the oldest waiting frame is `maxDelayMs` old, whichever comes first. `{maxFrames: 1}` flushes
 * every frame.
 */
export interface FlushPolicy {
  readonly maxFrames: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_FLUSH_POLICY: FlushPolicy = { maxFrames: 10_000, maxDelayMs: 250 };

export interface SaverFileOptions extends LayoutOptions {
  readonly path: string;
  /** create: a new file, refused if it exists; overwrite: a new file in any case; append: add to a PyMoDAQ file. */
  readonly mode?: "create" | "overwrite" | "append";
  readonly saveType?: SaveType;
  readonly compression?: Compression;
  readonly flush?: FlushPolicy;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

export interface ScanInput {
  readonly title: string;
  readonly settingsXml?: string;
  readonly shape: readonly number[];
  readonly navAxes: readonly AxisInput[];
  readonly distribution?: DataDistribution;
}

export interface AppendReceipt {
  /** Frames appended to this stream so far. */
  readonly frames: number;
  /** Frames of this stream that are in the file and flushed: they survive the process dying. */
  readonly durableFrames: number;
}

export interface DurableEvent {
  readonly stream: string;
  readonly durableFrames: number;
}

type Listener = (event: DurableEvent) => void;

/**
 * One open PyMoDAQ file and everything a session writes into it: detectors, snapshots, scans,
 * continuous streams and log lines. All calls run one at a time in call order (one writer per
 * file); durability follows the flush policy.
 */
export class SaverFile {
  readonly path: string;
  readonly #tree: PyMoDAQTree;
  readonly #compression: Compression;
  readonly #policy: FlushPolicy;
  readonly #layout: ResolvedLayout;
  readonly #streams = new Map<string, { stream: ContinuousStream | ContinuousStreamV3; durable: number }>();
  readonly #scans = new Map<string, Scan | ScanV3>();
  /** Detectors holding snapshot data, and those holding a continuous stream: never both. */
  readonly #snapshots = new Set<string>();
  readonly #continuous = new Set<string>();
  readonly #listeners = new Set<Listener>();
  #queue: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(
    filePath: string,
    tree: PyMoDAQTree,
    options: SaverFileOptions,
    layout: ResolvedLayout,
  ) {
    this.path = filePath;
    this.#tree = tree;
    this.#layout = layout;
    this.#compression = options.compression ?? { kind: "none" };
    this.#policy = options.flush ?? DEFAULT_FLUSH_POLICY;
  }

  static async open(options: SaverFileOptions): Promise<SaverFile> {
    checkPolicy(options.flush ?? DEFAULT_FLUSH_POLICY);
    checkMetadata(options.metadata ?? {});
    const layout = resolveLayout(options);
    const filePath = path.resolve(options.path);
    const mode = options.mode ?? "create";
    if (layout.flavour === "pymodaq3" && mode !== "append") checkSaveTypeV3(options.saveType ?? "detector");
    ensureFolderOf(filePath);
    const openMode: OpenMode = mode === "append" ? "append" : mode === "overwrite" ? "truncate" : "create";
    const backend = await openH5wasmFile(filePath, openMode);
    try {
      const create = {
        fileName: path.basename(filePath),
        ...(options.metadata ? { metadata: options.metadata } : {}),
      };
      const saveType = options.saveType ?? "detector";
      const tree =
        layout.flavour === "pymodaq3"
          ? mode === "append"
            ? await openTreeV3(backend)
            : await createTreeV3(backend, { ...create, saveType: checkSaveTypeV3(saveType) })
          : mode === "append"
            ? await PyMoDAQTree.open(backend).catch(async (error: unknown) => {
                throw (await isLayoutV3(backend))
                  ? new SaverError(
                      "failed_precondition",
                      `'${filePath}' is a PyMoDAQ 3.x file (Raw_datas): open it with layout 'pymodaq3' to add to it`,
                    )
                  : error;
              })
            : await PyMoDAQTree.create(backend, { ...create, saveType });
      await backend.flush();
      return new SaverFile(filePath, tree, options, layout);
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw error;
    }
  }

  get backend(): H5Backend {
    return this.#tree.backend;
  }

  get tree(): PyMoDAQTree {
    return this.#tree;
  }

  /** The PyMoDAQ layout this file is written in (`layout` option). */
  get layout(): ResolvedLayout["flavour"] {
    return this.#layout.flavour;
  }

  onDurable(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  addDetector(title: string, settingsXml = ""): Promise<string> {
    return this.#serial(() => this.#tree.addDetGroup(this.#tree.rawGroup, title, settingsXml));
  }

  /** DAQ_Viewer's snapshot save: one CHnn group per DataWithAxes, CARRAYs; flushed before it resolves. */
  saveSnapshot(detector: string, dte: DataToExport | DataToExportInput): Promise<string[]> {
    return this.#serial(async () => {
      const data = createDataToExport(dte);
      await this.#requireDetector(detector);
      if (this.#continuous.has(detector) || (await this.#tree.isNodeInGroup(detector, NAV_AXES))) {
        throw new SaverError(
          "failed_precondition",
          `${detector} holds continuous data, and PyMoDAQ cannot load a snapshot beside it: save the snapshot into another detector (addDetector)`,
          { node: detector },
        );
      }
      this.#snapshots.add(detector);
      if (this.#layout.flavour === "pymodaq3") {
        const written = await saveSnapshotV3(this.#tree, detector, data, {
          dtype: this.#layout.dataDtype,
          compression: this.#compression,
        });
        await this.#flushNow();
        return written;
      }
      const channels: string[] = [];
      for (const dwa of data.data) {
        const dimGroup = await this.#tree.addDataGroup(detector, dwa.dim);
        channels.push(await addSnapshotChannel(this.#tree, dimGroup, dwa, this.#compression));
      }
      await this.#flushNow();
      return channels;
    });
  }

  beginScan(input: ScanInput): Promise<string> {
    return this.#serial(async () => {
      const navAxes = input.navAxes.map((axis, i) => createAxis(axis, `navAxes[${i}]`));
      const definition = {
        title: input.title,
        settingsXml: input.settingsXml ?? "",
        shape: input.shape,
        navAxes,
        ...(input.distribution ? { distribution: input.distribution } : {}),
      };
      const scan =
        this.#layout.flavour === "pymodaq3"
          ? await ScanV3.begin(this.#tree, definition, {
              dtype: this.#layout.dataDtype,
              compression: this.#compression,
            })
          : await Scan.begin(this.#tree, definition, this.#compression);
      this.#scans.set(scan.path, scan);
      return scan.path;
    });
  }

  addScanDetector(scan: string, title: string, settingsXml = ""): Promise<string> {
    return this.#serial(() => this.#scan(scan).addDetector(title, settingsXml));
  }

  saveScanPoint(
    scan: string,
    detector: string,
    indexes: readonly number[],
    dte: DataToExport | DataToExportInput,
  ): Promise<void> {
    return this.#serial(async () => {
      await this.#scan(scan).savePoint(detector, indexes, createDataToExport(dte));
      await this.#afterAppend();
    });
  }

  endScan(scan: string): Promise<void> {
    return this.#serial(async () => {
      await this.#scan(scan).end();
      await this.#flushNow();
    });
  }

  /** Starts DAQ_Viewer-style continuous saving into `detector`; returns the stream's id. */
  startContinuous(detector: string): Promise<string> {
    return this.#serial(async () => {
      await this.#requireDetector(detector);
      if (this.#continuous.has(detector) || (await this.#tree.isNodeInGroup(detector, NAV_AXES))) {
        throw new SaverError(
          "already_exists",
          `${detector} already holds a continuous stream; add another detector for a new one`,
          { node: detector },
        );
      }
      if (this.#snapshots.has(detector) || (await this.#hasDataGroups(detector))) {
        throw new SaverError(
          "failed_precondition",
          `${detector} holds snapshot data, and PyMoDAQ cannot load a stream beside it: add another detector for continuous saving`,
          { node: detector },
        );
      }
      this.#continuous.add(detector);
      if (this.#layout.flavour === "pymodaq3") {
        // PyMoDAQ 3 keeps a stream in its own "Continuous Saving" scan group: the id is its detector there
        const groups = await addContinuousGroupsV3(this.#tree, detector);
        const stream = new ContinuousStreamV3(this.#tree, groups.scan, groups.detector, {
          dtype: this.#layout.dataDtype,
          compression: this.#compression,
        });
        this.#continuous.add(groups.detector);
        this.#streams.set(groups.detector, { stream, durable: 0 });
        return groups.detector;
      }
      this.#streams.set(detector, {
        stream: new ContinuousStream(this.#tree, detector, this.#compression),
        durable: 0,
      });
      return detector;
    });
  }

  append(stream: string, dte: DataToExport | DataToExportInput): Promise<AppendReceipt> {
    return this.#serial(async () => {
      const state = this.#stream(stream);
      await state.stream.append(createDataToExport(dte));
      await this.#afterAppend();
      return { frames: state.stream.frames, durableFrames: state.durable };
    });
  }

  endContinuous(stream: string): Promise<AppendReceipt> {
    return this.#serial(async () => {
      const state = this.#stream(stream);
      await state.stream.end();
      await this.#flushNow();
      this.#streams.delete(stream);
      return { frames: state.stream.frames, durableFrames: state.durable };
    });
  }

  addLog(...lines: string[]): Promise<void> {
    return this.#serial(() => this.#tree.addLog(lines));
  }

  /** Writes and flushes everything pending: every frame appended so far becomes durable. */
  flush(): Promise<DurableEvent[]> {
    return this.#serial(() => this.#flushNow());
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      try {
        // A scan still open keeps scan_done = False: PyMoDAQ then knows it did not finish.
        await this.#flushNow();
      } finally {
        // whatever failed above, the file is closed: HDF5 writes what it holds and frees the handle
        this.#closed = true;
        await this.#tree.backend.close();
      }
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) {
        throw new SaverError(
          "failed_precondition",
          `the file '${this.path}' is closed; open it again (mode 'append') to add to it`,
        );
      }
      return task();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #afterAppend(): Promise<void> {
    this.#waiting++;
    if (this.#waiting >= this.#policy.maxFrames) {
      await this.#flushNow();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush().catch(() => undefined);
      }, this.#policy.maxDelayMs);
    }
  }

  async #flushNow(): Promise<DurableEvent[]> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    // a stream that fails to write is stopped and trimmed by writeOut; the others still flush
    let failure: unknown;
    for (const { stream } of this.#streams.values()) {
      await stream.writeOut().catch((error: unknown) => {
        failure ??= error;
      });
    }
    await this.#tree.backend.flush();
    this.#waiting = 0;
    const events: DurableEvent[] = [];
    for (const [id, state] of this.#streams) {
      const durable = state.stream.framesInFile;
      if (durable !== state.durable) {
        state.durable = durable;
        events.push({ stream: id, durableFrames: durable });
      }
    }
    for (const event of events) for (const listener of this.#listeners) listener(event);
    if (failure !== undefined) throw failure;
    return events;
  }

  #stream(id: string): { stream: ContinuousStream | ContinuousStreamV3; durable: number } {
    const state = this.#streams.get(id);
    if (!state)
      throw new SaverError("not_found", `no continuous stream '${id}'; start one with startContinuous`, {
        node: id,
      });
    return state;
  }

  #scan(pathInFile: string): Scan | ScanV3 {
    const scan = this.#scans.get(pathInFile);
    if (!scan)
      throw new SaverError(
        "not_found",
        `no scan '${pathInFile}' begun in this session; begin one with beginScan`,
        { node: pathInFile },
      );
    return scan;
  }

  /** `node` must be a detector group of this file (a `DetectorNNN` made by addDetector). */
  async #requireDetector(node: string): Promise<void> {
    const exists = node.startsWith("/") && !node.endsWith("/") && (await this.#tree.backend.exists(node));
    const type = exists ? decodeAttribute((await this.#tree.backend.getAttributes(node)).type) : undefined;
    if (type !== "detector") {
      throw new SaverError(
        "not_found",
        `'${node}' is not a detector of ${this.path}; use the path addDetector returned (e.g. /RawData/Detector000)`,
        { node },
      );
    }
  }

  async #hasDataGroups(detector: string): Promise<boolean> {
    const children = await this.#tree.backend.children(detector);
    return children.some((child) => (DATA_DIMS as readonly string[]).includes(child.name));
  }
}

/**
 * The raw group's attributes share one HDF5 object header (64 KiB): metadata that would not fit
 * is refused before the file is touched, with the same budget as a settings attribute.
 */
function checkMetadata(metadata: Readonly<Record<string, string | number | boolean>>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(metadata)) {
    checkText(key, "metadata key");
    bytes += Buffer.byteLength(key) + Buffer.byteLength(encodeAttribute(pyScalar(value)));
  }
  if (bytes > SETTINGS_ATTRIBUTE_LIMIT) {
    throw new SaverError(
      "invalid_data",
      `metadata holds ${bytes} bytes of attributes; at most ${SETTINGS_ATTRIBUTE_LIMIT} fit the /RawData group's header: store large values in a dataset or the settings XML`,
      { field: "metadata" },
    );
  }
}

function checkPolicy(policy: FlushPolicy): void {
  if (!Number.isInteger(policy.maxFrames) || policy.maxFrames < 1) {
    throw new SaverError("invalid_data", `flush.maxFrames must be an integer >= 1, got ${policy.maxFrames}`, {
      field: "flush.maxFrames",
    });
  }
  if (!Number.isFinite(policy.maxDelayMs) || policy.maxDelayMs < 0) {
    throw new SaverError("invalid_data", `flush.maxDelayMs must be >= 0, got ${policy.maxDelayMs}`, {
      field: "flush.maxDelayMs",
    });
  }
}
