/**
 * Benchmark scenarios and systems. The scenario ids are a contract shared with
 * bench/baselines.py and bench/systems/h5saver-writer.ts.
 */

export const SCENARIO_IDS = ["0d-1ch", "0d-8ch", "1d-2048-f64", "2d-512-u16"] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/**
 * Frames per run in full mode: the counts of ../shared/research/pymodaq-speed.md (beside the project) (0D×8 cut from
 * 5000 to 3000 because pymodaq needs ~4 ms per frame there). Every system writes the same N, so
 * frames/s compare like for like; --quick divides them by QUICK_DIVISOR.
 */
export const FULL_FRAMES: Readonly<Record<ScenarioId, number>> = {
  "0d-1ch": 5000,
  "0d-8ch": 3000,
  "1d-2048-f64": 2000,
  "2d-512-u16": 500,
};

export const QUICK_DIVISOR = 5;

/** The system under test: h5saver's writer in the caller's thread; every other system is divided by it. */
export const SUBJECT = "h5saver";
/** The same writer behind openSaverFile (the file in a worker thread): the cost of the thread hop. */
export const WORKER_SUBJECT = "h5saver-worker";
/** Systems run by bench/systems/h5saver-writer.ts (`--system`); the rest by bench/baselines.py. */
export const SUBJECTS = [SUBJECT, WORKER_SUBJECT] as const;
export const BASELINES = ["pymodaq", "h5py", "tables"] as const;
export const SYSTEM_IDS = [...SUBJECTS, ...BASELINES] as const;
export type SystemId = (typeof SYSTEM_IDS)[number];
export type SubjectId = (typeof SUBJECTS)[number];

export function isSubject(system: SystemId): system is SubjectId {
  return (SUBJECTS as readonly string[]).includes(system);
}

export function isScenarioId(value: string): value is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(value);
}

export function framesFor(scenario: ScenarioId, quick: boolean): number {
  const full = FULL_FRAMES[scenario];
  return quick ? Math.max(1, Math.round(full / QUICK_DIVISOR)) : full;
}
