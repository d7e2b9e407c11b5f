/**
 * The frames every TypeScript system of the benchmark sends or writes: scenario shapes, the pool
 * of 16 seeded random frames and one DataToExportInput per frame. Shared by
 * bench/systems/h5saver-writer.ts (in-process writer), bench/systems/h5saver-grpc.ts (through
 * the service) and bench/systems/grpc-raw.ts (the bare transport), so that all of them move the
 * same bytes. Scenario ids are a contract with bench/scenarios.ts and bench/baselines.py.
 */

import type { Compression } from "../../service/src/backend/h5-backend.ts";
import type { DataToExportInput, NumericArray } from "../../service/src/index.ts";
import { seededRandom } from "../../service/src/testing/seeded-random.ts";

export const POOL_SIZE = 16; // distinct frames cycled through, as baselines.py
const SEED = 20240611; // fixed so every run writes the same bytes (not numpy's bytes: another RNG)
export const MB = 1_000_000;

export interface Scenario {
  /** Data arrays per frame, all in one DataWithAxes. */
  readonly channels: number;
  /** Shape of one channel array; 0D is [1] as PyMoDAQ stores it. */
  readonly shape: readonly number[];
  readonly dtype: "float64" | "uint16";
  /** 1D: a non-linear wavelength axis given with every frame (written once). */
  readonly wavelengthAxis: boolean;
  /** Frames sent at this rate (Hz) instead of as fast as possible: the acknowledgement-latency case. */
  readonly paceHz?: number;
  /** The arrays' filter (absent: none). Same settings in bench/baselines.py. */
  readonly compression?: Compression;
  /** uint16 values drawn from [0, 2^valueBits) instead of the full range: a 12-bit camera's counts. */
  readonly valueBits?: number;
  /** Concurrent streams into as many files (h5saver-grpc only); absent: 1. */
  readonly streams?: number;
  /** When h5saver acknowledges frames (h5saver-grpc only); absent: the server's default, synced. */
  readonly durability?: "synced" | "written";
}

const TWO_D_512: Scenario = { channels: 1, shape: [512, 512], dtype: "uint16", wavelengthAxis: false };
const TWO_D_2048: Scenario = { channels: 1, shape: [2048, 2048], dtype: "uint16", wavelengthAxis: false };
const ACK_1MIB_100HZ: Scenario = {
  channels: 1,
  shape: [512, 1024],
  dtype: "uint16",
  wavelengthAxis: false,
  paceHz: 100,
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  "0d-1ch": { channels: 1, shape: [1], dtype: "float64", wavelengthAxis: false },
  "0d-8ch": { channels: 8, shape: [1], dtype: "float64", wavelengthAxis: false },
  "1d-2048-f64": { channels: 1, shape: [2048], dtype: "float64", wavelengthAxis: true },
  "2d-512-u16": TWO_D_512,
  /**
   * The same frames with gzip level 1, and with blosc-lz4 (level 5, byte shuffle) as PyTables'
   * `blosc:lz4` (and so for 2048²). The compressed variants hold 12-bit counts (uniform in [0, 4096)), so the data compress a
   * little as a camera's do; full-range random uint16 do not compress at all, and h5saver's blosc
   * refuses a chunk it cannot shrink.
   */
  "2d-512-u16-gzip1": { ...TWO_D_512, valueBits: 12, compression: { kind: "gzip", level: 1 } },
  "2d-512-u16-blosclz4": { ...TWO_D_512, valueBits: 12, compression: { kind: "blosc-lz4", level: 5 } },
  /** 16 clients streaming 512 × 512 uint16 into 16 files at once (N frames each). */
  "2d-512-u16-x16": { ...TWO_D_512, streams: 16 },
  "2d-2048-u16": TWO_D_2048,
  "2d-2048-u16-gzip1": { ...TWO_D_2048, valueBits: 12, compression: { kind: "gzip", level: 1 } },
  "2d-2048-u16-blosclz4": { ...TWO_D_2048, valueBits: 12, compression: { kind: "blosc-lz4", level: 5 } },
  /** 1 MiB frames (512 × 1024 uint16) at 100 Hz, flushed at every frame: send → durable ack latency. */
  "ack-1mib-100hz": ACK_1MIB_100HZ,
  /** The same, acknowledged once written to the operating system rather than synced to the disk. */
  "ack-1mib-100hz-written": { ...ACK_1MIB_100HZ, durability: "written" },
};

export type Frame = NumericArray[]; // one array per channel

export function scenarioFor(id: string): Scenario {
  const scenario = SCENARIOS[id];
  if (scenario === undefined) {
    throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(", ")}, got '${id}'`);
  }
  return scenario;
}

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function frameBytes(scenario: Scenario): number {
  const itemsize = scenario.dtype === "float64" ? 8 : 2;
  return scenario.channels * elements(scenario.shape) * itemsize;
}

function randomArray(next: () => number, scenario: Scenario): NumericArray {
  const n = elements(scenario.shape);
  if (scenario.dtype === "uint16") {
    const array = new Uint16Array(n);
    const range = 2 ** (scenario.valueBits ?? 16);
    for (let i = 0; i < n; i++) array[i] = Math.floor(next() * range);
    return array;
  }
  const array = new Float64Array(n);
  for (let i = 0; i < n; i++) array[i] = next();
  return array;
}

export function framePool(scenario: Scenario): Frame[] {
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
export function frameInputs(scenario: Scenario, frames: number): DataToExportInput[] {
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

/** The pool's frames as raw payload bytes (the channels' arrays back to back), for the bare transport. */
export function rawFramePool(scenario: Scenario): Buffer[] {
  return framePool(scenario).map((frame) =>
    Buffer.concat(frame.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength))),
  );
}

export function positiveInt(text: string | undefined, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer, got ${String(text)}`);
  return value;
}

/** The options every system takes (bench/README.md), as `parseArgs` read them. */
export interface SystemArgs {
  readonly system?: string | undefined;
  readonly scenario?: string | undefined;
  readonly frames?: string | undefined;
  readonly out?: string | undefined;
}

/** Those options checked: `system` one of `systems`, a known scenario, a frame count, an --out DIR. */
export function checkSystemArgs(
  values: SystemArgs,
  systems: readonly string[],
): { system: string; scenarioId: string; scenario: Scenario; frames: number; out: string } {
  const system = values.system ?? "";
  if (!systems.includes(system)) {
    const allowed = systems.length === 1 ? systems[0] : `one of ${systems.join(", ")}`;
    throw new Error(`--system must be ${allowed}, got ${values.system}`);
  }
  if (values.out === undefined) throw new Error("--out DIR is required");
  const scenarioId = values.scenario ?? "";
  return {
    system,
    scenarioId,
    scenario: scenarioFor(scenarioId),
    frames: positiveInt(values.frames, "frames"),
    out: values.out,
  };
}

/** Runs a system's main; a failure goes to stderr, named, with exit status 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}

/** Stray console output from libraries must not break the one-JSON-line contract. */
export function quietConsole(): void {
  console.log = console.error;
  console.info = console.error;
}
