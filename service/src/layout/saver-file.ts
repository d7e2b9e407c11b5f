import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import type { Compression, H5Backend } from "../backend/h5-backend.ts";
import { diskFullAtOpen, type OpenMode } from "../backend/hdf5-failures.ts";
import { openH5File } from "../backend/open-h5-file.ts";
import {
  basePathOf,
  type ChunkPlaces,
  hasJournal,
  type JournalCall,
  JournalWriter,
  journalPathOf,
} from "../durability/journal.ts";
import { invalidData, isCallersError, SaverError } from "../errors.ts";
import { type AxisInput, createAxis } from "../model/axis.ts";
import { createDataToExport, type DataToExport, type DataToExportInput } from "../model/data-to-export.ts";
import { DATA_DIMS, type DataDistribution } from "../model/data-with-axes.ts";
import { type FrameBlock, frameOf } from "../model/frame-block.ts";
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
 * When the file is flushed: once `maxFrames` frames are waiting or the oldest waiting frame is
 * `maxDelayMs` old, whichever comes first. `{maxFrames: 1}` flushes every frame. Without a journal,
 * a frame is durable once flushed; with one, once its journal record is synced (sooner).
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
  /**
   * Keep a crash journal beside the file (`<file>.h5saver-journal`, see durability/journal.ts):
   * every change is recorded, so that `recoverFile` can rebuild the file after the process is
   * killed at any moment, with every frame acknowledged as durable. Costs a sequential write of
   * each small frame; large frames (rows of 256 KiB or more) and blocks of whole chunks of small
   * ones, uncompressed or gzip, are not copied: their records point at the chunks the file holds,
   * which each sync of the journal syncs too (blosc-compressed frames are copied). Default false.
   */
  readonly journal?: boolean;
  /**
   * With a journal, when a stream's frames count as durable: `synced` (default) once a sync of the
   * journal covers their records (they survive a power cut); `written` as soon as their records
   * are written, before that sync (they survive the process dying at any moment — the kernel
   * holds what was written — but a power cut can take the frames since the last sync). The
   * journal is synced in the background in either case; snapshots, the end of a scan or a
   * stream, and flushes sync it before they resolve in either case.
   */
  readonly durability?: Durability;
  /** The moment written into a new file's date and time attributes (default: now). */
  readonly now?: Date;
}

export type Durability = "synced" | "written";

/** The SaverFile calls a journal records: those that change the file. */
export const JOURNALED_METHODS = [
  "addDetector",
  "saveSnapshot",
  "beginScan",
  "addScanDetector",
  "saveScanPoint",
  "endScan",
  "startContinuous",
  "append",
  "appendBlock",
  "endContinuous",
  "addLog",
] as const;

/** A continuous stream of the file and how many of its frames the journal holds, and has synced. */
interface StreamState {
  readonly stream: ContinuousStream | ContinuousStreamV3;
  /** Frames whose journal records are written. */
  recorded: number;
  /** Frames that survive the process dying: flushed, or synced (written) in the journal. */
  durable: number;
}

/** The journal record that follows a call that failed: recovery skips that call. */
export const CANCELLED_CALL = "cancelled";

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
  /** Frames of this stream that survive the process dying: flushed, or synced in the journal. */
  readonly durableFrames: number;
  /** ContinuousStream.framesPerChunk (0 for the 3.x layout's streams, whose chunks are never located). */
  readonly framesPerChunk: number;
}

export interface DurableEvent {
  readonly stream: string;
  readonly durableFrames: number;
}

type Listener = (event: DurableEvent) => void;

