import { availableParallelism } from "node:os";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { backendFor } from "../backend/open-h5-file.ts";
import { hasJournal } from "../durability/journal.ts";
import type { RecoveryReport } from "../durability/recover.ts";
import { SaverError } from "../errors.ts";
import {
  type AppendReceipt,
  type DurableEvent,
  openModeOf,
  type SaverFile,
  type SaverFileOptions,
  type ScanInput,
} from "../layout/saver-file.ts";
import type { DataToExport, DataToExportInput } from "../model/data-to-export.ts";
import type { FrameBlock } from "../model/frame-block.ts";
import type {
  OpenedReply,
  SaverFileApi,
  WarmUpOutcome,
  WorkerControl,
  WorkerMethod,
  WorkerReply,
  WorkerRequest,
  WriterThreadData,
} from "./protocol.ts";
import { enableBufferRelease } from "./release-buffers.ts";
import { bundledWorker } from "./worker-bundle.ts";

type Pending = { resolve: (value: unknown) => void; reject: (error: SaverError) => void };

/** How a WorkerSaverFile passes the arrays of a call to its thread. */
export interface WriterThreadOptions {
  /**
   * The caller gives its arrays away: their buffers move to the writer thread without a copy and
   * are detached (unusable) here once the call is sent. For callers whose arrays are views of a
   * buffer nobody else holds, e.g. the server's, which decodes each message into views of it.
   * Default false: each array is copied once and the caller keeps its own.
   */
  readonly handOverArrays?: boolean;
}
type Listener = (event: DurableEvent) => void;
type Args<M extends WorkerMethod> = Parameters<SaverFile[M]>;
type Result<M extends WorkerMethod> = Awaited<ReturnType<SaverFile[M]>>;

/**
 * A SaverFile that lives in a writer thread: the same calls, answered asynchronously, with the
 * HDF5 work off the caller's event loop. Open one with `openSaverFile`. Files written by the
 * native HDF5 backend share the process's writer threads once there are as many as cores
 * (`writerThreadLimit`); the others (h5wasm: blosc, appending, recovering) get one each.
 */
