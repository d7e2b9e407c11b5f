import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { rejectsWith } from "../testing/saver-error-assertions.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { acquireRootLock, LOCK_FILE, STALE_AFTER_MS } from "./root-lock.ts";

const dir = tempDir();
let roots = 0;

function newRoot(): { root: string; lockFile: string } {
  const root = path.join(dir, `root-${roots++}`);
  mkdirSync(root);
  return { root, lockFile: path.join(root, LOCK_FILE) };
}

function writeLock(lockFile: string, holder: object, ageMs = 0): void {
  writeFileSync(lockFile, JSON.stringify(holder));
  const at = new Date(Date.now() - ageMs);
  utimesSync(lockFile, at, at);
}

/** A process that runs, and is not this one: the test runner that started this file. */
const running = { pid: process.ppid, host: hostname(), since: "2026-12-03T08:00:00.000Z", command: "serve" };

describe("acquireRootLock()", () => {
  it("takes a free root, names its holder in the lock, and frees it on release", () => {
    const { root, lockFile } = newRoot();
    const lock = acquireRootLock(root, "serve");
    const holder = JSON.parse(readFileSync(lockFile, "utf8"));
    assert.deepEqual([holder.pid, holder.host, holder.command], [process.pid, hostname(), "serve"]);
    lock.release();
    assert.equal(existsSync(lockFile), false);
  });

  it("refuses a root another running process holds, saying who and what to do", async () => {
    const { root, lockFile } = newRoot();
    writeLock(lockFile, running);
    await rejectsWith(
      (async () => acquireRootLock(root, "serve"))(),
      "failed_precondition",
      new RegExp(
        `'${root}' is in use by h5saver serve \\(pid ${process.ppid} on ${hostname()}, since 2026-12-03T08:00:00.000Z\\): stop it or choose another root; if that process is gone, delete '${lockFile}'`,
      ),
    );
    assert.equal(JSON.parse(readFileSync(lockFile, "utf8")).pid, process.ppid, "the lock is left as it was");
  });

  it("takes over a lock whose process is gone (killed), on this host", () => {
    const { root, lockFile } = newRoot();
    // no process has this id (Linux pids stop at 2^22)
    writeLock(lockFile, { ...running, pid: 99_999_999 });
    const lock = acquireRootLock(root, "recover");
    assert.equal(JSON.parse(readFileSync(lockFile, "utf8")).pid, process.pid);
    lock.release();
  });

  it("takes over a lock nobody touched for a while, even if its pid runs again (reused after a reboot)", () => {
    const { root, lockFile } = newRoot();
    writeLock(lockFile, running, STALE_AFTER_MS + 5_000);
    acquireRootLock(root, "serve").release();
    assert.equal(existsSync(lockFile), false);
  });

  it("lets one of several servers starting at once take a stale lock over", async () => {
    const { root, lockFile } = newRoot();
    writeLock(lockFile, { ...running, pid: 99_999_999 });
    const moduleUrl = new URL("./root-lock.ts", import.meta.url).href;
    // each holds what it took for a second, long after the others have tried
    const script = `import(${JSON.stringify(moduleUrl)}).then(({ acquireRootLock }) => {
      try { acquireRootLock(${JSON.stringify(root)}, "serve"); console.log("took"); setTimeout(() => {}, 1000); }
      catch (error) { console.log(error.code === "failed_precondition" ? "refused" : String(error)); }
    });`;
    const outcomes = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<string>((resolve, reject) =>
            execFile(process.execPath, ["--import", "tsx", "-e", script], (error, stdout) =>
              error ? reject(error) : resolve(stdout.trim()),
            ),
          ),
      ),
    );
    assert.deepEqual(outcomes.sort(), ["refused", "refused", "refused", "refused", "refused", "took"]);
  });

  it("judges a lock from another host, or one it cannot read, by how long ago it was touched", async () => {
    for (const content of [{ ...running, host: "another-host" }, { garbled: true }]) {
      const { root, lockFile } = newRoot();
      writeLock(lockFile, content);
      await rejectsWith((async () => acquireRootLock(root, "serve"))(), "failed_precondition", /is in use/);
      writeLock(lockFile, content, STALE_AFTER_MS + 5_000);
      acquireRootLock(root, "serve").release();
      assert.equal(existsSync(lockFile), false);
    }
  });

  it("refuses a root this process holds already (two servers of one program), but takes over a lock of its pid it does not hold (a container restarted as the same pid)", async () => {
    const { root, lockFile } = newRoot();
    const lock = acquireRootLock(root, "serve");
    try {
      await rejectsWith(
        (async () => acquireRootLock(root, "serve"))(),
        "failed_precondition",
        /is in use by another h5saver serve in this process \(since .*\): close that server first or choose another root/,
      );
    } finally {
      lock.release();
    }
    writeLock(lockFile, { ...running, pid: process.pid });
    acquireRootLock(root, "recover").release();
    assert.equal(existsSync(lockFile), false);
  });

  it("frees its lock when the process exits without releasing it", async () => {
    const { root, lockFile } = newRoot();
    const moduleUrl = new URL("./root-lock.ts", import.meta.url).href;
    const script = `import(${JSON.stringify(moduleUrl)}).then(({ acquireRootLock }) => {
      acquireRootLock(${JSON.stringify(root)}, "serve");
      console.log("took");
      process.exit(3);
    });`;
    const stdout = await new Promise<string>((resolve) =>
      execFile(process.execPath, ["--import", "tsx", "-e", script], (_error, out) => resolve(out.trim())),
    );
    assert.equal(stdout, "took");
    assert.equal(existsSync(lockFile), false);
  });

  it("touches its lock while it holds it, so that other hosts see it is alive", async () => {
    const { root, lockFile } = newRoot();
    const lock = acquireRootLock(root, "serve", 20);
    try {
      const old = new Date(Date.now() - STALE_AFTER_MS * 2);
      utimesSync(lockFile, old, old);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.ok(Date.now() - statSync(lockFile).mtimeMs < 1000, "touched again");
    } finally {
      lock.release();
    }
  });

  it("leaves a lock that is no longer its own on release", () => {
    const { root, lockFile } = newRoot();
    const lock = acquireRootLock(root, "serve");
    writeLock(lockFile, running); // deleted by hand, then taken by another server
    lock.release();
    assert.equal(JSON.parse(readFileSync(lockFile, "utf8")).pid, process.ppid);
  });
});
