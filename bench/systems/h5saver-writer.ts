/**
 * The h5saver system of the benchmark (one timed run per process), doing what PyMoDAQ's
 * continuous saver (DAQ_Viewer + DataToExportTimedSaver) does: open a detector file, add a
 * detector, start a continuous stream, append one DataToExport per frame, end, close.
 *
 *   node --import tsx bench/systems/h5saver-writer.ts [--system h5saver|h5saver-worker] \
 *        --scenario S --frames N --out DIR
 *
 * `h5saver` drives SaverFile in this thread; `h5saver-worker` drives the same calls through
 * openSaverFile (the file lives in a worker thread), so the cost of the thread hop shows.
 * Prints exactly one JSON line on stdout (contract: bench/README.md); everything else -> stderr.
 *
 * Timed: open the file -> every frame appended -> stream ended -> file closed. Frames are built
 * before the timer from a pool of 16 distinct random frames (one DataToExportInput per frame with
 * its own timestamp, as the plugin hands them over); modules and h5wasm are loaded before the
 * timer (Python's imports are untimed too). For `h5saver-worker` the timer starts once
 * openSaverFile has resolved: that call starts the thread, which loads tsx, the service modules
 * and h5wasm (seconds on a busy 2-vCPU VM) — the analogue of the untimed imports, and it would
 * bury the per-call cost of the hop the variant is there to show. The open is reported apart, as
 * the extra JSON field `open_seconds` (inside `seconds` for `h5saver`, outside for the worker).
 *
 * `--profile FILE.cpuprofile` records a V8 CPU profile of the timed part only (this thread; for
 * `h5saver-worker` that is the caller's side of the hop). Open it in Chrome DevTools or speedscope.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type DataToExportInput, loadH5wasm, openSaverFile, SaverFile } from "../../service/src/index.ts";
import { checkFile } from "./check-file.ts";
import {
  checkSystemArgs,
  frameBytes,
  frameInputs,
  MB,
  quietConsole,
  runMain,
  type Scenario,
  scenarioFor,
} from "./frames.ts";

const SYSTEMS = ["h5saver", "h5saver-worker"] as const;
type System = (typeof SYSTEMS)[number];

/** What both SaverFile and WorkerSaverFile offer; the only calls the timed part makes. */
interface ContinuousSaver {
  addDetector(title: string, settingsXml?: string): Promise<string>;
  startContinuous(detector: string): Promise<string>;
  append(stream: string, dte: DataToExportInput): Promise<unknown>;
  endContinuous(stream: string): Promise<unknown>;
  close(): Promise<void>;
}

async function openSaver(system: System, path: string, scenario: Scenario): Promise<ContinuousSaver> {
  const options = {
    path,
    mode: "overwrite",
    saveType: "detector",
    flush: { maxFrames: 1_000_000, maxDelayMs: 1000 },
    ...(scenario.compression ? { compression: scenario.compression } : {}),
  } as const;
  return system === "h5saver" ? SaverFile.open(options) : openSaverFile(options);
}

interface Timing {
  seconds: number;
  openSeconds: number;
}

async function timedWrite(
  system: System,
  path: string,
  scenario: Scenario,
  dtes: readonly DataToExportInput[],
): Promise<Timing> {
  const start = performance.now();
  const file = await openSaver(system, path, scenario);
  const opened = performance.now();
  const detector = await file.addDetector("Bench detector", "");
  const stream = await file.startContinuous(detector);
  for (const dte of dtes) await file.append(stream, dte);
  await file.endContinuous(stream);
  await file.close();
  const end = performance.now();
  const timedFrom = system === "h5saver" ? start : opened;
  return { seconds: (end - timedFrom) / 1000, openSeconds: (opened - start) / 1000 };
}

/** Runs `task`, recording a CPU profile of it into `file` when one is asked for. */
async function profiled<T>(file: string | undefined, task: () => Promise<T>): Promise<T> {
  if (file === undefined) return task();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  try {
    return await task();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

interface Options {
  system: System;
  scenarioId: string;
  frames: number;
  out: string;
  profile: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      system: { type: "string", default: "h5saver" },
      scenario: { type: "string" },
      frames: { type: "string" },
      out: { type: "string" },
      profile: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const { system, scenarioId, frames, out } = checkSystemArgs(values, SYSTEMS);
  return { system: system as System, scenarioId, frames, out, profile: values.profile };
}

async function main(): Promise<void> {
  quietConsole();
  const { system, scenarioId, frames, out, profile } = parseOptions(process.argv.slice(2));
  const scenario = scenarioFor(scenarioId);
  const dtes = frameInputs(scenario, frames);
  await loadH5wasm();
  mkdirSync(out, { recursive: true });
  const path = resolve(join(out, `${system}-${scenarioId}-${process.pid}-${Date.now()}.h5`));
  const { seconds, openSeconds } = await profiled(profile, () => timedWrite(system, path, scenario, dtes));
  await checkFile(path, frames, scenario.channels);
  process.stderr.write(
    `${system} ${scenarioId}: open ${openSeconds.toFixed(3)} s of ${seconds.toFixed(3)} s\n`,
  );
  const payload = frames * frameBytes(scenario);
  const result = {
    scenario: scenarioId,
    system,
    frames,
    payload_bytes: payload,
    seconds,
    frames_per_s: frames / seconds,
    mb_per_s: payload / MB / seconds,
    open_seconds: openSeconds,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

runMain("h5saver-writer", main);
