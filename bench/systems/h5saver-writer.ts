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
import {
  type DataToExportInput,
  type H5Backend,
  loadH5wasm,
  type NumericArray,
  openH5wasmFile,
  openSaverFile,
  SaverFile,
} from "../../service/src/index.ts";
import { seededRandom } from "../../service/src/testing/seeded-random.ts";

const POOL_SIZE = 16; // distinct frames cycled through, as baselines.py
const SEED = 20240611; // fixed so every run writes the same bytes (not numpy's bytes: another RNG)
const MB = 1_000_000;

const SYSTEMS = ["h5saver", "h5saver-worker"] as const;
type System = (typeof SYSTEMS)[number];

interface Scenario {
  /** Data arrays per frame, all in one DataWithAxes. */
  readonly channels: number;
  /** Shape of one channel array; 0D is [1] as PyMoDAQ stores it. */
  readonly shape: readonly number[];
  readonly dtype: "float64" | "uint16";
  /** 1D: a non-linear wavelength axis given with every frame (written once). */
  readonly wavelengthAxis: boolean;
}

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  "0d-1ch": { channels: 1, shape: [1], dtype: "float64", wavelengthAxis: false },
  "0d-8ch": { channels: 8, shape: [1], dtype: "float64", wavelengthAxis: false },
  "1d-2048-f64": { channels: 1, shape: [2048], dtype: "float64", wavelengthAxis: true },
  "2d-512-u16": { channels: 1, shape: [512, 512], dtype: "uint16", wavelengthAxis: false },
};

/** What both SaverFile and WorkerSaverFile offer; the only calls the timed part makes. */
interface ContinuousSaver {
  addDetector(title: string, settingsXml?: string): Promise<string>;
  startContinuous(detector: string): Promise<string>;
  append(stream: string, dte: DataToExportInput): Promise<unknown>;
  endContinuous(stream: string): Promise<unknown>;
  close(): Promise<void>;
}

type Frame = NumericArray[]; // one array per channel

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function frameBytes(scenario: Scenario): number {
  const itemsize = scenario.dtype === "float64" ? 8 : 2;
  return scenario.channels * elements(scenario.shape) * itemsize;
}

function randomArray(next: () => number, scenario: Scenario): NumericArray {
  const n = elements(scenario.shape);
  if (scenario.dtype === "uint16") {
    const array = new Uint16Array(n);
    for (let i = 0; i < n; i++) array[i] = Math.floor(next() * 65536);
    return array;
  }
  const array = new Float64Array(n);
  for (let i = 0; i < n; i++) array[i] = next();
  return array;
}

function framePool(scenario: Scenario): Frame[] {
  const next = seededRandom(SEED);
  return Array.from({ length: POOL_SIZE }, () =>
    Array.from({ length: scenario.channels }, () => randomArray(next, scenario)),
  );
}

/** Non-linear (quadratic dispersion) wavelength in nm, as baselines.py. */
function wavelengthAxis(points: number): Float64Array {
  return Float64Array.from({ length: points }, (_, p) => 400 + 0.2 * p + 1.5e-5 * p * p);
}

/** One DataToExportInput per frame, each with its own timestamp, built before the timer. */
function frameInputs(scenario: Scenario, frames: number): DataToExportInput[] {
  const pool = framePool(scenario);
  const axes = scenario.wavelengthAxis
    ? [{ label: "wavelength", units: "nm", data: wavelengthAxis(scenario.shape[0] ?? 1), index: 0 }]
    : [];
  const t0 = Date.now() / 1000;
  return Array.from({ length: frames }, (_, i) => ({
    name: "bench",
    timestamp: t0 + i * 1e-3,
    data: [{ name: "bench", data: pool[i % POOL_SIZE] ?? [], shape: scenario.shape, axes }],
  }));
}

async function openSaver(system: System, path: string): Promise<ContinuousSaver> {
  const options = {
    path,
    mode: "overwrite",
    saveType: "detector",
    flush: { maxFrames: 1_000_000, maxDelayMs: 1000 },
  } as const;
  return system === "h5saver" ? SaverFile.open(options) : openSaverFile(options);
}

interface Timing {
  seconds: number;
  openSeconds: number;
}

async function timedWrite(system: System, path: string, dtes: readonly DataToExportInput[]): Promise<Timing> {
  const start = performance.now();
  const file = await openSaver(system, path);
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

/** Every EnlDataNN dataset under `group`, recursively. */
async function enlDatasets(backend: H5Backend, group: string): Promise<string[]> {
  const found: string[] = [];
  for (const child of await backend.children(group)) {
    const path = group === "/" ? `/${child.name}` : `${group}/${child.name}`;
    if (child.kind === "group") found.push(...(await enlDatasets(backend, path)));
    else if (/^EnlData\d+$/.test(child.name)) found.push(path);
  }
  return found;
}

/** Untimed: the file really holds `frames` rows in each of the `channels` arrays. */
async function checkFile(path: string, frames: number, channels: number): Promise<void> {
  const backend = await openH5wasmFile(path, "read");
  try {
    const paths = await enlDatasets(backend, "/RawData");
    const rows = await Promise.all(paths.map(async (p) => (await backend.datasetInfo(p)).shape[0]));
    if (paths.length !== channels || rows.some((n) => n !== frames)) {
      throw new Error(
        `file check: expected ${channels} EnlData arrays of ${frames} rows, found ` +
          `${JSON.stringify(Object.fromEntries(paths.map((p, i) => [p, rows[i]])))}`,
      );
    }
  } finally {
    await backend.close();
  }
}

function positiveInt(text: string | undefined, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer, got ${String(text)}`);
  return value;
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
  const system = values.system;
  if (!(SYSTEMS as readonly string[]).includes(system)) {
    throw new Error(`--system must be one of ${SYSTEMS.join(", ")}, got ${system}`);
  }
  const scenarioId = values.scenario ?? "";
  if (SCENARIOS[scenarioId] === undefined) {
    throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(", ")}, got '${scenarioId}'`);
  }
  if (values.out === undefined) throw new Error("--out DIR is required");
  return {
    system: system as System,
    scenarioId,
    frames: positiveInt(values.frames, "frames"),
    out: values.out,
    profile: values.profile,
  };
}

async function main(): Promise<void> {
  // Stray console output from libraries must not break the one-line contract.
  console.log = console.error;
  console.info = console.error;
  const { system, scenarioId, frames, out, profile } = parseOptions(process.argv.slice(2));
  const scenario = SCENARIOS[scenarioId] as Scenario;
  const dtes = frameInputs(scenario, frames);
  await loadH5wasm();
  mkdirSync(out, { recursive: true });
  const path = resolve(join(out, `${system}-${scenarioId}-${process.pid}-${Date.now()}.h5`));
  const { seconds, openSeconds } = await profiled(profile, () => timedWrite(system, path, dtes));
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

main().catch((error: unknown) => {
  process.stderr.write(
    `h5saver-writer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