/** How HDF5 opens the file of a SaverFile opened in `mode` (default "create"). */
export function openModeOf(mode: SaverFileOptions["mode"]): OpenMode {
  return mode === "append" ? "append" : mode === "overwrite" ? "truncate" : "create";
}

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
  readonly #streams = new Map<string, StreamState>();
  readonly #scans = new Map<string, Scan | ScanV3>();
  /** Detectors holding snapshot data, and those holding a continuous stream: never both. */
  readonly #snapshots = new Set<string>();
  readonly #continuous = new Set<string>();
  readonly #listeners = new Set<Listener>();
  #queue: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #journal: JournalWriter | undefined;
  /** Frames count as durable once their journal records are written, not synced (`durability`). */
  readonly #durableWhenWritten: boolean;
  #flushScheduled = false;
  /** The journal sync running in the background, if any. */
  #syncing: Promise<void> | undefined;
  #syncFailure: SaverError | undefined;
  /** A write failed during the session: the file may lack frames that the journal holds. */
  #damage: SaverError | undefined;

  private constructor(
    filePath: string,
    tree: PyMoDAQTree,
    options: SaverFileOptions,
    layout: ResolvedLayout,
    journal: JournalWriter | undefined,
  ) {
    this.path = filePath;
    this.#tree = tree;
    this.#layout = layout;
    this.#journal = journal;
    this.#durableWhenWritten = journal !== undefined && options.durability === "written";
    this.#compression = options.compression ?? { kind: "none" };
    this.#policy = options.flush ?? DEFAULT_FLUSH_POLICY;
  }

  static async open(options: SaverFileOptions): Promise<SaverFile> {
    checkPolicy(options.flush ?? DEFAULT_FLUSH_POLICY);
    checkDurability(options.durability);
    checkMetadata(options.metadata ?? {});
    const layout = resolveLayout(options);
    const filePath = path.resolve(options.path);
    const mode = options.mode ?? "create";
    if (layout.flavour === "pymodaq3" && mode !== "append") checkSaveTypeV3(options.saveType ?? "detector");
    if (hasJournal(filePath)) {
      throw new SaverError(
        "failed_precondition",
        `'${filePath}' was not closed cleanly (or its recovery was stopped): its crash journal beside it ('${journalPathOf(filePath)}', or the spent one of a recovery) holds what it lacks. Recover it first (h5saver recover '${filePath}', recoverFile(), or open it through h5saver serve, which recovers it)`,
      );
    }
    // a base copy without its journal is what a process killed while starting a journal leaves
    if (existsSync(basePathOf(filePath))) rmSync(basePathOf(filePath), { force: true });
    ensureFolderOf(filePath);
    const now = options.now ?? new Date();
    const openMode = openModeOf(mode);
    // a new file this open fails to make on a full disk is removed: left half made, it would
    // refuse the same open once space is freed ("exists already")
    const madeHere = mode !== "append" && !existsSync(filePath);
    /** The error to report once what this open made is gone (the journal; a new file, disk full). */
    const cleanUpAfter = (error: unknown): unknown => {
      try {
        journal?.discard();
      } catch {
        // the open's own failure is the one to report
      }
      const full = error instanceof SaverError && error.code === "resource_exhausted";
      if (!full) return error;
      // only on a full disk: any other failure to create may be a file another program made
      // meanwhile (HDF5's exclusive create then refuses it), which is not this open's to remove
      if (madeHere) rmSync(filePath, { force: true });
      return diskFullAtOpen(filePath, openMode, error);
    };
    // the journal starts before HDF5 touches the file: a crash at any later moment is recoverable
    const journal = options.journal
      ? JournalWriter.start(filePath, {
          options: replayOptions(options),
          openedAt: now,
          fromBase: mode === "append" && existsSync(filePath),
        })
      : undefined;
    let backend: H5Backend;
    try {
      backend = await openH5File(filePath, openMode, options.compression);
    } catch (error) {
      throw cleanUpAfter(error);
    }
    try {
      const create = {
        fileName: path.basename(filePath),
        now,
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
      return new SaverFile(filePath, tree, options, layout, journal);
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw cleanUpAfter(error);
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
    return this.#serial(() =>
      this.#journaled("addDetector", [title, settingsXml], () =>
        this.#tree.addDetGroup(this.#tree.rawGroup, title, settingsXml),
      ),
    );
  }

  /** DAQ_Viewer's snapshot save: one CHnn group per DataWithAxes, CARRAYs; flushed before it resolves. */
  saveSnapshot(detector: string, dte: DataToExport | DataToExportInput): Promise<string[]> {
    return this.#serial(async () => {
      const data = createDataToExport(dte);
      return this.#journaled("saveSnapshot", [detector, data], () => this.#saveSnapshot(detector, data));
    });
  }

  async #saveSnapshot(detector: string, data: DataToExport): Promise<string[]> {
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
  }

  beginScan(input: ScanInput): Promise<string> {
    return this.#serial(() => this.#journaled("beginScan", [input], () => this.#beginScan(input)));
  }

  async #beginScan(input: ScanInput): Promise<string> {
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
  }

  addScanDetector(scan: string, title: string, settingsXml = ""): Promise<string> {
    return this.#serial(() =>
      this.#journaled("addScanDetector", [scan, title, settingsXml], () =>
        this.#scan(scan).addDetector(title, settingsXml),
      ),
    );
  }

  saveScanPoint(
    scan: string,
    detector: string,
    indexes: readonly number[],
    dte: DataToExport | DataToExportInput,
  ): Promise<void> {
    return this.#serial(async () => {
      const data = createDataToExport(dte);
      await this.#journaled("saveScanPoint", [scan, detector, indexes, data], () =>
        this.#scan(scan).savePoint(detector, indexes, data),
      );
      // outside the journaled call: a flush that fails now does not unsave a point already durable
      await this.#afterAppend();
    });
  }

  endScan(scan: string): Promise<void> {
    return this.#serial(() =>
      this.#journaled("endScan", [scan], async () => {
        await this.#scan(scan).end();
        await this.#flushNow();
      }),
    );
  }

  /** Starts DAQ_Viewer-style continuous saving into `detector`; returns the stream's id. */
  startContinuous(detector: string): Promise<string> {
    return this.#serial(() =>
      this.#journaled("startContinuous", [detector], () => this.#startContinuous(detector)),
    );
  }

  async #startContinuous(detector: string): Promise<string> {
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
      this.#streams.set(groups.detector, { stream, recorded: 0, durable: 0 });
      return groups.detector;
    }
    // the journal points at chunks stored as they are and at deflated ones (whose zlib streams
    // say which bytes they hold); blosc's are not told apart, so its frames are copied
    const locateChunks = this.#journal !== undefined && this.#compression.kind !== "blosc-lz4";
    this.#streams.set(detector, {
      stream: new ContinuousStream(this.#tree, detector, this.#compression, locateChunks),
      recorded: 0,
      durable: 0,
    });
    return detector;
  }

  append(stream: string, dte: DataToExport | DataToExportInput): Promise<AppendReceipt> {
    return this.#serial(async () => {
      const data = createDataToExport(dte);
      const state = this.#stream(stream);
      await this.#journaledAppend(state, "append", [stream, data], async () => {
        // the 3.x stream writes no chunk the journal could point at
        const places = await state.stream.append(data);
        return places || undefined;
      });
      // outside the journaled call: a flush that fails now does not take back a frame already durable
      await this.#afterAppend();
      return receiptOf(state);
    });
  }

  /**
   * Appends the frames of a block (model/frame-block.ts) as `append` would append them one by one,
   * at a fraction of the cost per frame.
   */
  appendBlock(stream: string, block: FrameBlock): Promise<AppendReceipt> {
    return this.#serial(async () => {
      const state = this.#stream(stream);
      const target = state.stream;
      // the record's first frame as views of the block's rows: where those are in the file, it is too
      const recorded = { ...block, first: frameOf(block, 0) };
      await this.#journaledAppend(state, "appendBlock", [stream, recorded], async () => {
        if (target instanceof ContinuousStream) return target.appendBlock(block);
        // the 3.x stream casts each frame to its dtype: frame by frame
        for (let k = 0; k < block.frames; k++) await target.append(frameOf(block, k));
        return undefined;
      });
      await this.#afterAppend(block.frames);
      return receiptOf(state);
    });
  }

  endContinuous(stream: string): Promise<AppendReceipt> {
    return this.#serial(() =>
      this.#journaled("endContinuous", [stream], async () => {
        const state = this.#stream(stream);
        await state.stream.end();
        await this.#flushNow();
        this.#streams.delete(stream);
        return receiptOf(state);
      }),
    );
  }

  addLog(...lines: string[]): Promise<void> {
    return this.#serial(() => this.#journaled("addLog", lines, () => this.#tree.addLog(lines)));
  }

  /** Writes and flushes everything pending: every frame appended so far becomes durable. */
  flush(): Promise<DurableEvent[]> {
    return this.#serial(() => this.#flushNow());
  }

  /**
   * Writes out and flushes what the streams hold, so that another HDF5 reader sees every frame
   * appended so far; the journal is left to its background syncs (a reader needs none).
   */
  async flushForReaders(): Promise<void> {
    await this.#serial(() => this.#flushNow(false));
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      let failure: unknown;
      try {
        // A scan still open keeps scan_done = False: PyMoDAQ then knows it did not finish.
        await this.#flushNow();
      } catch (error) {
        failure = error;
      }
      // whatever failed above, the file is closed: HDF5 writes what it holds and frees the handle
      this.#closed = true;
      try {
        await this.#tree.backend.close();
      } catch (error) {
        this.#markDamaged(error);
        failure ??= error;
      }
      if (this.#damage && this.#journal) {
        // a file that missed a write keeps its journal: opening it again rebuilds it whole
        this.#journal.abandon();
        throw new SaverError(
          this.#damage.code,
          `'${this.path}' is closed without some of its frames: a write failed (${this.#damage.message}). Its crash journal holds them: once the cause is fixed, open the file again (h5saver serve, or h5saver recover) to rebuild it with every frame acknowledged as durable`,
        );
      }
      this.#journal?.discard();
      if (failure !== undefined) throw failure;
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

  /**
   * Runs a call that changes the file, recorded in the journal first (a record that cannot be
   * written refuses the call). A call that fails is marked cancelled: recovery skips it, so the
   * rebuilt file holds what the caller was told was saved.
   */
  async #journaled<T>(
    method: JournalCall["method"],
    args: readonly unknown[],
    run: () => Promise<T>,
  ): Promise<T> {
    const journal = this.#journal;
    if (!journal) return run();
    if (this.#syncFailure) throw this.#syncFailure;
    journal.record({ method, args });
    try {
      const value = await run();
      this.#scheduleSync();
      return value;
    } catch (error) {
      this.#markDamaged(error);
      try {
        journal.record({ method: CANCELLED_CALL, args: [] });
      } catch {
        // then recovery replays the call: at worst a call that was refused comes back
      }
      this.#scheduleSync();
      throw error;
    }
  }

  /**
   * Runs a stream's append, then records it. The append comes first so that the record can point
   * at the chunks it wrote (large frames: the journal then holds no second copy of them); a
   * process killed between the two loses frames it never acknowledged, which recovery leaves out.
   * A failed append leaves no record. A record that cannot be written after the append stops the
   * file's journal: the file holds frames the journal lacks, and none may be called durable.
   */
  async #journaledAppend(
    state: StreamState,
    method: "append" | "appendBlock",
    args: readonly unknown[],
    run: () => Promise<ChunkPlaces | undefined>,
  ): Promise<void> {
    const journal = this.#journal;
    if (!journal) {
      await run();
      return;
    }
    if (this.#syncFailure) throw this.#syncFailure;
    let places: ChunkPlaces | undefined;
    try {
      places = await run();
    } catch (error) {
      this.#markDamaged(error);
      throw error;
    }
    try {
      journal.record({ method, args }, places);
    } catch (error) {
      this.#markDamaged(error);
      this.#syncFailure = SaverError.from(error);
      throw error;
    }
    state.recorded = state.stream.frames;
    // written: the kernel holds the frames (in the file's chunks or the record), a kill loses none
    if (this.#durableWhenWritten) {
      try {
        this.#advanceDurable(this.#recordedFrames());
      } catch {
        // a listener's failure is its own: the frame is appended and recorded all the same
      }
    }
    this.#scheduleSync();
  }

  /**
   * Syncs the journal in the background as soon as a call is recorded (group commit: the calls
   * recorded while a sync runs share the next one). The writer goes on with the file meanwhile,
   * and the frames a sync covers are acknowledged as durable when it ends.
   */
  #scheduleSync(): void {
    const journal = this.#journal;
    if (!journal?.unsynced || this.#syncFailure) return;
    const counts = this.#recordedFrames();
    let syncing: Promise<void> | undefined;
    try {
      syncing = journal.syncInBackground();
    } catch (error) {
      // the journal was closed by a failed write: the next call reports it
      this.#failSync(error);
      return;
    }
    if (!syncing) return; // one is running: it starts the next when it ends
    this.#syncing = syncing
      .then(
        () => {
          this.#syncing = undefined;
          try {
            this.#advanceDurable(counts);
          } finally {
            this.#scheduleSync();
          }
        },
        (error: unknown) => {
          this.#syncing = undefined;
          this.#failSync(error);
        },
      )
      // a listener that throws must not leave a rejection nobody handles
      .catch(() => undefined);
  }

  /**
   * Every frame recorded so far becomes durable (a sync in this thread: for explicit flushes and
   * closing). A background sync still running has not made its records durable yet: this one does.
   */
  #syncJournal(): void {
    const journal = this.#journal;
    if (!journal || (!journal.unsynced && !this.#syncing)) return;
    const counts = this.#recordedFrames();
    try {
      journal.sync();
    } catch (error) {
      this.#failSync(error);
      throw error;
    }
    this.#advanceDurable(counts);
  }

  /**
   * A sync of the journal failed. Linux reports a failed writeback once: a later sync that
   * succeeds proves nothing, so no frame is acknowledged any more; and the journal is kept when
   * the file closes (damaged), since it holds frames acknowledged — written, or synced before —
   * that the file may lack: opening the file again rebuilds it from the journal.
   */
  #failSync(error: unknown): void {
    this.#syncFailure ??= SaverError.from(error);
    this.#markDamaged(error);
  }

  /** Each stream's frames whose journal records are written. */
  #recordedFrames(): Array<readonly [string, number]> {
    return [...this.#streams].map(([id, state]) => [id, state.recorded] as const);
  }

  #advanceDurable(counts: ReadonlyArray<readonly [string, number]>): DurableEvent[] {
    const events: DurableEvent[] = [];
    for (const [id, frames] of counts) {
      const state = this.#streams.get(id);
      if (state && frames > state.durable) {
        state.durable = frames;
        events.push({ stream: id, durableFrames: frames });
      }
    }
    for (const event of events) for (const listener of this.#listeners) listener(event);
    return events;
  }

  async #afterAppend(frames = 1): Promise<void> {
    this.#waiting += frames;
    if (this.#waiting >= this.#policy.maxFrames) {
      // With a journal the frames are durable already and the flush only shows them to readers:
      // it runs once the calls already waiting have run, so that the call returns at once and the
      // flush overlaps the arrival of the next frame (flushes under load cover several frames).
      if (this.#journal) this.#scheduleFlush();
      else await this.#flushNow();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#policyFlush();
      }, this.#policy.maxDelayMs);
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    const flush = () => {
      this.#flushScheduled = false;
      this.#policyFlush();
    };
    // after the sync that covers these frames has acknowledged them: the flush must not delay that
    const after = this.#syncing ?? Promise.resolve();
    const schedule = () => setImmediate(flush);
    after.then(schedule, schedule);
  }

  /**
   * A flush the policy asks for. With a journal, its background syncs make the frames durable:
   * the flush only shows them to readers, and syncs nothing in this thread. A failure stops the
   * stream (writeOut); its next call reports it.
   */
  #policyFlush(): void {
    this.#serial(() => this.#flushNow(false)).catch(() => undefined);
  }

  /** Writes out what the streams hold and flushes HDF5; `syncJournal` first syncs the journal here. */
  async #flushNow(syncJournal = true): Promise<DurableEvent[]> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    let failure: unknown;
    let journaled: DurableEvent[] = [];
    try {
      journaled = this.#journal && syncJournal ? this.#syncJournalNow() : [];
    } catch (error) {
      // the streams are written out all the same: the file then holds what it can
      failure = error;
    }
    // a stream that fails to write is stopped and trimmed by writeOut; the others still flush
    for (const { stream } of this.#streams.values()) {
      await stream.writeOut().catch((error: unknown) => {
        failure ??= error;
      });
    }
    try {
      await this.#tree.backend.flush();
    } catch (error) {
      this.#markDamaged(error);
      throw error;
    }
    this.#waiting = 0;
    // with a journal, what is durable is what its syncs covered (a flush reaches the disk later)
    const flushed = this.#journal
      ? []
      : this.#advanceDurable(
          [...this.#streams].map(([id, state]) => [id, state.stream.framesInFile] as const),
        );
    if (failure !== undefined) {
      this.#markDamaged(failure);
      throw failure;
    }
    return [...journaled, ...flushed];
  }

  /**
   * Remembers the first failure that was the disk's or HDF5's, not the caller's: a stream that
   * failed a write is trimmed to what it could write, so the file lacks frames the journal holds.
   */
  #markDamaged(error: unknown): void {
    const failure = SaverError.from(error);
    if (!isCallersError(failure.code)) this.#damage ??= failure;
  }

  #syncJournalNow(): DurableEvent[] {
    if (this.#syncFailure) throw this.#syncFailure;
    const before = new Map([...this.#streams].map(([id, state]) => [id, state.durable]));
    this.#syncJournal();
    return [...this.#streams]
      .filter(([id, state]) => state.durable !== before.get(id))
      .map(([id, state]) => ({ stream: id, durableFrames: state.durable }));
  }

  #stream(id: string): StreamState {
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

/** What a journal keeps of the options: all but where the file is and how it was opened. */
function replayOptions(options: SaverFileOptions): Record<string, unknown> {
  const { path: _path, mode: _mode, journal: _journal, now: _now, ...kept } = options;
  return kept;
}

/**
 * The raw group's own attributes (PyTables' CLASS, TITLE, VERSION; PyMoDAQ's save type): metadata
 * naming one would replace it, and PyTables and PyMoDAQ read the file by them.
 */
const RAW_GROUP_OWN_ATTRIBUTES: ReadonlySet<string> = new Set(["CLASS", "TITLE", "VERSION", "type"]);

/**
 * The raw group's attributes share one HDF5 object header (64 KiB): metadata that would not fit
 * is refused before the file is touched, with the same budget as a settings attribute; so are
 * keys that are empty or name the group's own attributes.
 */
function checkMetadata(metadata: Readonly<Record<string, string | number | boolean>>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(metadata)) {
    checkText(key, "metadata key");
    if (key === "") throw invalidData("metadata", "has an empty key: an attribute needs a name");
    if (RAW_GROUP_OWN_ATTRIBUTES.has(key)) {
      throw invalidData(
        `metadata.${key}`,
        `'${key}' is an attribute the raw group has of its own (${[...RAW_GROUP_OWN_ATTRIBUTES].join(", ")}), which PyTables and PyMoDAQ read the file by: name the metadata otherwise`,
      );
    }
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

function checkDurability(durability: SaverFileOptions["durability"]): void {
  if (durability === undefined || durability === "synced" || durability === "written") return;
  throw new SaverError(
    "invalid_data",
    `durability must be 'synced' or 'written', got ${JSON.stringify(durability)}`,
    {
      field: "durability",
    },
  );
}

function receiptOf(state: StreamState): AppendReceipt {
  const { stream } = state;
  return {
    frames: stream.frames,
    durableFrames: state.durable,
    framesPerChunk: stream instanceof ContinuousStream ? stream.framesPerChunk : 0,
  };
}
