/**
 * Benchmark scenarios and systems. The scenario ids are a contract shared with
 * bench/baselines.py and bench/systems/h5saver-writer.ts.
 */

export const SCENARIO_IDS = ["0d-1ch", "0d-8ch", "1d-2048-f64", "2d-512-u16"] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/**
 * Frames per run in full mode: the counts of /work/shared/research/pymodaq-speed.md (0D×8 cut from
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

/** The system under test; every other system is a baseline it is divided by. */
export const SUBJECT = "h5saver";
export const BASELINES = ["pymodaq", "h5py", "tables"] as const;
export const SYSTEM_IDS = [SUBJECT, ...BASELINES] as const;
export type SystemId = (typeof SYSTEM_IDS)[number];

export function isScenarioId(value: string): value is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(value);
}

export function framesFor(scenario: ScenarioId, quick: boolean): number {
  const full = FULL_FRAMES[scenario];
  return quick ? Math.max(1, Math.round(full / QUICK_DIVISOR)) : full;
}
