/**
 * Rebuilds a file that was not closed cleanly from its crash journal (journal.ts): the journal's
 * calls are replayed into a new file (or onto the base copy of an append session) beside the
 * original, which is then replaced in one rename. A recovery that is itself interrupted leaves the
 * original and the journal as they were, so it can simply run again.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { SaverError } from "../errors.ts";
import { CANCELLED_CALL, JOURNALED_METHODS, SaverFile, type SaverFileOptions } from "../layout/saver-file.ts";
import type { FrameBlock } from "../model/frame-block.ts";
import { basePathOf, hasJournal, type JournalCall, JournalReader, journalPathOf } from "./journal.ts";

export interface RecoveryReport {
  readonly file: string;
  /** Calls replayed (a call the writer refused at the time is not counted: it is skipped). */
  readonly calls: number;
  /** Stream frames and scan points among them. */
  readonly frames: number;
  /** Calls that failed again on replay (0 unless the journal records a refusal it did not mark). */
  readonly refused: number;
  /** The first refusals' messages, for the report. */
  readonly refusals: string[];
  /** Bytes of a record cut short by the crash, dropped (that call never ran). */
  readonly tornBytes: number;
  /** The session had reopened an existing file: the replay started from its copy. */
  readonly fromBase: boolean;
  readonly seconds: number;
}

export interface RecoveryOptions {
  /** Called after each replayed call: bytes of the journal replayed, and its size. */
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export async function recoverFile(file: string, options: RecoveryOptions = {}): Promise<RecoveryReport> {
  const started = performance.now();
  const target = path.resolve(file);
  if (!hasJournal(target)) {
    throw new SaverError(
      "not_found",
      `no crash journal beside '${target}' (${journalPathOf(target)}): it closed cleanly, nothing to recover`,
    );
  }
  const journal = JournalReader.open(target);
  try {
    return await replayJournal(target, journal, options, started);
  } finally {
    journal.close();
  }
}

async function replayJournal(
  target: string,
  journal: JournalReader,
  options: RecoveryOptions,
  started: number,
): Promise<RecoveryReport> {
  // the replay writes a file of the same name (PyMoDAQ records it) in a folder beside the original
  const scratch = path.join(path.dirname(target), `.${path.basename(target)}.h5saver-recovering`);
  const rebuilt = path.join(scratch, path.basename(target));
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  try {
    if (journal.header.fromBase) {
      const base = basePathOf(target);
      if (!existsSync(base)) {
        throw new SaverError(
          "file_unavailable",
          `'${target}' was reopened to add to it, and the copy it had then ('${base}') is gone: it cannot be rebuilt`,
        );
      }
      copyFileSync(base, rebuilt);
    }
    const saver = await SaverFile.open({
      ...(journal.header.options as Partial<SaverFileOptions>),
      path: rebuilt,
      mode: journal.header.fromBase ? "append" : "create",
      now: journal.header.openedAt,
      // one flush at the end: the replay is all or nothing anyway
      flush: { maxFrames: Number.MAX_SAFE_INTEGER, maxDelayMs: 3_600_000 },
    });
    let calls = 0;
    let frames = 0;
    const refusals: string[] = [];
    let refused = 0;
    try {
      for (const call of withoutCancelled(journal)) {
        calls++;
        try {
          await replay(saver, call);
          frames += framesOf(call);
        } catch (error) {
          refused++;
          if (refusals.length < 5) refusals.push(`${call.method}: ${(error as Error).message}`);
        }
        options.onProgress?.(journal.offset, journal.bytes);
      }
    } finally {
      await saver.close();
    }
    renameSync(rebuilt, target);
    rmSync(journalPathOf(target), { force: true });
    rmSync(basePathOf(target), { force: true });
    return {
      file: target,
      calls,
      frames,
      refused,
      refusals,
      tornBytes: journal.tornBytes,
      fromBase: journal.header.fromBase,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The calls to replay, one at a time: a call followed by a cancelled mark failed at the time,
 * and is dropped (the mark always follows its call at once).
 */
function* withoutCancelled(journal: JournalReader): Generator<JournalCall> {
  let held: JournalCall | undefined;
  for (let call = journal.next(); call; call = journal.next()) {
    if (call.method === CANCELLED_CALL) held = undefined;
    else {
      if (held) yield held;
      held = call;
    }
  }
  if (held) yield held;
}

type Journaled = (typeof JOURNALED_METHODS)[number];

/** Stream frames and scan points a call brings. */
function framesOf(call: JournalCall): number {
  if (call.method === "append" || call.method === "saveScanPoint") return 1;
  if (call.method === "appendBlock") return (call.args[1] as FrameBlock).frames;
  return 0;
}

function replay(saver: SaverFile, call: JournalCall): Promise<unknown> {
  if (!(JOURNALED_METHODS as readonly string[]).includes(call.method)) {
    throw new SaverError("internal", `the journal names an unknown call '${call.method}'`);
  }
  const method = saver[call.method as Journaled] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(saver, [...call.args]);
}
