/**
 * Rebuilds a file that was not closed cleanly from its crash journal (journal.ts): the journal's
 * calls are replayed into a new file (or onto the base copy of an append session) beside the
 * original, which then replaces it. A recovery stopped while it replays leaves the original and
 * the journal as they were, and simply runs again. Once the rebuilt file is complete and synced,
 * the journal is renamed aside (spent) before the swap: its records point at the damaged file's
 * chunks, which the rebuilt file does not hold in the same places, so a recovery stopped from
 * then on is finished by the next one — the swap completed — never replayed a second time.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { SaverError } from "../errors.ts";
import { acquireLock } from "../files/root-lock.ts";
import { syncFile, syncFolder } from "../files/sync-to-disk.ts";
import { CANCELLED_CALL, JOURNALED_METHODS, SaverFile, type SaverFileOptions } from "../layout/saver-file.ts";
import type { FrameBlock } from "../model/frame-block.ts";
import {
  basePathOf,
  type JournalCall,
  JournalReader,
  journalPathOf,
  RECOVERING_SUFFIX,
  RECOVERY_LOCK_SUFFIX,
  spentJournalPathOf,
} from "./journal.ts";

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
  /**
   * Called as the rebuilt file goes in: "spent" once the journal is renamed aside, "swapped" once
   * the rebuilt file has replaced the original (tests stop a recovery there, as a kill would).
   */
  readonly onSwap?: (stage: "spent" | "swapped") => void;
}

export async function recoverFile(file: string, options: RecoveryOptions = {}): Promise<RecoveryReport> {
  const started = performance.now();
  const target = path.resolve(file);
  // (before the lock, which a folder that does not exist could not hold; checked again under it)
  if (!existsSync(journalPathOf(target)) && !existsSync(spentJournalPathOf(target))) {
    throw nothingToRecover(target);
  }
  // two recoveries of one file would share its scratch folder: each would delete the other's
  const lock = acquireLock(
    path.join(path.dirname(target), `.${path.basename(target)}${RECOVERY_LOCK_SUFFIX}`),
    {
      subject: `the recovery of '${target}'`,
      inUseHere: "wait for that recovery to end",
      inUse: "wait for that recovery to end",
    },
    "recover",
  );
  try {
    return await recoverUnlocked(target, options, started);
  } finally {
    lock.release();
  }
}

async function recoverUnlocked(
  target: string,
  options: RecoveryOptions,
  started: number,
): Promise<RecoveryReport> {
  if (existsSync(spentJournalPathOf(target))) {
    if (existsSync(journalPathOf(target))) {
      // (an older h5saver, which knows no spent journals, opened the damaged file and wrote anew)
      throw new SaverError(
        "file_unavailable",
        `'${target}' has both a crash journal ('${journalPathOf(target)}') and a recovery's spent journal ('${spentJournalPathOf(target)}'): which is the file's history cannot be told; move the one that does not belong aside and recover again`,
      );
    }
    return swapIn(target, options, started);
  }
  if (!existsSync(journalPathOf(target))) throw nothingToRecover(target);
  const journal = JournalReader.open(target);
  try {
    await replayJournal(target, journal, options, started);
  } finally {
    journal.close();
  }
  renameSync(journalPathOf(target), spentJournalPathOf(target));
  syncFolder(path.dirname(target));
  options.onSwap?.("spent");
  return swapIn(target, options, started);
}

function nothingToRecover(target: string): SaverError {
  return new SaverError(
    "not_found",
    `no crash journal beside '${target}' (${journalPathOf(target)}): it closed cleanly, nothing to recover`,
  );
}

/** The folder beside `target` where it is rebuilt, under its own name (PyMoDAQ records it). */
function scratchOf(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}${RECOVERING_SUFFIX}`);
}

/** The report of the replay, kept beside the rebuilt file until the swap is done. */
const REPORT_FILE = "report.json";

/**
 * Puts the rebuilt file in place of the original (unless a stopped recovery did it already),
 * then removes the spent journal, the base copy and the scratch folder.
 */
function swapIn(target: string, options: RecoveryOptions, started: number): RecoveryReport {
  const scratch = scratchOf(target);
  const rebuilt = path.join(scratch, path.basename(target));
  if (existsSync(rebuilt)) {
    renameSync(rebuilt, target);
    syncFolder(path.dirname(target));
  }
  options.onSwap?.("swapped");
  const report = readReport(scratch, target);
  rmSync(basePathOf(target), { force: true });
  rmSync(spentJournalPathOf(target), { force: true });
  syncFolder(path.dirname(target));
  rmSync(scratch, { recursive: true, force: true });
  return { ...report, seconds: (performance.now() - started) / 1000 };
}

function readReport(scratch: string, target: string): RecoveryReport {
  try {
    return {
      ...(JSON.parse(readFileSync(path.join(scratch, REPORT_FILE), "utf8")) as RecoveryReport),
      file: target,
    };
  } catch {
    // (lost with its folder after the swap: the file is whole, only the counts are unknown)
    return {
      file: target,
      calls: 0,
      frames: 0,
      refused: 0,
      refusals: [],
      tornBytes: 0,
      fromBase: false,
      seconds: 0,
    };
  }
}

/** Replays the journal into the scratch folder: a complete, synced rebuilt file and its report there. */
async function replayJournal(
  target: string,
  journal: JournalReader,
  options: RecoveryOptions,
  started: number,
): Promise<void> {
  const scratch = scratchOf(target);
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
    const report: RecoveryReport = {
      file: target,
      calls,
      frames,
      refused,
      refusals,
      tornBytes: journal.tornBytes,
      fromBase: journal.header.fromBase,
      seconds: (performance.now() - started) / 1000,
    };
    writeFileSync(path.join(scratch, REPORT_FILE), JSON.stringify(report));
    syncFile(rebuilt);
    syncFile(path.join(scratch, REPORT_FILE));
    syncFolder(scratch);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
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
