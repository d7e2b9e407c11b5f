/**
 * Benchmark scenarios and systems. The scenario ids are a contract shared with
 * bench/baselines.py and bench/systems/frames.ts.
 */

export const SCENARIO_IDS = [
  "0d-1ch",
  "0d-8ch",
  "1d-2048-f64",
  "2d-512-u16",
  "2d-512-u16-gzip1",
  "2d-512-u16-blosclz4",
  "2d-512-u16-x16",
  "2d-2048-u16",
  "2d-2048-u16-gzip1",
  "2d-2048-u16-blosclz4",
  "ack-1mib-100hz",
  "ack-1mib-100hz-written",
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** Left out of --quick unless named with --scenarios (839 MB per file and run; the compressed variants; 16 files). */
export const FULL_ONLY: readonly ScenarioId[] = [
  "2d-512-u16-gzip1",
  "2d-512-u16-blosclz4",
  "2d-512-u16-x16",
  "2d-2048-u16",
  "2d-2048-u16-gzip1",
  "2d-2048-u16-blosclz4",
];

/**
 * Frames per run in full mode: the counts of ../shared/research/pymodaq-speed.md (beside the project) (0D×8 cut from
 * 5000 to 3000 because pymodaq needs ~4 ms per frame there), for PyMoDAQ's saver; --quick
 * divides them by QUICK_DIVISOR. The other systems write FAST_FACTOR times as many small frames:
 * at tens of thousands of frames per second a thousand frames take milliseconds, and the run's
 * fixed costs (the final acknowledgement, closing the file) would be what is measured. Rates
 * (frames/s, MB/s) are what is compared. The acknowledgement case is paced at 100 Hz: 1000
 * frames = 10 s (2 s in --quick).
 */
export const FULL_FRAMES: Readonly<Record<ScenarioId, number>> = {
  "0d-1ch": 5000,
  "0d-8ch": 3000,
  "1d-2048-f64": 2000,
  "2d-512-u16": 500,
  "2d-512-u16-gzip1": 500,
  "2d-512-u16-blosclz4": 500,
  /**
   * per stream: 16 × 156 = 2 496 frames (1.31 GB over 16 files), the bytes of one 2d-512-u16
   * stream (500 × its FAST_FACTOR): the same data, split
   */
  "2d-512-u16-x16": 156,
  "2d-2048-u16": 100,
  /** 168 MB: gzip runs at some 25 MB/s in every system (32 s per run for 100 frames) */
  "2d-2048-u16-gzip1": 20,
  "2d-2048-u16-blosclz4": 20,
  "ack-1mib-100hz": 1000,
  "ack-1mib-100hz-written": 1000,
};

export const QUICK_DIVISOR = 5;

/** Systems that write FULL_FRAMES (the slow reference); every other writes FAST_FACTOR times more. */
const SLOW_SYSTEMS: readonly string[] = ["pymodaq"];
const FAST_FACTOR: Readonly<Partial<Record<ScenarioId, number>>> = {
  "0d-1ch": 50,
  "0d-8ch": 10,
  // 2000 frames of 16 KiB take h5saver end to end ~0.2 s: the writer thread that the server warms
  // for the next file (~0.2 s of CPU) and the JIT's warm-up would weigh as much as the frames
  "1d-2048-f64": 25,
  // 100 frames of 512 KiB (--quick) take h5py or h5saver's writer some 50 ms: the open, the close
  // and the JIT's warm-up would be what is measured
  "2d-512-u16": 5,
};

/** The system under test: h5saver's writer in the caller's thread; every other system is divided by it. */
export const SUBJECT = "h5saver";
/** The same writer behind openSaverFile (the file in a worker thread): the cost of the thread hop. */
export const WORKER_SUBJECT = "h5saver-worker";
/** End to end: the TypeScript client streaming to `h5saver serve` in another process. */
export const GRPC_SUBJECT = "h5saver-grpc";
/** End to end from Python: clients/python to its own `h5saver serve` (bench/systems/h5saver-python.py). */
export const PYTHON_SUBJECT = "h5saver-python";
/** Systems run by bench/systems/h5saver-writer.ts (`--system`). */
export const WRITER_SYSTEMS = [SUBJECT, WORKER_SUBJECT] as const;
/** Systems run by bench/baselines.py. */
export const BASELINES = ["pymodaq", "h5py", "tables"] as const;
/** The limits: a raw grpc-js byte stream that saves nothing, and dd with fsync. */
export const LIMITS = ["grpc-raw", "disk"] as const;
export const SYSTEM_IDS = [
  SUBJECT,
  WORKER_SUBJECT,
  GRPC_SUBJECT,
  PYTHON_SUBJECT,
  ...BASELINES,
  ...LIMITS,
] as const;
export type SystemId = (typeof SYSTEM_IDS)[number];
/** The systems whose speed is divided by every other's in the table, in its column order. */
export const RATIO_SUBJECTS = [SUBJECT, WORKER_SUBJECT, GRPC_SUBJECT, PYTHON_SUBJECT] as const;
export type RatioSubject = (typeof RATIO_SUBJECTS)[number];

/**
 * Which systems run a scenario: the paced acknowledgement case is the service's, the raw
 * transport's and the disk's (their latencies are the floors under the service's; the written
 * variant is the service's alone, over the same floors), the 16 concurrent streams the
 * service's alone (it compares with its own single stream); the
 * compressed variants leave out the limits (they move the uncompressed bytes), the Python client
 * (bench/systems/h5saver-python.py has no compression option) and, for blosc, h5py (no blosc
 * filter without the hdf5plugin package).
 */
export function systemsFor(scenario: ScenarioId): readonly SystemId[] {
  if (scenario === "ack-1mib-100hz") return [GRPC_SUBJECT, "grpc-raw", "disk"];
  // the floors are the synced case's: the same frames through the same transport
  if (scenario === "ack-1mib-100hz-written") return [GRPC_SUBJECT];
  if (scenario === "2d-512-u16-x16") return [GRPC_SUBJECT];
  if (isCompressed(scenario)) {
    const left: readonly SystemId[] = [
      PYTHON_SUBJECT,
      ...LIMITS,
      ...(scenario.endsWith("-blosclz4") ? (["h5py"] as const) : []),
    ];
    return SYSTEM_IDS.filter((system) => !left.includes(system));
  }
  return SYSTEM_IDS;
}

export function isCompressed(scenario: ScenarioId): boolean {
  return scenario.endsWith("-gzip1") || scenario.endsWith("-blosclz4");
}

export function isWriterSystem(system: SystemId): system is (typeof WRITER_SYSTEMS)[number] {
  return (WRITER_SYSTEMS as readonly string[]).includes(system);
}

export function isBaseline(system: SystemId): system is (typeof BASELINES)[number] {
  return (BASELINES as readonly string[]).includes(system);
}

export function isScenarioId(value: string): value is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(value);
}

