/**
 * The physical limit: the disk's sequential write rate with fsync, measured by `dd` writing the
 * run's payload bytes (frames × bytes per frame, the same total as every other system) into a
 * fresh file in the run's directory, in 1 MiB blocks, `conv=fsync` (the data reach the disk
 * before dd reports). The bytes are zeros from /dev/zero: the filesystem (ext4 here) neither
 * compresses nor deduplicates, so their content does not matter.
 *
 *   node --import tsx bench/systems/disk.ts --scenario S --frames N --out DIR
 *
 * Timed: dd's own figure (open -> last write -> fsync), so process start-up is outside. For 0D
 * scenarios the payload is tens of kB and the figure is mostly one fsync: meaningless as a rate,
 * kept so that every scenario has the same rows. One JSON line on stdout (bench/README.md).
 *
 * The paced scenario (`ack-1mib-100hz`) is the floor under a durable acknowledgement instead: each
 * frame is written at its time slot and `fdatasync`ed before the next, and its latency runs from
 * just before the write to the end of the sync — what a flush per frame costs on this disk with
 * no transport, no HDF5 and no journal.
 */

import { execFile } from "node:child_process";
import { closeSync, fdatasyncSync, openSync, statSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs, promisify } from "node:util";
import { latencyFields } from "../stats.ts";
import { checkSystemArgs, frameBytes, MB, quietConsole, runMain } from "./frames.ts";

const SYSTEM = "disk";
const execFileAsync = promisify(execFile);

/** dd's last line: "262144000 bytes (262 MB, 250 MiB) copied, 0.443 s, 592 MB/s" (GNU coreutils). */
function ddSeconds(stderr: string): number {
  const match = /copied, ([0-9.]+(?:e[-+]?\d+)?) s/.exec(stderr);
  const seconds = Number(match?.[1]);
  if (match === null || !Number.isFinite(seconds)) throw new Error(`cannot read dd's time from: ${stderr}`);
  return seconds;
}

/** dd's time for the whole payload, with one fsync at its end. */
async function ddWrite(path: string, payload: number): Promise<number> {
  const { stderr } = await execFileAsync(
    "dd",
    ["if=/dev/zero", `of=${path}`, "bs=1M", `count=${payload}`, "iflag=count_bytes", "conv=fsync"],
    { env: { ...process.env, LC_ALL: "C" } },
  );
  return ddSeconds(stderr);
}

/** Writes `frames` frames at `hz`, each synced before the next; the time of the whole and each frame's latency. */
async function pacedSyncedWrites(
  path: string,
  frames: number,
  bytes: number,
  hz: number,
): Promise<{ seconds: number; latenciesMs: number[] }> {
  const frame = Buffer.alloc(bytes, 0x5a);
  const latenciesMs: number[] = [];
  const fd = openSync(path, "w");
  try {
    const first = performance.now();
    for (let i = 0; i < frames; i++) {
      const slot = first + (i * 1000) / hz;
      const wait = slot - performance.now();
      if (wait > 0) await sleep(wait);
      // a frame whose slot passed while the previous sync ran has waited since its slot
      const start = wait > 0 ? performance.now() : slot;
      for (let written = 0; written < bytes; ) written += writeSync(fd, frame, written);
      fdatasyncSync(fd);
      latenciesMs.push(performance.now() - start);
    }
    return { seconds: (performance.now() - first) / 1000, latenciesMs };
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  quietConsole();
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      system: { type: "string", default: SYSTEM },
      scenario: { type: "string" },
      frames: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const { scenarioId, scenario, frames, out } = checkSystemArgs(values, [SYSTEM]);
  const bytes = frameBytes(scenario);
  const payload = frames * bytes;
  const path = join(resolve(out), `disk-${scenarioId}-${process.pid}.bin`);
  const paced =
    scenario.paceHz === undefined ? undefined : await pacedSyncedWrites(path, frames, bytes, scenario.paceHz);
  const seconds = Math.max(paced?.seconds ?? (await ddWrite(path, payload)), 1e-6);
  const size = statSync(path).size;
  if (size !== payload) throw new Error(`the disk run wrote ${size} bytes, expected ${payload}`);
  const result = {
    scenario: scenarioId,
    system: SYSTEM,
    frames,
    payload_bytes: payload,
    seconds,
    frames_per_s: frames / seconds,
    mb_per_s: payload / MB / seconds,
    ...latencyFields([paced?.latenciesMs ?? []], frames, scenario.paceHz),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

runMain("disk", main);
