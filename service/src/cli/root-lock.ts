/**
 * One `h5saver serve` (or `h5saver recover --root`) per data root. A server rebuilds the files it
 * finds with a crash journal when it starts, and writes into the files its clients opened: a
 * second one on the same root would rebuild files the first is still writing, and both could
 * open the same file. The first holds `<root>/.h5saver.lock` (its pid, host and start time) and
 * touches it every few seconds; another refuses to start while the lock is held.
 *
 * A lock is stale — taken over without a word — when its process is gone: on this host, when no
 * process has its pid (or the pid is this process's own: a container restarted as pid 1); from
 * another host, which cannot be asked, when it has not been touched for STALE_AFTER_MS.
 */
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { SaverError } from "../errors.ts";
import { processRuns } from "../files/process-runs.ts";

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
  const file = path.join(root, LOCK_FILE);
  const mine: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  const text = `${JSON.stringify(mine)}\n`;
  // twice: a stale lock is removed, then taken (unless another process took it in between)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, text, { flag: "wx" });
      return held(file, text, touchEveryMs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new SaverError("io_error", `cannot create the lock '${file}': ${(error as Error).message}`);
      }
    }
    const holder = readHolder(file);
    if (holder && !isStale(holder, file)) {
      throw new SaverError(
        "failed_precondition",
        `the data root '${root}' is in use by h5saver ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since}): stop it or choose another root; if that process is gone, delete '${file}'`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new SaverError("failed_precondition", `another h5saver took the lock '${file}' as this one started`);
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
  return {
    file,
    release() {
      clearInterval(touch);
      try {
        if (readFileSync(file, "utf8") === text) rmSync(file, { force: true });
      } catch {
        // gone already
      }
    },
  };
}

/** The lock's holder; for a lock that cannot be read or parsed, one known only by its file's age. */
function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined; // removed meanwhile: take it
  }
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
  if (holder.host === hostname() && holder.pid > 0) {
    return holder.pid === process.pid || !processRuns(holder.pid);
  }
  try {
    return Date.now() - statSync(file).mtimeMs > STALE_AFTER_MS;
  } catch {
    return true;
  }
}
