/**
 * A writer thread's warm-up: a short journaled session into a throw-away file, run by the thread
 * a server keeps ready before it serves its first file. A fresh thread runs its first frames
 * through cold code — V8 interprets the writer's JavaScript and h5wasm's WebAssembly runs its
 * baseline build until each function has run often enough to be optimised — and those frames
 * were the slowest of a session: with 1 MiB frames at 100 Hz, the first four took 27–40 ms to be
 * acknowledged, against ~4.5 ms for the frames after them. The warm-up sends the writer's own
 * paths (single frames and blocks, large rows the journal points at and small ones it copies,
 * the journal's syncs, the policy's flushes) through that phase before a client waits on them.
 */

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";
import { backendLogFields } from "../backend/open-h5-file.ts";
import { type Crc32Implementation, crc32Ready } from "../durability/crc32.ts";
import { pageCacheLogFields } from "../files/page-cache.ts";
import { processRuns } from "../files/process-runs.ts";
import { SaverFile } from "../layout/saver-file.ts";
import { createDataToExport } from "../model/data-to-export.ts";
import { createFrameBlock } from "../model/frame-block.ts";

/** Rounds of each kind of call: enough for V8 to optimise the functions every frame runs. */
const ROUNDS = 24;

/**
 * Past this, the warm-up stops at its next round (a round on a very slow disk can run past it):
 * it takes ~0.2 s on a local disk, and a slow temp directory must not hold the first file back.
 */
export const WARM_UP_BUDGET_MS = 2000;

const DIR_PREFIX = "h5saver-warm-up-";

export interface WarmUpOptions {
  /** Where its directory goes (default: the OS temp directory). */
  readonly parent?: string;
  /** Asked between rounds: true ends the session there (a file is waiting for the thread). */
  readonly shouldStop?: () => boolean;
  readonly budgetMs?: number;
}

export interface WarmUpReport {
  readonly milliseconds: number;
  /** Stopped before its last round, asked to or over its budget. */
  readonly cutShort: boolean;
  /** The thread's journal CRC-32 (durability/crc32.ts): the main thread's may have loaded where this one's did not. */
  readonly checksums: Crc32Implementation;
  /** Whether this thread hands written pages back to the kernel (files/page-cache.ts). */
  readonly pageCache: ReturnType<typeof pageCacheLogFields>;
  /** Which backend this thread writes new files with (backend/open-h5-file.ts). */
  readonly backend: ReturnType<typeof backendLogFields>;
}

/**
 * Runs the warm-up session in a new directory under `parent` and removes it, whatever happens.
 * About 14 MB are written and synced. Directories left by warm-ups of processes that no longer
 * run (killed mid-session) are removed first.
 */
export async function warmUpWriter(options: WarmUpOptions = {}): Promise<WarmUpReport> {
  const { parent = tmpdir(), shouldStop = () => false, budgetMs = WARM_UP_BUDGET_MS } = options;
  const started = performance.now();
  let cutShort = false;
  const stop = () => {
    cutShort ||= shouldStop() || performance.now() - started > budgetMs;
    return cutShort;
  };
  removeStaleWarmUps(parent);
  const dir = mkdtempSync(join(parent, `${DIR_PREFIX}${process.pid}-`));
  try {
    const file = await SaverFile.open({
      path: join(dir, "warm-up.h5"),
      journal: true,
      flush: { maxFrames: 1, maxDelayMs: 1000 },
    });
    try {
      await streamCameraFrames(file, stop);
      await streamSpectrumBlocks(file, stop);
    } finally {
      await file.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    milliseconds: performance.now() - started,
    cutShort,
    checksums: await crc32Ready,
    pageCache: pageCacheLogFields(),
    backend: backendLogFields(),
  };
}

/** Removes warm-up directories under `parent` whose process (the pid in the name) is gone. */
export function removeStaleWarmUps(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return; // mkdtemp then says what is wrong with the place
  }
  for (const name of names) {
    const pid = name.startsWith(DIR_PREFIX) ? /^(\d+)-/.exec(name.slice(DIR_PREFIX.length))?.[1] : undefined;
    if (pid !== undefined && !processRuns(Number(pid))) {
      try {
        rmSync(join(parent, name), { recursive: true, force: true });
      } catch {
        // another user's, in a shared temp directory: theirs to remove
      }
    }
  }
}

/**
 * Whether to run another round. Waits a turn of the event loop first, so that a message asking
 * the thread to stop is heard between rounds.
 */
async function goOn(stop: () => boolean): Promise<boolean> {
  await nextTurn();
  return !stop();
}

/** 256 KiB frames, one per call and four per block: rows the journal points at. */
async function streamCameraFrames(file: SaverFile, stop: () => boolean): Promise<void> {
  const stream = await file.startContinuous(await file.addDetector("camera", ""));
  const shape = [512, 256];
  const frame = new Uint16Array(512 * 256);
  for (let i = 0; i < ROUNDS && (await goOn(stop)); i++) {
    frame.fill(i);
    await file.append(stream, {
      name: "camera",
      timestamp: i,
      data: [{ name: "frame", data: [frame], shape }],
    });
  }
  for (let i = 0; i < ROUNDS / 4 && (await goOn(stop)); i++) {
    const frames = new Uint16Array(4 * frame.length).fill(i);
    const first = {
      name: "camera",
      timestamp: i,
      data: [{ name: "frame", data: [frames.subarray(0, frame.length)], shape }],
    };
    const timestamps = Float64Array.from({ length: 4 }, (_, k) => ROUNDS + 4 * i + k);
    await file.appendBlock(stream, createFrameBlock(createDataToExport(first), 4, [[frames]], timestamps));
  }
  await file.endContinuous(stream);
}

/** Blocks of 16 small frames with an axis: rows the journal copies. */
async function streamSpectrumBlocks(file: SaverFile, stop: () => boolean): Promise<void> {
  const stream = await file.startContinuous(await file.addDetector("spectrometer", ""));
  const points = 512;
  const axes = [
    {
      label: "wavelength",
      units: "nm",
      data: Float64Array.from({ length: points }, (_, k) => 400 + k),
      index: 0,
    },
  ];
  for (let i = 0; i < ROUNDS && (await goOn(stop)); i++) {
    const spectra = new Float64Array(16 * points).fill(i);
    const first = {
      name: "spectrometer",
      timestamp: i,
      data: [{ name: "spectrum", data: [spectra.subarray(0, points)], shape: [points], axes }],
    };
    const timestamps = Float64Array.from({ length: 16 }, (_, k) => 16 * i + k);
    await file.appendBlock(stream, createFrameBlock(createDataToExport(first), 16, [[spectra]], timestamps));
  }
  await file.endContinuous(stream);
}
