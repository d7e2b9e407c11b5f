/**
 * Medians over repetitions, h5saver ÷ system ratios (in-thread and worker) and the printed table.
 * Pure functions; bench/run.ts feeds them the runs of one benchmark session.
 */

import type { RunResult } from "./child-run.ts";
import { type ScenarioId, SUBJECT, type SystemId, WORKER_SUBJECT } from "./scenarios.ts";

export interface RecordedRun extends RunResult {
  rep: number;
}

export interface SummaryRow {
  scenario: ScenarioId;
  system: SystemId;
  frames: number;
  runs: number;
  median_seconds: number;
  median_frames_per_s: number;
  median_mb_per_s: number;
  /** h5saver median frames/s ÷ this system's; > 1 means h5saver is faster. null for h5saver. */
  h5saver_ratio: number | null;
  /** The same for h5saver-worker (null for itself, and when it was not run). */
  worker_ratio: number | null;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid];
  const lower = sorted[mid - 1];
  if (upper === undefined) {
    throw new Error("median of no values");
  }
  return sorted.length % 2 === 1 || lower === undefined ? upper : (lower + upper) / 2;
}

export function summarize(
  runs: readonly RecordedRun[],
  scenarios: readonly ScenarioId[],
  systems: readonly SystemId[],
): SummaryRow[] {
  return scenarios.flatMap((scenario) => {
    const rows = systems.map((system) =>
      summarizeOne(
        runs.filter((run) => run.scenario === scenario && run.system === system),
        scenario,
        system,
      ),
    );
    const subject = rows.find((row) => row.system === SUBJECT);
    const worker = rows.find((row) => row.system === WORKER_SUBJECT);
    return rows.map((row) => ({
      ...row,
      h5saver_ratio: ratio(subject, row),
      worker_ratio: ratio(worker, row),
    }));
  });
}

function summarizeOne(runs: readonly RecordedRun[], scenario: ScenarioId, system: SystemId): SummaryRow {
  const first = runs[0];
  if (first === undefined) {
    throw new Error(`no runs for ${system} / ${scenario}`);
  }
  return {
    scenario,
    system,
    frames: first.frames,
    runs: runs.length,
    median_seconds: median(runs.map((run) => run.seconds)),
    median_frames_per_s: median(runs.map((run) => run.frames_per_s)),
    median_mb_per_s: median(runs.map((run) => run.mb_per_s)),
    h5saver_ratio: null,
    worker_ratio: null,
  };
}

function ratio(subject: SummaryRow | undefined, row: SummaryRow): number | null {
  if (subject === undefined || row.system === subject.system) {
    return null;
  }
  return subject.median_frames_per_s / row.median_frames_per_s;
}

const HEADER = [
  "scenario",
  "system",
  "frames",
  "frames/s",
  "MB/s",
  "h5saver ÷ system",
  "h5saver-worker ÷ system",
] as const;
const RIGHT_ALIGNED = new Set([2, 3, 4, 5, 6]);

/** A plain-text table, one row per scenario × system. */
export function formatTable(rows: readonly SummaryRow[]): string {
  const cells = [
    [...HEADER],
    ...rows.map((row) => [
      row.scenario,
      row.system,
      String(row.frames),
      formatNumber(row.median_frames_per_s),
      formatNumber(row.median_mb_per_s),
      formatRatio(row.h5saver_ratio),
      formatRatio(row.worker_ratio),
    ]),
  ];
  const widths = HEADER.map((_, col) => Math.max(...cells.map((line) => line[col]?.length ?? 0)));
  const lines = cells.map((line) =>
    line.map((cell, col) => pad(cell, widths[col] ?? 0, RIGHT_ALIGNED.has(col))).join(" | "),
  );
  const rule = widths.map((width) => "-".repeat(width)).join("-|-");
  return [lines[0], rule, ...lines.slice(1)].join("\n");
}

function formatRatio(value: number | null): string {
  return value === null ? "—" : `${formatNumber(value)}×`;
}

/** 3 significant figures, no exponent, thousands separated: 0.00512, 3.27, 643, 21 600. */
export function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) {
    return String(value);
  }
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  const rounded = Number(value.toPrecision(3));
  return rounded
    .toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
    .replaceAll(",", " ");
}

function pad(cell: string, width: number, right: boolean): string {
  return right ? cell.padStart(width) : cell.padEnd(width);
}
