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
 */

import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
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
  const payload = frames * frameBytes(scenario);
  const path = join(resolve(out), `disk-${scenarioId}-${process.pid}.bin`);
  const { stderr } = await execFileAsync(
    "dd",
    ["if=/dev/zero", `of=${path}`, "bs=1M", `count=${payload}`, "iflag=count_bytes", "conv=fsync"],
    { env: { ...process.env, LC_ALL: "C" } },
  );
  const seconds = Math.max(ddSeconds(stderr), 1e-6);
  const size = statSync(path).size;
  if (size !== payload) throw new Error(`dd wrote ${size} bytes, expected ${payload}`);
  const result = {
    scenario: scenarioId,
    system: SYSTEM,
    frames,
    payload_bytes: payload,
    seconds,
    frames_per_s: frames / seconds,
    mb_per_s: payload / MB / seconds,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

runMain("disk", main);
