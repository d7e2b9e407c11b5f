/**
 * The server processes of the end-to-end systems, each a process of its own on 127.0.0.1:
 * `h5saver serve` (the real service, for h5saver-grpc) and the raw byte sink of
 * bench/systems/grpc-raw.ts (for grpc-raw). bench/run.ts starts one of each per session and
 * hands their address and pid to every run; a system run without them starts its own.
 *
 * Also reads what a run costs the server: CPU seconds (user + system, every thread) and peak
 * RSS from /proc (Linux; elsewhere those figures are absent).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveArguments } from "../service/src/testing/serve-command.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const START_TIMEOUT_MS = 120_000;

export type ServerKind = "h5saver" | "grpc-raw";

/** Node's arguments: `h5saver serve` as users run it (the launcher's bundle), the sink under tsx. */
const COMMANDS: Record<ServerKind, (root: string) => string[]> = {
  h5saver: (root) => serveArguments(root),
  "grpc-raw": () => ["--import", "tsx", join("bench", "systems", "grpc-raw.ts"), "serve"],
};

/** `h5saver listening on 127.0.0.1:PORT, data root …` and `grpc-raw listening on 127.0.0.1:PORT`. */
const LISTENING = /listening on (127\.0\.0\.1:\d+)/;

export interface RunningServer {
  readonly kind: ServerKind;
  readonly address: string;
  readonly pid: number;
  /** The data root (h5saver) or the directory given (grpc-raw). */
  readonly root: string;
  stop(): Promise<void>;
}

/**
 * Starts a server; its stderr (logs) goes to `logFile` so that no unread pipe can stall it. With
 * `cpuProfileDir`, Node writes a V8 CPU profile of every thread of the server (main and each
 * file's writer thread) into it when the server exits (`--cpu-prof`; open in Chrome DevTools or
 * speedscope).
 */
export function startServer(
  kind: ServerKind,
  root: string,
  logFile: string,
  cpuProfileDir?: string,
): Promise<RunningServer> {
  const log = openSync(logFile, "a");
  const profile = cpuProfileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir];
  const child = spawn(process.execPath, [...profile, ...COMMANDS[kind](root)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", log],
  });
  closeSync(log);
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${kind} server printed no listening line in ${START_TIMEOUT_MS} ms: ${seen}`));
    }, START_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      seen += chunk;
      const match = LISTENING.exec(seen);
      if (match?.[1] !== undefined && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({ kind, address: match[1], pid: child.pid, root, stop: () => stop(child) });
      }
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${kind} server exited (${signal ?? code}) before listening: ${seen} (log ${logFile})`),
      );
    });
  });
}

/** SIGTERM (the service closes its files), SIGKILL after 30 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export interface ProcessSample {
  /** User + system CPU seconds of every thread of the process so far. */
  readonly cpuSeconds: number;
  /** Peak resident set (VmHWM) since start or the last resetPeakRss, in MB (10^6 bytes). */
  readonly peakRssMb: number;
  /** Resident set now (VmRSS), in MB. */
  readonly rssMb: number;
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux that Node supports

/** CPU and peak RSS of a process from /proc; undefined where /proc is not there. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after the ")" that ends the command name: state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    if (!Number.isFinite(ticks) || hwm === undefined || rss === undefined) return undefined;
    return {
      cpuSeconds: ticks / CLOCK_TICKS,
      peakRssMb: (Number(hwm) * 1024) / 1e6,
      rssMb: (Number(rss) * 1024) / 1e6,
    };
  } catch {
    return undefined;
  }
}

/** Resets the process's peak RSS to its current RSS (Linux clear_refs "5"), so that a run's peak is its own. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // not Linux, or not allowed: the peak then covers the server's life so far
  }
}

/** What a run cost a server: CPU seconds between two samples, the peak RSS at the second. */
export function serverCost(
  before: ProcessSample | undefined,
  after: ProcessSample | undefined,
  payloadBytes: number,
): Record<string, number> {
  if (before === undefined || after === undefined) return {};
  const cpu = after.cpuSeconds - before.cpuSeconds;
  return {
    server_cpu_seconds: cpu,
    server_cpu_s_per_mb: cpu / (payloadBytes / 1e6),
    server_peak_rss_mb: after.peakRssMb,
  };
}
