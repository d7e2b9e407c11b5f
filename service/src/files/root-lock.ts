/**
 * One server (`h5saver serve`, a library `createSaverServer` once it listens) or `h5saver recover
 * --root` per data root. A server rebuilds the files it finds with a crash journal when it starts,
 * and writes into the files its clients opened: a second one on the same root would rebuild files
 * the first is still writing, and both could open the same file. The first holds
 * `<root>/.h5saver.lock` (its pid, host and start time) and touches it every few seconds; another
 * refuses to start while the lock is held.
 *
 * A lock is stale — taken over without a word — when its holder is gone: when it has not been
 * touched for STALE_AFTER_MS (a live holder touches it every TOUCH_EVERY_MS), or, on this host,
 * at once when no process has its pid (or the pid is this process's own but this process does
 * not hold the lock: a container restarted as the same pid). Taking a stale lock over is atomic:
 * it is renamed away first, so that of two servers starting at once only one takes it.
 *
 * The same kind of lock (acquireLock) keeps one recovery of a file at a time (recover.ts).
 */
import { linkSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { SaverError } from "../errors.ts";
import { processRuns } from "./process-runs.ts";

export const LOCK_FILE = ".h5saver.lock";
export const TOUCH_EVERY_MS = 5_000;
export const STALE_AFTER_MS = 30_000;

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly command: string;
}

export interface RootLock {
  readonly file: string;
  /** Removes the lock (if it is still this process's). */
  release(): void;
}

/** Takes the data root's lock for `command` ("serve", "recover"), or throws saying who holds it. */
export function acquireRootLock(root: string, command: string, touchEveryMs = TOUCH_EVERY_MS): RootLock {
  return acquireLock(
    path.join(root, LOCK_FILE),
    {
      subject: `the data root '${root}'`,
      inUseHere: "close that server first or choose another root",
      inUse: "stop it or choose another root",
    },
    command,
    touchEveryMs,
  );
}

/** What a lock guards, and what to do when another holds it, for its messages. */
export interface LockSubject {
  /** "the data root '/data'". */
  readonly subject: string;
  /** What to do when another part of this process holds it. */
  readonly inUseHere: string;
  /** What to do when another process holds it. */
  readonly inUse: string;
}

/** Takes the lock `file` for `command` as described above, or throws saying who holds it. */
export function acquireLock(
  file: string,
  about: LockSubject,
  command: string,
  touchEveryMs = TOUCH_EVERY_MS,
): RootLock {
  const mine: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  const text = `${JSON.stringify(mine)}\n`;
  // a few rounds: a stale lock is moved away, then this one is created (unless another process
  // created its own in between: then that one is judged)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, text, { flag: "wx" });
      return held(file, text, touchEveryMs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new SaverError("io_error", `cannot create the lock '${file}': ${(error as Error).message}`);
      }
    }
    const found = readLock(file);
    if (found === undefined) continue; // removed meanwhile
    const holder = holderOf(found);
    if (heldHere.get(file)?.text === found) {
      throw new SaverError(
        "failed_precondition",
        `${about.subject} is in use by another h5saver ${holder.command} in this process (since ${holder.since}): ${about.inUseHere}`,
      );
    }
    if (!isStale(holder, file)) {
      throw new SaverError(
        "failed_precondition",
        `${about.subject} is in use by h5saver ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since}): ${about.inUse}; if that process is gone, delete '${file}'`,
      );
    }
    moveAwayIfStill(file, found);
  }
  throw new SaverError(
    "failed_precondition",
    `other processes kept taking the lock '${file}' as this one started`,
  );
}

/**
 * Removes the lock if it still holds `judged` (the stale content read before): renamed first,
 * which only one process can do; a lock that another process wrote meanwhile is put back.
 */
function moveAwayIfStill(file: string, judged: string): void {
  const aside = `${file}.${process.pid}.${Date.now()}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // gone already: another process moved it
  }
  try {
    if (readFileSync(aside, "utf8") !== judged) {
      try {
        linkSync(aside, file); // not if yet another lock was created: that one is judged next
      } catch {
        // leave it aside: the lock that is there now is the one to respect
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function held(file: string, text: string, touchEveryMs: number): RootLock {
  const touch = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // removed by hand: nothing to keep fresh (and a second server may now start)
    }
  }, touchEveryMs);
  touch.unref();
  const release = (): void => {
    clearInterval(touch);
    if (heldHere.get(file)?.text === text) heldHere.delete(file);
    try {
      if (readFileSync(file, "utf8") === text) rmSync(file, { force: true });
    } catch {
      // gone already
    }
  };
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on("exit", () => {
      for (const lock of [...heldHere.values()]) lock.release();
    });
  }
  heldHere.set(file, { text, release });
  return { file, release };
}

/**
 * The locks this process holds, by file: a second server of this process on the same root is
 * refused (a lock with this process's pid is otherwise stale: a container restarted as the same
 * pid), and they are removed if the process exits without releasing them (process.exit).
 */
const heldHere = new Map<string, { readonly text: string; readonly release: () => void }>();

let exitHandlerInstalled = false;

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The lock's holder; for a lock that cannot be parsed, one known only by its file's age. */
function holderOf(text: string): Holder {
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return {
        pid: parsed.pid,
        host: parsed.host,
        since: String(parsed.since ?? "an unknown time"),
        command: String(parsed.command ?? "serve"),
      };
    }
  } catch {
    // half-written or not ours: judged by its age
  }
  return { pid: 0, host: "", since: "an unknown time", command: "(unreadable lock)" };
}

function isStale(holder: Holder, file: string): boolean {
  let untouchedMs: number;
  try {
    untouchedMs = Date.now() - statSync(file).mtimeMs;
  } catch {
    return true;
  }
  // a pid can be reused (after a reboot, by another daemon): a lock nobody touches is stale too
  if (untouchedMs > STALE_AFTER_MS) return true;
  return (
    holder.host === hostname() && holder.pid > 0 && (holder.pid === process.pid || !processRuns(holder.pid))
  );
}
