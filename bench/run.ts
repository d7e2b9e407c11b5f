/**
 * h5saver append benchmark: h5saver vs PyMoDAQ's own saver, raw h5py and raw PyTables.
 *
 *   node --import tsx bench/run.ts [--quick] [--reps N] [--scenarios a,b]
 *
 * Every run is a fresh process writing a fresh file; systems are interleaved within each
 * repetition; medians over repetitions are reported as h5saver ÷ system ratios, for h5saver in
 * the caller's thread and behind its worker thread (speeds are only ever compared within one
 * session). Progress goes to stderr, the table to stdout, the
 * full record to bench/results/latest.json and bench/results/YYYY-MM-DD.json.
 */

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Command, runSystem } from "./child-run.ts";
import { type MachineInfo, machineInfo } from "./machine.ts";
import {
  framesFor,
  isScenarioId,
  isSubject,
  SCENARIO_IDS,
  type ScenarioId,
  SYSTEM_IDS,
  type SystemId,
} from "./scenarios.ts";
import { formatTable, type RecordedRun, type SummaryRow, summarize } from "./summary.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRITER = join("bench", "systems", "h5saver-writer.ts");
const BASELINES = join("bench", "baselines.py");
const PYTHON =
  process.platform === "win32"
    ? join(ROOT, ".venv", "Scripts", "python.exe")
    : join(ROOT, ".venv", "bin", "python");
const RESULTS_DIR = join(ROOT, "bench", "results");
const FULL_REPS = 3;

interface Options {
  quick: boolean;
  reps: number;
  scenarios: ScenarioId[];
}

interface PlannedRun {
  scenario: ScenarioId;
  system: SystemId;
  rep: number;
  reps: number;
  frames: number;
}

interface Report {
  schema: 2;
  date: string;
  mode: "quick" | "full";
  reps: number;
  frames: Partial<Record<ScenarioId, number>>;
  machine: MachineInfo;
  runs: RecordedRun[];
  summary: SummaryRow[];
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      reps: { type: "string" },
      scenarios: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick;
  const reps = values.reps === undefined ? (quick ? 1 : FULL_REPS) : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) {
    throw new Error(`--reps must be a positive integer, got ${String(values.reps)}`);
  }
  return { quick, reps, scenarios: parseScenarios(values.scenarios) };
}

function parseScenarios(list: string | undefined): ScenarioId[] {
  if (list === undefined) {
    return [...SCENARIO_IDS];
  }
  const ids = list.split(",").map((id) => id.trim());
  const unknown = ids.filter((id) => !isScenarioId(id));
  if (unknown.length > 0 || ids.length === 0) {
    throw new Error(`unknown scenario(s) ${unknown.join(", ")}; known: ${SCENARIO_IDS.join(", ")}`);
  }
  return ids.filter(isScenarioId);
}

/** Fail before any run rather than after minutes of baselines. */
function checkPrerequisites(): void {
  if (!existsSync(resolve(ROOT, WRITER))) {
    throw new Error(
      `${WRITER} is missing: it is the h5saver system under test (same CLI and one-JSON-line ` +
        "contract as bench/baselines.py, see bench/README.md).",
    );
  }
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: create the project venv with scripts/python-env.sh.`);
  }
}

function commandFor(run: PlannedRun, outDir: string): Command {
  const common = ["--scenario", run.scenario, "--frames", String(run.frames), "--out", outDir];
  if (isSubject(run.system)) {
    return { file: process.execPath, args: ["--import", "tsx", WRITER, "--system", run.system, ...common] };
  }
  return { file: PYTHON, args: [BASELINES, "--system", run.system, ...common] };
}

/** Scenario-major, then repetition; the system order rotates per repetition so that no system
 * always runs right after the same neighbour (page cache, CPU clock state). */
function plan(options: Options): PlannedRun[] {
  return options.scenarios.flatMap((scenario) =>
    Array.from({ length: options.reps }, (_, rep) =>
      rotate(SYSTEM_IDS, rep).map((system) => ({
        scenario,
        system,
        rep,
        reps: options.reps,
        frames: framesFor(scenario, options.quick),
      })),
    ).flat(),
  );
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function executeOne(run: PlannedRun, tempRoot: string, label: string): Promise<RecordedRun> {
  process.stderr.write(`${label} ${run.scenario} rep ${run.rep + 1}/${run.reps} ${run.system} … `);
  const outDir = await mkdtemp(join(tempRoot, `${run.scenario}-${run.system}-`));
  try {
    const result = await runSystem(commandFor(run, outDir), ROOT, run);
    const rate = Math.round(result.frames_per_s);
    process.stderr.write(`${result.seconds.toFixed(3)} s, ${rate} frames/s\n`);
    return { ...result, rep: run.rep };
  } catch (error) {
    process.stderr.write("failed\n");
    throw error;
  } finally {
    // 2D files are 262 MB each: never keep more than one around.
    await rm(outDir, { recursive: true, force: true });
  }
}

async function executeAll(runs: readonly PlannedRun[], tempRoot: string): Promise<RecordedRun[]> {
  const width = String(runs.length).length;
  const done: RecordedRun[] = [];
  for (const [index, run] of runs.entries()) {
    const label = `[${String(index + 1).padStart(width)}/${runs.length}]`;
    done.push(await executeOne(run, tempRoot, label));
  }
  return done;
}

async function writeReport(report: Report): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const paths = [join(RESULTS_DIR, "latest.json"), join(RESULTS_DIR, `${report.date.slice(0, 10)}.json`)];
  await Promise.all(paths.map((path) => writeFile(path, text)));
  return paths;
}

function framesTable(options: Options): Partial<Record<ScenarioId, number>> {
  return Object.fromEntries(options.scenarios.map((id) => [id, framesFor(id, options.quick)]));
}

/** Ctrl-C: children get the signal from the terminal; remove their files before leaving. */
function removeOnInterrupt(tempRoot: string): void {
  process.once("SIGINT", () => {
    void rm(tempRoot, { recursive: true, force: true }).finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  checkPrerequisites();
  const runs = plan(options);
  const mode = options.quick ? "quick" : "full";
  process.stderr.write(`h5saver bench: ${mode}, ${options.reps} rep(s), ${runs.length} runs\n`);
  const machine = await machineInfo(ROOT, PYTHON);
  const tempRoot = await mkdtemp(join(os.tmpdir(), "h5saver-bench-"));
  removeOnInterrupt(tempRoot);
  let recorded: RecordedRun[];
  try {
    recorded = await executeAll(runs, tempRoot);
  } finally {
    await rm(tempRoot, { recursive: true, force: true });
  }
  const summary = summarize(recorded, options.scenarios, SYSTEM_IDS);
  const date = new Date().toISOString();
  const report: Report = {
    schema: 2,
    date,
    mode,
    reps: options.reps,
    frames: framesTable(options),
    machine,
    runs: recorded,
    summary,
  };
  process.stdout.write(`${formatTable(summary)}\n`);
  const paths = await writeReport(report);
  process.stderr.write(`results: ${paths.join(", ")}\n`);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  return error.cause === undefined
    ? error.message
    : `${error.message}\n  caused by: ${describe(error.cause)}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${describe(error)}\n`);
  process.exitCode = 1;
});