export function isSystemId(value: string): value is SystemId {
  return (SYSTEM_IDS as readonly string[]).includes(value);
}

export function defaultScenarios(quick: boolean): ScenarioId[] {
  return SCENARIO_IDS.filter((id) => !(quick && FULL_ONLY.includes(id)));
}

/**
 * --quick, 0D: the systems that pay a call per frame write fewer frames than their quick count —
 * PyMoDAQ's saver (60–140 frames/s here) half, h5py's row appends and the writer behind a
 * postMessage per frame (800–5 000 frames/s) a fifth. With the full quick counts these five runs
 * took 45 s of a `--quick` that should finish in under two minutes (2026-12-04: 2 min 20 s in
 * all); rates are what is compared, and each still runs for a second or more.
 */
const QUICK_0D_DIVISOR: Readonly<Partial<Record<string, number>>> = {
  pymodaq: 2,
  h5py: 5,
  "h5saver-worker": 5,
};

export function framesFor(scenario: ScenarioId, quick: boolean, system?: string): number {
  const factor = system === undefined || SLOW_SYSTEMS.includes(system) ? 1 : (FAST_FACTOR[scenario] ?? 1);
  const full = FULL_FRAMES[scenario] * factor;
  if (!quick) return full;
  const perFrame = scenario.startsWith("0d-") && system !== undefined ? (QUICK_0D_DIVISOR[system] ?? 1) : 1;
  return Math.max(1, Math.round(full / QUICK_DIVISOR / perFrame));
}