export class WorkerSaverFile implements SaverFileApi {
  readonly path: string;
  /** Set when the file had a crash journal: it was rebuilt from it before this session opened it. */
  readonly recovery: RecoveryReport | undefined;
  readonly #slot: ThreadSlot;
  readonly #thread: WriterThread;
  readonly #link: FileLink;
  readonly #handOver: boolean;
  #nextId: number;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    path: string,
    slot: ThreadSlot,
    thread: WriterThread,
    link: FileLink,
    recovery: RecoveryReport | undefined,
    handOver: boolean,
  ) {
    this.path = path;
    this.recovery = recovery;
    this.#slot = slot;
    this.#thread = thread;
    this.#link = link;
    this.#nextId = 1;
    this.#handOver = handOver;
  }

  static async open(options: SaverFileOptions, thread: WriterThreadOptions = {}): Promise<WorkerSaverFile> {
    const slot = reserveSlot(sharesThread(options));
    let writer: WriterThread;
    try {
      writer = await slot.thread;
    } catch (error) {
      await leaveSlot(slot);
      throw error;
    }
    const link = writer.link();
    let opened: OpenedReply;
    try {
      opened = (await new Promise<unknown>((resolve, reject) => {
        if (writer.dead !== undefined) {
          reject(new SaverError("io_error", `${writer.dead}: open '${options.path}' again`));
          return;
        }
        link.pending.set(0, { resolve, reject });
        // a file placed beside others is not rebuilt there (a journal that appeared since it was
        // placed): SaverFile.open then refuses it, and the server recovers files first anyway
        const request: WorkerRequest = {
          id: 0,
          file: link.file,
          method: "open",
          args: [options],
          recoverFirst: !slot.sharing,
        };
        writer.worker.postMessage(request);
      })) as OpenedReply;
    } catch (error) {
      // a refused open (a file that exists, a bad path) leaves the thread fit for the next one
      writer.unlink(link);
      await leaveSlot(slot, writer, !link.broken);
      throw error;
    }
    return new WorkerSaverFile(
      opened.path,
      slot,
      writer,
      link,
      opened.recovery,
      thread.handOverArrays ?? false,
    );
  }

  /** Rebuilds a file from its crash journal (durability/recover.ts) in a writer thread of its own. */
  static async recover(file: string): Promise<RecoveryReport> {
    const writer = new WriterThread(await takeWriterThread());
    const link = writer.link(RECOVERY_FILE);
    let recovered = false;
    try {
      const report = (await new Promise<unknown>((resolve, reject) => {
        link.pending.set(0, { resolve, reject });
        writer.worker.postMessage({ id: 0, method: "recover", args: [file] });
      })) as RecoveryReport;
      recovered = true;
      return report;
    } finally {
      writer.unlink(link);
      writer.detach();
      await releaseWriterThread(writer.worker, recovered && !link.broken);
    }
  }

  /** The writer thread's id (worker_threads' threadId): a file after another may get the same one. */
  get threadId(): number {
    return this.#thread.worker.threadId;
  }

  onDurable(listener: Listener): () => void {
    this.#link.listeners.add(listener);
    return () => this.#link.listeners.delete(listener);
  }

  addDetector(...args: Args<"addDetector">): Promise<string> {
    return this.#call("addDetector", args);
  }
  saveSnapshot(...args: Args<"saveSnapshot">): Promise<string[]> {
    return this.#call("saveSnapshot", args);
  }
  beginScan(input: ScanInput): Promise<string> {
    return this.#call("beginScan", [input]);
  }
  addScanDetector(...args: Args<"addScanDetector">): Promise<string> {
    return this.#call("addScanDetector", args);
  }
  saveScanPoint(...args: Args<"saveScanPoint">): Promise<void> {
    return this.#call("saveScanPoint", args);
  }
  endScan(scan: string): Promise<void> {
    return this.#call("endScan", [scan]);
  }
  startContinuous(detector: string): Promise<string> {
    return this.#call("startContinuous", [detector]);
  }
  append(stream: string, dte: DataToExport | DataToExportInput): Promise<AppendReceipt> {
    return this.#call("append", [stream, dte]);
  }
  appendBlock(stream: string, block: FrameBlock): Promise<AppendReceipt> {
    return this.#call("appendBlock", [stream, block]);
  }
  endContinuous(stream: string): Promise<AppendReceipt> {
    return this.#call("endContinuous", [stream]);
  }
  addLog(...lines: string[]): Promise<void> {
    return this.#call("addLog", lines);
  }
  flush(): Promise<DurableEvent[]> {
    return this.#call("flush", []);
  }

  flushForReaders(): Promise<void> {
    return this.#call("flushForReaders", []);
  }
  /**
   * Closes the file; its thread then serves its other files, or waits for the next file once it
   * has none (or ends, if one waits already, or if a close on it failed: SaverFile.close closes
   * the HDF5 file even then, but a thread that met an error is not trusted with another file).
   */
  close(): Promise<void> {
    // (a second close while the first runs waits for it)
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    let closed = false;
    try {
      await this.#call("close", []);
      closed = true;
    } finally {
      this.#closed = true;
      this.#thread.unlink(this.#link);
      await leaveSlot(this.#slot, this.#thread, closed && !this.#link.broken);
    }
  }

  #call<M extends WorkerMethod>(method: M, args: unknown[]): Promise<Result<M>> {
    // (a thread that is gone answers nothing: calls fail at once rather than wait forever)
    if (this.#closed) {
      return Promise.reject(
        new SaverError(
          "failed_precondition",
          `the file '${this.path}' is closed; open it again (mode 'append') to add to it`,
        ),
      );
    }
    if (this.#link.broken) {
      return Promise.reject(
        new SaverError(
          "io_error",
          `${this.#thread.dead ?? "the writer thread is gone"}: '${this.path}' keeps what was acknowledged; open it again (mode 'append') to add to it`,
        ),
      );
    }
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.#link.pending.set(id, { resolve, reject });
      try {
        this.#post(id, method, args);
      } catch (error) {
        this.#link.pending.delete(id);
        reject(
          new SaverError(
            "invalid_data",
            `cannot send this ${method} call to the writer thread: ${(error as Error).message}`,
          ),
        );
      }
    }) as Promise<Result<M>>;
  }

  #post(id: number, method: WorkerMethod, args: unknown[]): void {
    if (this.#handOver) {
      const transfer = new Set<ArrayBuffer>();
      const moved = args.map((a) => forTransfer(a, transfer, true));
      try {
        this.#thread.worker.postMessage({ id, file: this.#link.file, method, args: moved }, [...transfer]);
        return;
      } catch {
        // a buffer that cannot move (one marked untransferable) makes postMessage throw before
        // anything is detached: then copy, as for other callers
      }
    }
    const transfer = new Set<ArrayBuffer>();
    const copies = args.map((a) => forTransfer(a, transfer, false));
    this.#thread.worker.postMessage({ id, file: this.#link.file, method, args: copies }, [...transfer]);
  }
}

