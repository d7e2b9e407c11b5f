import type { RecoveryReport } from "../durability/recover.ts";
import type { SerializedSaverError } from "../errors.ts";
import {
  type DurableEvent,
  JOURNALED_METHODS,
  type SaverFile,
  type SaverFileOptions,
} from "../layout/saver-file.ts";
import type { WarmUpReport } from "./warm-up.ts";

/** The SaverFile calls a worker serves: everything a session does to its open file. */
export const WORKER_METHODS = [...JOURNALED_METHODS, "flush", "flushForReaders", "close"] as const;

export type WorkerMethod = (typeof WORKER_METHODS)[number];
export type SaverFileApi = Pick<SaverFile, WorkerMethod>;

/**
 * A call to a writer thread. A thread may serve several files at once: `file` says which (a
 * number its owner gives each file it opens there, unique on that thread); "recover" has none.
 */
export type WorkerRequest =
  | {
      readonly id: number;
      readonly file: number;
      readonly method: "open";
      readonly args: [SaverFileOptions];
      /** Rebuild the file from its crash journal first, if it has one (default true). */
      readonly recoverFirst?: boolean;
    }
  | { readonly id: number; readonly file?: undefined; readonly method: "recover"; readonly args: [string] }
  | { readonly id: number; readonly file: number; readonly method: WorkerMethod; readonly args: unknown[] };

/** An answer (to the request of that id, about that file) or an event of a file or the thread. */
export type WorkerReply =
  | { readonly id: number; readonly file?: number | undefined; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly file?: number | undefined;
      readonly ok: false;
      readonly error: SerializedSaverError;
    }
  | { readonly event: "durable"; readonly file: number; readonly payload: DurableEvent }
  | { readonly event: "warmed-up"; readonly payload: WarmUpOutcome };

/** What a writer thread is started with (its `workerData`). */
export interface WriterThreadData {
  /** Run a throw-away session (warm-up.ts) before serving the first file. */
  readonly warmUp: boolean;
}

/** Posted once by a thread started with `warmUp`, when its warm-up ended (warm-up.ts). */
export type WarmUpOutcome = WarmUpReport | { readonly error: SerializedSaverError };

/**
 * Sent to a thread outside the request / reply flow: "stop-warm-up" ends its warm-up at the next
 * round, because a file is about to be served by it.
 */
export interface WorkerControl {
  readonly control: "stop-warm-up";
}

/** What "open" answers: the file's path, and the recovery that ran first if it had a crash journal. */
export interface OpenedReply {
  readonly path: string;
  readonly recovery?: RecoveryReport;
}
