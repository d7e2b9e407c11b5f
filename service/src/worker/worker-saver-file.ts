import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { RecoveryReport } from "../durability/recover.ts";
import { SaverError } from "../errors.ts";
import type {
  AppendReceipt,
  DurableEvent,
  SaverFile,
  SaverFileOptions,
  ScanInput,
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
 * A SaverFile that lives in its own worker thread: the same calls, answered asynchronously, with
 * the HDF5 work off the caller's event loop. Open one with `openSaverFile`.
 */
export class WorkerSaverFile implements SaverFileApi {
  readonly path: string;
  /** Set when the file had a crash journal: it was rebuilt from it before this session opened it. */
  readonly recovery: RecoveryReport | undefined;
  readonly #worker: Worker;
  readonly #pending: Map<number, Pending>;
  readonly #listeners: Set<Listener>;
  readonly #handOver: boolean;
  /** Detaches this file's listeners from its thread, which may serve another file next. */
  readonly #detach: () => void;
  #nextId: number;
  #closed = false;

  private constructor(
    path: string,
    worker: Worker,
    link: ThreadLink,
    nextId: number,
    recovery: RecoveryReport | undefined,
    handOver: boolean,
  ) {
    this.path = path;
    this.recovery = recovery;
    this.#worker = worker;
    this.#pending = link.pending;
    this.#listeners = link.listeners;
    this.#nextId = nextId;
    this.#handOver = handOver;
    // a thread that is gone answers nothing: later calls must fail at once, not wait forever
    const gone = () => {
      this.#closed = true;
    };
    worker.once("exit", gone);
    this.#detach = () => {
      link.detach();
      worker.off("exit", gone);
    };
  }

  static async open(options: SaverFileOptions, thread: WriterThreadOptions = {}): Promise<WorkerSaverFile> {
    const worker = await takeWriterThread();
    const link = linkThread(worker);
    let opened: OpenedReply;
    try {
      opened = (await new Promise<unknown>((resolve, reject) => {
        link.pending.set(0, { resolve, reject });
        worker.postMessage({ id: 0, method: "open", args: [options] });
      })) as OpenedReply;
    } catch (error) {
      // a refused open (a file that exists, a bad path) leaves the thread fit for the next one
      link.detach();
      await releaseWriterThread(worker, !link.broken);
      throw error;
    }
    return new WorkerSaverFile(opened.path, worker, link, 1, opened.recovery, thread.handOverArrays ?? false);
  }

  /** Rebuilds a file from its crash journal (durability/recover.ts) in a writer thread of its own. */
  static async recover(file: string): Promise<RecoveryReport> {
    const worker = await takeWriterThread();
    const link = linkThread(worker);
    let recovered = false;
    try {
      const report = (await new Promise<unknown>((resolve, reject) => {
        link.pending.set(0, { resolve, reject });
        worker.postMessage({ id: 0, method: "recover", args: [file] });
      })) as RecoveryReport;
      recovered = true;
      return report;
    } finally {
      link.detach();
      await releaseWriterThread(worker, recovered && !link.broken);
    }
  }

  /** The writer thread's id (worker_threads' threadId): a file after another may get the same one. */
  get threadId(): number {
    return this.#worker.threadId;
  }

  onDurable(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
  /**
   * Closes the file; its thread then waits for the next file (or ends, if one waits already, or
   * if closing failed: SaverFile.close closes the HDF5 file even then, but a thread that met an
   * error is not trusted with another file).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    let closed = false;
    try {
      await this.#call("close", []);
      closed = true;
    } finally {
      this.#closed = true;
      this.#detach();
      await releaseWriterThread(this.#worker, closed);
    }
  }

  #call<M extends WorkerMethod>(method: M, args: unknown[]): Promise<Result<M>> {
    if (this.#closed) {
      return Promise.reject(
        new SaverError(
          "failed_precondition",
          `the file '${this.path}' is closed; open it again (mode 'append') to add to it`,
        ),
      );
    }
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#post(id, method, args);
      } catch (error) {
        this.#pending.delete(id);
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
        this.#worker.postMessage({ id, method, args: moved }, [...transfer]);
        return;
      } catch {
        // a buffer that cannot move (one marked untransferable) makes postMessage throw before
        // anything is detached: then copy, as for other callers
      }
    }
    const transfer = new Set<ArrayBuffer>();
    const copies = args.map((a) => forTransfer(a, transfer, false));
    this.#worker.postMessage({ id, method, args: copies }, [...transfer]);
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
interface ThreadLink {
  readonly pending: Map<number, Pending>;
  readonly listeners: Set<Listener>;
  /** The thread failed or exited while linked. */
  readonly broken: boolean;
  readonly detach: () => void;
}

function linkThread(worker: Worker): ThreadLink {
  const pending = new Map<number, Pending>();
  const listeners = new Set<Listener>();
  const onMessage = (message: WorkerReply) => {
    if ("event" in message) {
      if (message.event === "durable") for (const listener of listeners) listener(message.payload);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (message.ok) call.resolve(message.value);
    else call.reject(SaverError.fromJSON(message.error));
  };
  let broken = false;
  const failAll = (why: string) => {
    broken = true;
    for (const call of pending.values()) call.reject(new SaverError("io_error", why));
    pending.clear();
  };
  const onError = (error: Error) => failAll(`the writer thread failed: ${error.message}`);
  const onExit = (code: number) => failAll(`the writer thread exited (code ${code}) before answering`);
  worker.on("message", onMessage);
  worker.on("error", onError);
  worker.on("exit", onExit);
  return {
    pending,
    listeners,
    get broken() {
      return broken;
    },
    detach: () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    },
  };
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