/**
 * Every typed array of a call, ready to be transferred to the writer thread rather than cloned
 * (structured clone would copy a view's whole buffer, a small view of a large gRPC buffer
 * included). With `moveOwn`, an array whose buffer is a large one of its own goes as it is (the
 * caller gives it away); the others go as a copy of just their bytes (always for callers that
 * keep their arrays, and for Node's pool of small Buffers, which unrelated Buffers share).
 */
function forTransfer(value: unknown, transfer: Set<ArrayBuffer>, moveOwn: boolean): unknown {
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (moveOwn && buffer instanceof ArrayBuffer && buffer.byteLength > Buffer.poolSize) {
      transfer.add(buffer);
      return value;
    }
    const copy = (value as unknown as { slice(): ArrayBufferView }).slice();
    transfer.add(copy.buffer as ArrayBuffer);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => forTransfer(v, transfer, moveOwn));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forTransfer(v, transfer, moveOwn)]));
  }
  return value;
}

/**
 * A writer thread: the bundled worker (worker-bundle.ts) when esbuild could build it, else the
 * sources through tsx — on Node 20 a worker does not inherit the loader that `--import tsx`
 * registered, so such a worker registers tsx itself, then loads the entry.
 */
async function startWorker(warmUp = false): Promise<Worker> {
  enableBufferRelease();
  const workerData: WriterThreadData = { warmUp };
  const bundle = await bundledWorker(WORKER_ENTRY);
  if (bundle) return new Worker(bundle, { workerData });
  const source = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); });`;
  return new Worker(source, { eval: true, workerData });
}

const WORKER_ENTRY = process.env.H5SAVER_WORKER_ENTRY
  ? pathToFileURL(process.env.H5SAVER_WORKER_ENTRY)
  : new URL("./saver-worker.ts", import.meta.url);

/** A file's side of its thread: the calls awaiting answers, the durability listeners. */
interface FileLink {
  /** The file's number on its thread (RECOVERY_FILE for a recovery). */
  readonly file: number;
  readonly pending: Map<number, Pending>;
  readonly listeners: Set<Listener>;
  /** The thread failed or exited while linked. */
  broken: boolean;
}

/** The link of a recovery, whose answer names no file. */
const RECOVERY_FILE = 0;

/**
 * A writer thread serving files: one listener per event routes each answer and each durability
 * event to its file's link; a thread that fails or exits fails every call awaiting it.
 */
class WriterThread {
  readonly worker: Worker;
  readonly #links = new Map<number, FileLink>();
  #nextFile = RECOVERY_FILE + 1;
  readonly #onMessage = (message: WorkerReply) => {
    if ("event" in message) {
      if (message.event === "durable") {
        for (const listener of this.#links.get(message.file)?.listeners ?? []) listener(message.payload);
      }
      return;
    }
    const link = this.#links.get(message.file ?? RECOVERY_FILE);
    const call = link?.pending.get(message.id);
    if (!link || !call) return;
    link.pending.delete(message.id);
    if (message.ok) call.resolve(message.value);
    else call.reject(SaverError.fromJSON(message.error));
  };
  readonly #onError = (error: Error) => this.#failAll(`the writer thread failed: ${error.message}`);
  readonly #onExit = (code: number) =>
    this.#failAll(`the writer thread exited (code ${code}) before answering`);
  /** Why the thread is unusable (it failed or exited), once it is. */
  #dead: string | undefined;
  readonly #onDead: (() => void) | undefined;

  /** `onDead`: told once, when the thread fails or exits (its files' calls then fail at once). */
  constructor(worker: Worker, onDead?: () => void) {
    this.worker = worker;
    this.#onDead = onDead;
    worker.on("message", this.#onMessage);
    worker.on("error", this.#onError);
    worker.on("exit", this.#onExit);
  }

  /** Set when the thread failed or exited: a file linked now would wait for an answer forever. */
  get dead(): string | undefined {
    return this.#dead;
  }

  /** A new file's link (or the recovery's); broken at once on a dead thread. */
  link(file = this.#nextFile++): FileLink {
    const link: FileLink = {
      file,
      pending: new Map(),
      listeners: new Set(),
      broken: this.#dead !== undefined,
    };
    this.#links.set(file, link);
    return link;
  }

  unlink(link: FileLink): void {
    this.#links.delete(link.file);
  }

  /** Stops routing: the thread may be kept ready for a file of another owner, or ended. */
  detach(): void {
    this.worker.off("message", this.#onMessage);
    this.worker.off("error", this.#onError);
    this.worker.off("exit", this.#onExit);
  }

  #failAll(why: string): void {
    if (this.#dead === undefined) {
      this.#dead = why;
      this.#onDead?.();
    }
    for (const link of this.#links.values()) {
      link.broken = true;
      for (const call of link.pending.values()) call.reject(new SaverError("io_error", why));
      link.pending.clear();
    }
  }
}

/** Writer threads at most before native-backend files share them, unless set: one per core (two at least). */
export const DEFAULT_WRITER_THREAD_LIMIT = Math.max(2, availableParallelism());
let threadLimit = DEFAULT_WRITER_THREAD_LIMIT;

/** Writer threads at most, in this process, before native-backend files share them. */
export function writerThreadLimit(): number {
  return threadLimit;
}

/**
 * Sets writerThreadLimit for the files placed from now on (files open stay where they are): a
 * positive integer. `h5saver serve --writer-threads`.
 */
export function setWriterThreadLimit(limit: number): void {
  threadLimit = checkedWriterThreadLimit(limit);
}

/** `limit` if it can be a writer thread limit (a positive integer); else invalid_data. */
export function checkedWriterThreadLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new SaverError("invalid_data", `a writer thread limit must be a positive integer, not ${limit}`);
  }
  return limit;
}

/** A writer thread as files are placed on it (its thread may still be starting). */
interface ThreadSlot {
  readonly thread: Promise<WriterThread>;
  /** Placed for native-backend files, which may share it. */
  readonly sharing: boolean;
  /** Files placed on it and not yet closed (or failed to open). */
  files: number;
  /** Takes more files: a native-backend file's, on a thread that never met an error. */
  shareable: boolean;
  /** Something failed on it (a close, the thread itself): ended, not kept, once its last file leaves. */
  failed: boolean;
}

const slots = new Set<ThreadSlot>();

/**
 * Whether a file may share its writer thread: one the native backend creates (without blosc) and
 * that has no crash journal to be rebuilt from first. The native backend's HDF5 is one library for
 * the whole process, behind its own lock: threads beyond the cores buy no parallel HDF5 work, and
 * each costs its start, its memory and its own optimising compilation of the writer's code (16
 * files at once: V8's helper threads used 1.55 s of CPU against 0.24–0.67 s for one file's 1 GB).
 * h5wasm files keep a thread each (one WebAssembly HDF5 per thread, whose writes it watches).
 */
function sharesThread(options: SaverFileOptions): boolean {
  if (hasJournal(resolvePath(options.path))) return false;
  try {
    // (appends are h5wasm's)
    return backendFor(openModeOf(options.mode), options.compression ?? { kind: "none" }) === "native";
  } catch {
    return false; // the open reports why
  }
}

/**
 * Places a file: on a new thread while there are fewer than `writerThreadLimit` (the ready one
 * first), else beside the fewest files on a thread that takes more. Counted at once, so that
 * files opened together are spread before any of their threads has started.
 */
function reserveSlot(shareable: boolean): ThreadSlot {
  if (shareable && slots.size >= threadLimit) {
    let fewest: ThreadSlot | undefined;
    for (const slot of slots) {
      if (slot.shareable && (fewest === undefined || slot.files < fewest.files)) fewest = slot;
    }
    if (fewest) {
      fewest.files++;
      return fewest;
    }
  }
  const slot: ThreadSlot = {
    thread: takeWriterThread().then(
      (worker) =>
        new WriterThread(worker, () => {
          // a thread that failed or exited takes no more files and is ended with its last one
          slot.shareable = false;
          slot.failed = true;
        }),
    ),
    sharing: shareable,
    files: 1,
    shareable,
    failed: false,
  };
  slots.add(slot);
  // a thread that could not start takes no more files; those placed on it meanwhile fail to open
  slot.thread.catch(() => {
    slot.shareable = false;
  });
  return slot;
}

/**
 * A file left its thread (closed, or its open failed). `healthy` false: something failed there,
 * so the thread takes no more files and ends with its last one; the last file out of a healthy
 * thread hands it back (kept ready, or ended).
 */
async function leaveSlot(slot: ThreadSlot, thread?: WriterThread, healthy = false): Promise<void> {
  slot.files--;
  if (!healthy) {
    slot.failed = true;
    slot.shareable = false;
  }
  if (slot.files > 0) return;
  slots.delete(slot);
  if (!thread) return;
  thread.detach();
  await releaseWriterThread(thread.worker, !slot.failed);
}

/**
 * One writer thread kept ready. Starting one costs time and CPU (the bundle at first, h5wasm
 * instantiating its module: ~0.3 s), which would otherwise be paid inside OpenFile. The server
 * starts one at start; a file that closes hands its thread back for the next file, so a session
 * after another reuses one thread — no second thread is warmed while a file streams (its memory,
 * ~30 MB, and its start-up competing with the first frames). Files open at the same time beyond
 * the ready one start a thread each. The ready thread is unref'd, so it never keeps a process
 * alive, and one that fails is dropped.
 */
let ready: Worker | undefined;
let readyStarting: Promise<void> | undefined;

function keepReady(worker: Worker): void {
  worker.unref();
  const drop = () => {
    if (ready === worker) ready = undefined;
  };
  worker.once("error", drop);
  worker.once("exit", drop);
  ready = worker;
}

/** The warm-up of each thread started with one: settles once, when it ends or the thread dies. */
const warmUps = new WeakMap<Worker, Promise<WarmUpOutcome>>();
/** Threads a file or a recovery took: the taker decides what becomes of them. */
const taken = new WeakSet<Worker>();

function warmUpOf(worker: Worker): Promise<WarmUpOutcome> {
  return new Promise((resolve) => {
    const settle = (outcome: WarmUpOutcome) => {
      worker.off("message", heard);
      worker.off("error", failed);
      worker.off("exit", exited);
      resolve(outcome);
    };
    const heard = (message: WorkerReply) => {
      if ("event" in message && message.event === "warmed-up") settle(message.payload);
    };
    const failed = (error: Error) =>
      settle({
        error: new SaverError(
          "io_error",
          `the writer thread failed while warming up: ${error.message}`,
        ).toJSON(),
      });
    const exited = (code: number) =>
      settle({
        error: new SaverError(
          "io_error",
          `the writer thread exited (code ${code}) while warming up`,
        ).toJSON(),
      });
    worker.on("message", heard);
    worker.on("error", failed);
    worker.on("exit", exited);
  });
}

/**
 * Starts a writer thread now if none is ready (servers call it at start, so the first OpenFile is
 * fast too). With `warmUp`, the thread first runs a throw-away session (warm-up.ts) so that the
 * first file's frames do not run through cold code; a file opened meanwhile ends it at its next
 * round. `onWarmUp` hears how the warm-up went. A thread whose warm-up failed never serves a file
 * (HDF5 may have been left in a broken state): it is ended, and a cold one started instead.
 */
export function prewarmWriterThread(warmUp = false, onWarmUp?: (outcome: WarmUpOutcome) => void): void {
  if (ready || readyStarting) return;
  readyStarting = startWorker(warmUp)
    .then((worker) => {
      if (warmUp) {
        const outcome = warmUpOf(worker);
        warmUps.set(worker, outcome);
        void outcome.then((settled) => {
          onWarmUp?.(settled);
          if ("error" in settled && !taken.has(worker)) {
            // (a thread that died is no longer ready already: keepReady's listener dropped it)
            if (ready === worker) ready = undefined;
            void worker.terminate();
            prewarmWriterThread(false);
          }
        });
      }
      keepReady(worker);
    })
    .catch(() => undefined)
    .finally(() => {
      readyStarting = undefined;
    });
}

async function takeWriterThread(): Promise<Worker> {
  if (!ready && readyStarting) await readyStarting;
  let worker = ready;
  ready = undefined;
  const warming = worker && warmUps.get(worker);
  if (worker && warming) {
    taken.add(worker);
    warmUps.delete(worker);
    // a ready thread is unref'd: until it answers, nothing else may keep the process alive
    worker.ref();
    worker.postMessage({ control: "stop-warm-up" } satisfies WorkerControl);
    if ("error" in (await warming)) {
      await worker.terminate();
      worker = undefined;
    }
  }
  worker ??= await startWorker();
  worker.removeAllListeners("error");
  worker.removeAllListeners("exit");
  worker.ref();
  return worker;
}

/** A thread whose file closed: kept ready for the next file if it closed well and none is ready. */
async function releaseWriterThread(worker: Worker, healthy: boolean): Promise<void> {
  if (healthy && !ready && !readyStarting && worker.threadId >= 0) keepReady(worker);
  else await worker.terminate();
}

/** Opens (or creates) a PyMoDAQ file in a dedicated writer thread. */
export function openSaverFile(
  options: SaverFileOptions,
  thread: WriterThreadOptions = {},
): Promise<WorkerSaverFile> {
  return WorkerSaverFile.open(options, thread);
}
