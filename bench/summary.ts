/**
 * Medians over repetitions, subject ÷ system ratios, the issue-10 targets and the printed tables.
 * Pure functions; bench/run.ts feeds them the runs of one benchmark session.
 */

import type { RunResult } from "./child-run.ts";
import {
  GRPC_SUBJECT,
  RATIO_SUBJECTS,
  type RatioSubject,
  type ScenarioId,
  SUBJECT,
  type SystemId,
  WORKER_SUBJECT,
} from "./scenarios.ts";

export interface RecordedRun extends RunResult {
  rep: number;
}

/** Extra figures some systems report (bench/README.md); their medians go into the summary. */
export const EXTRA_FIELDS = [
  "open_seconds",
  "start_seconds",
  "client_cpu_seconds",
  "server_cpu_seconds",
  "server_cpu_s_per_mb",
  "server_peak_rss_mb",
  "server_rss_at_10pct_mb",
  "server_rss_at_end_mb",
  "ack_p50_ms",
  "ack_p99_ms",
  "ack_p99_after_1s_ms",
  "ack_max_ms",
] as const;
export type ExtraField = (typeof EXTRA_FIELDS)[number];

export interface SummaryRow {
  scenario: ScenarioId;
  system: SystemId;
  frames: number;
  runs: number;
  median_seconds: number;
  median_frames_per_s: number;
  median_mb_per_s: number;
  /** subject median frames/s ÷ this system's, per subject that ran (> 1: the subject is faster). */
  ratios: Partial<Record<RatioSubject, number>>;
  /** h5saver ÷ this system (as ratios.h5saver; null for h5saver itself or when it did not run). */
  h5saver_ratio: number | null;
  /** h5saver-worker ÷ this system. */
  worker_ratio: number | null;
  /** h5saver-grpc (end to end) ÷ this system. */
  grpc_ratio: number | null;
  /** Medians of the extra figures the system reported (server CPU and RSS, latencies, …). */
  extras: Partial<Record<ExtraField, number>>;
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

/** One row per scenario × system that ran (`systemsOf` says which systems a scenario had). */
export function summarize(
  runs: readonly RecordedRun[],
  scenarios: readonly ScenarioId[],
  systemsOf: (scenario: ScenarioId) => readonly SystemId[],
): SummaryRow[] {
  return scenarios.flatMap((scenario) => {
    const rows = systemsOf(scenario).map((system) =>
      summarizeOne(
        runs.filter((run) => run.scenario === scenario && run.system === system),
        scenario,
        system,
      ),
    );
    return rows.map((row) => {
      const ratios: Partial<Record<RatioSubject, number>> = {};
      for (const subject of RATIO_SUBJECTS) {
        const value = ratio(
          rows.find((r) => r.system === subject),
          row,
        );
        if (value !== null) ratios[subject] = value;
      }
      return {
        ...row,
        ratios,
        h5saver_ratio: ratios[SUBJECT] ?? null,
        worker_ratio: ratios[WORKER_SUBJECT] ?? null,
        grpc_ratio: ratios[GRPC_SUBJECT] ?? null,
      };
    });
  });
}

function summarizeOne(runs: readonly RecordedRun[], scenario: ScenarioId, system: SystemId): SummaryRow {
  const first = runs[0];
  if (first === undefined) {
    throw new Error(`no runs for ${system} / ${scenario}`);
  }
  const extras: Partial<Record<ExtraField, number>> = {};
  for (const field of EXTRA_FIELDS) {
    const values = runs
      .map((run) => (run as unknown as Record<string, unknown>)[field])
      .filter((value): value is number => typeof value === "number" && Number.isFinite(value));
    if (values.length > 0) extras[field] = median(values);
  }
  return {
    scenario,
    system,
    frames: first.frames,
    runs: runs.length,
    median_seconds: median(runs.map((run) => run.seconds)),
    median_frames_per_s: median(runs.map((run) => run.frames_per_s)),
    median_mb_per_s: median(runs.map((run) => run.mb_per_s)),
    ratios: {},
    h5saver_ratio: null,
    worker_ratio: null,
    grpc_ratio: null,
    extras,
  };
}

function ratio(subject: SummaryRow | undefined, row: SummaryRow): number | null {
  if (subject === undefined || row.system === subject.system) {
    return null;
  }
  return subject.median_frames_per_s / row.median_frames_per_s;
}

// ---------------------------------------------------------------------------------------------
// Issue 10's targets, each checked against the rows of one session
// ---------------------------------------------------------------------------------------------

export interface TargetCheck {
  target: string;
  scenario: ScenarioId;
  /** The measured ratio (or latency in ms, or RSS in MB), null when a system it needs did not run. */
  measured: number | null;
  /** ≥ bound for ratios, ≤ bound for latency and memory. */
  bound: number;
  kind: "at-least" | "at-most";
  unit: "×" | "ms" | "MB";
  met: boolean | null;
}

interface TargetSpec {
  target: string;
  scenarios: readonly ScenarioId[];
  /** From the scenario's rows (and every row of the session, for comparisons across scenarios). */
  measure: (rows: readonly SummaryRow[], all: readonly SummaryRow[]) => number | null;
  bound: number;
  kind: "at-least" | "at-most";
  unit?: "ms" | "MB";
}

function rowOf(rows: readonly SummaryRow[], system: SystemId): SummaryRow | undefined {
  return rows.find((row) => row.system === system);
}

function ratioOf(subject: RatioSubject, baseline: SystemId) {
  return (rows: readonly SummaryRow[]) => rowOf(rows, baseline)?.ratios[subject] ?? null;
}

const TARGETS: readonly TargetSpec[] = [
  {
    target: "end to end ÷ pymodaq ≥ 100×",
    scenarios: ["0d-1ch", "0d-8ch"],
    measure: ratioOf(GRPC_SUBJECT, "pymodaq"),
    bound: 100,
    kind: "at-least",
  },
  {
    target: "end to end ÷ tables ≥ 0.5×",
    scenarios: ["0d-1ch", "0d-8ch"],
    measure: ratioOf(GRPC_SUBJECT, "tables"),
    bound: 0.5,
    kind: "at-least",
  },
  {
    target: "end to end ÷ pymodaq ≥ 20×",
    scenarios: ["1d-2048-f64"],
    measure: ratioOf(GRPC_SUBJECT, "pymodaq"),
    bound: 20,
    kind: "at-least",
  },
  {
    target: "end to end ÷ h5py ≥ 1×",
    scenarios: ["1d-2048-f64"],
    measure: ratioOf(GRPC_SUBJECT, "h5py"),
    bound: 1,
    kind: "at-least",
  },
  {
    target: "end to end ÷ grpc-raw ≥ 0.8×",
    scenarios: ["2d-512-u16", "2d-2048-u16"],
    measure: ratioOf(GRPC_SUBJECT, "grpc-raw"),
    bound: 0.8,
    kind: "at-least",
  },
  {
    target: "end to end ÷ disk (fsync) ≥ 0.6×",
    scenarios: ["2d-512-u16", "2d-2048-u16"],
    measure: ratioOf(GRPC_SUBJECT, "disk"),
    bound: 0.6,
    kind: "at-least",
  },
  {
    target: "writer in-process ÷ h5py ≥ 0.6×",
    scenarios: ["2d-512-u16", "2d-2048-u16"],
    measure: ratioOf(SUBJECT, "h5py"),
    bound: 0.6,
    kind: "at-least",
  },
  {
    target: "ack latency p99 ≤ 5 ms (100 Hz × 1 MiB, flush per frame)",
    scenarios: ["ack-1mib-100hz"],
    measure: (rows) => rowOf(rows, GRPC_SUBJECT)?.extras.ack_p99_ms ?? null,
    bound: 5,
    kind: "at-most",
    unit: "ms",
  },
  {
    target: "ack latency p99 ≤ 5 ms, the stream's first second left out",
    scenarios: ["ack-1mib-100hz"],
    measure: (rows) => rowOf(rows, GRPC_SUBJECT)?.extras.ack_p99_after_1s_ms ?? null,
    bound: 5,
    kind: "at-most",
    unit: "ms",
  },
  {
    target: "ack latency p99 ≤ 5 ms, acknowledged once written (durability written)",
    scenarios: ["ack-1mib-100hz-written"],
    measure: (rows) => rowOf(rows, GRPC_SUBJECT)?.extras.ack_p99_ms ?? null,
    bound: 5,
    kind: "at-most",
    unit: "ms",
  },
  {
    target: "16 streams: aggregate ≥ 0.8× one stream of their bytes (2d-512-u16)",
    scenarios: ["2d-512-u16-x16"],
    measure: (rows, all) => {
      const many = rowOf(rows, GRPC_SUBJECT);
      const one = all.find((row) => row.scenario === "2d-512-u16" && row.system === GRPC_SUBJECT);
      return many && one ? many.median_frames_per_s / one.median_frames_per_s : null;
    },
    bound: 0.8,
    kind: "at-least",
  },
  {
    target: "server peak RSS ≤ 250 MB (a run, not the 20 GiB file of the target)",
    scenarios: ["2d-512-u16", "2d-2048-u16"],
    measure: (rows) => rowOf(rows, GRPC_SUBJECT)?.extras.server_peak_rss_mb ?? null,
    bound: 250,
    kind: "at-most",
    unit: "MB",
  },
];

export function checkTargets(rows: readonly SummaryRow[]): TargetCheck[] {
  return TARGETS.flatMap((spec) =>
    spec.scenarios.flatMap((scenario) => {
      const scenarioRows = rows.filter((row) => row.scenario === scenario);
      if (scenarioRows.length === 0) return [];
      const measured = spec.measure(scenarioRows, rows);
      const met =
        measured === null ? null : spec.kind === "at-least" ? measured >= spec.bound : measured <= spec.bound;
      const unit = spec.unit ?? "×";
      return [{ target: spec.target, scenario, measured, bound: spec.bound, kind: spec.kind, unit, met }];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

const RATIO_HEADERS: Record<RatioSubject, string> = {
  h5saver: "h5saver ÷",
  "h5saver-worker": "worker ÷",
  "h5saver-grpc": "grpc ÷",
  "h5saver-python": "python ÷",
};

/** The speeds, one row per scenario × system, with one ratio column per subject that ran. */
export function formatTable(rows: readonly SummaryRow[]): string {
  const subjects = RATIO_SUBJECTS.filter((subject) => rows.some((row) => row.system === subject));
  const header = [
    "scenario",
    "system",
    "frames",
    "frames/s",
    "MB/s",
    ...subjects.map((s) => RATIO_HEADERS[s]),
  ];
  const body = rows.map((row) => [
    row.scenario,
    row.system,
    String(row.frames),
    formatNumber(row.median_frames_per_s),
    formatNumber(row.median_mb_per_s),
    ...subjects.map((subject) => formatRatio(row.ratios[subject] ?? null)),
  ]);
  return grid(header, body, 2);
}

const COST_COLUMNS: readonly [ExtraField, string][] = [
  ["open_seconds", "open s (untimed)"],
  ["start_seconds", "stream start s"],
  ["server_cpu_s_per_mb", "server CPU s/MB"],
  ["server_cpu_seconds", "server CPU s"],
  ["client_cpu_seconds", "client CPU s"],
  ["server_peak_rss_mb", "server peak RSS MB"],
  ["server_rss_at_10pct_mb", "RSS at 10 % MB"],
  ["server_rss_at_end_mb", "RSS at 100 % MB"],
  ["ack_p50_ms", "ack p50 ms"],
  ["ack_p99_ms", "ack p99 ms"],
  ["ack_p99_after_1s_ms", "ack p99 after 1 s ms"],
  ["ack_max_ms", "ack max ms"],
];

/** Server CPU and memory, client CPU, latencies: the rows that report any of them. */
export function formatCostTable(rows: readonly SummaryRow[]): string {
  const costly = rows.filter((row) => COST_COLUMNS.some(([field]) => row.extras[field] !== undefined));
  const columns = COST_COLUMNS.filter(([field]) => costly.some((row) => row.extras[field] !== undefined));
  if (costly.length === 0) return "";
  const header = ["scenario", "system", ...columns.map(([, title]) => title)];
  const body = costly.map((row) => [
    row.scenario,
    row.system,
    ...columns.map(([field]) => {
      const value = row.extras[field];
      return value === undefined ? "—" : formatNumber(value);
    }),
  ]);
  return grid(header, body, 2);
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  const header = ["target (issue 10)", "scenario", "measured", "verdict"];
  const body = checks.map((check) => [
    check.target,
    check.scenario,
    check.measured === null
      ? "not run"
      : `${formatNumber(check.measured)}${check.unit === "×" ? "×" : ` ${check.unit}`}`,
    check.met === null ? "—" : check.met ? "met" : "missed",
  ]);
  return grid(header, body, 2);
}

function grid(header: readonly string[], body: readonly string[][], firstRight: number): string {
  const cells = [[...header], ...body];
  const widths = header.map((_, col) => Math.max(...cells.map((line) => line[col]?.length ?? 0)));
  const lines = cells.map((line) =>
    line.map((cell, col) => pad(cell, widths[col] ?? 0, col >= firstRight)).join(" | "),
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
