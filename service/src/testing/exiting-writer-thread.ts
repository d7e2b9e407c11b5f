/**
 * A writer thread (worker/saver-worker.ts) that exits as soon as a request's first argument
 * mentions `exit-thread` (a file's path, a detector's title): for tests of a thread dying under
 * the files it serves. Selected with H5SAVER_WORKER_ENTRY before worker-saver-file.ts is first
 * imported.
 */
import { parentPort } from "node:worker_threads";
import "../worker/saver-worker.ts";

parentPort?.on("message", (message: { method?: string; args?: unknown[] }) => {
  if (message.method !== undefined && JSON.stringify(message.args?.[0] ?? null).includes("exit-thread")) {
    process.exit(3); // in a worker thread: ends this thread only
  }
});
