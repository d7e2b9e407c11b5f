/**
 * Worker-thread entry: owns the SaverFiles its owner opens here — one, or several when the
 * server shares its writer threads between files (worker-saver-file.ts) — so that HDF5's
 * synchronous calls never block the main thread's event loop. Requests are answered in order;
 * durability events are pushed, each naming its file.
 */
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { loadH5wasm } from "../backend/h5wasm-backend.ts";
import { newFilesBackend } from "../backend/open-h5-file.ts";
import { hasJournal } from "../durability/journal.ts";
import { recoverFile } from "../durability/recover.ts";
import { SaverError } from "../errors.ts";
import { SaverFile } from "../layout/saver-file.ts";
import {
  type OpenedReply,
  WORKER_METHODS,
  type WorkerControl,
  type WorkerMethod,
  type WorkerReply,
  type WorkerRequest,
  type WriterThreadData,
} from "./protocol.ts";
import { releaseBuffers } from "./release-buffers.ts";
import { warmUpWriter } from "./warm-up.ts";

const port = parentPort;
if (!port) throw new Error("saver-worker.ts runs as a worker thread only");

const files = new Map<number, SaverFile>();

function reply(message: WorkerReply): void {
  port?.postMessage(message);
}

let warmUpStopped = false;

/**
 * The warm-up is an optimisation: its outcome is reported, and the thread's owner decides (one
 * that failed may have left HDF5's state broken: the owner ends that thread).
 */
async function warmUp(): Promise<void> {
  try {
    reply({ event: "warmed-up", payload: await warmUpWriter({ shouldStop: () => warmUpStopped }) });
  } catch (error) {
    reply({ event: "warmed-up", payload: { error: SaverError.from(error).toJSON() } });
  }
}

const { warmUp: warmingUp = false } = (workerData ?? {}) as Partial<WriterThreadData>;
// instantiate HDF5 now: a thread kept ready then opens a file at once (and, warmed up, runs its
// first frames through optimised code); requests wait until then. With the native backend there
// is nothing to instantiate: h5wasm (~40 MB a thread) loads only if a file needs it (blosc,
// appending, recovering).
const started = (async () => {
  try {
    if (newFilesBackend().backend === "h5wasm") await loadH5wasm();
  } catch (error) {
    // each request then fails with the reason; a warm-up that cannot start says it too
    if (warmingUp) reply({ event: "warmed-up", payload: { error: SaverError.from(error).toJSON() } });
    return;
  }
  if (warmingUp) await warmUp();
})();

async function handle(request: WorkerRequest): Promise<unknown> {
  await started;
  if (request.method === "recover") return recoverFile(request.args[0]);
  const id = request.file;
  if (request.method === "open") {
    if (files.has(id)) throw new SaverError("internal", `this worker has a file ${id} open already`);
    const options = request.args[0];
    // a file left by a crash is rebuilt from its journal before anything is added to it
    const recovery =
      request.recoverFirst !== false && hasJournal(path.resolve(options.path))
        ? await recoverFile(options.path)
        : undefined;
    const opened = await SaverFile.open(options);
    files.set(id, opened);
    opened.onDurable((payload) => reply({ event: "durable", file: id, payload }));
    return { path: opened.path, ...(recovery ? { recovery } : {}) } satisfies OpenedReply;
  }
  const open = files.get(id);
  if (!open) throw new SaverError("failed_precondition", `no file ${id} is open in this worker`);
  if (!(WORKER_METHODS as readonly string[]).includes(request.method)) {
    throw new SaverError("internal", `unknown worker method '${request.method}'`);
  }
  if (request.method === "close") {
    // closed even when closing fails: the thread may then serve the next file
    files.delete(id);
  }
  const method = open[request.method as WorkerMethod] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(open, request.args);
}

/**
 * The calls whose arrays nothing keeps once they are answered: a stream's frames are copied into
 * HDF5 (or into a chunk being gathered) and into the journal before the call ends.
 */
const FRAME_METHODS: ReadonlySet<string> = new Set(["append", "appendBlock"]);

port.on("message", (message: WorkerRequest | WorkerControl) => {
  // a request also ends the warm-up: a file waits for this thread
  warmUpStopped = true;
  if ("control" in message) return;
  const request = message;
  const { id, file } = request;
  const settled = handle(request).then(
    (value) => reply({ id, file, ok: true, value }),
    (error: unknown) => reply({ id, file, ok: false, error: SaverError.from(error).toJSON() }),
  );
  if (FRAME_METHODS.has(request.method)) {
    // freeing early is an optimisation: a buffer that cannot be freed is left to the collector
    void settled.then(() => releaseBuffers(request.args)).catch(() => undefined);
  }
});
