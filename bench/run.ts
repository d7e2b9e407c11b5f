/**
 * h5saver benchmark: h5saver in-process, behind its worker thread and end to end through gRPC
 * (TypeScript and Python clients) vs PyMoDAQ's own saver, raw h5py, raw PyTables, a raw grpc-js
 * byte stream that saves nothing and the disk's fsync'd sequential write.
 *
 *   node --import tsx bench/run.ts [--quick] [--reps N] [--scenarios a,b] [--systems x,y]
 *        [--server-profile DIR] [--frames N]
 *
 * Every run is a fresh process writing a fresh file; the two gRPC servers (`h5saver serve` and
 * the raw sink) are processes of their own started once per session; systems are interleaved
 * within each repetition; medians over repetitions are reported as subject ÷ system ratios
 * (speeds are only ever compared within one session), with the issue-10 targets checked.
 * Progress goes to stderr, the tables to stdout, the full record to bench/results/latest.json
 * and bench/results/YYYY-MM-DD.json.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Command, runSystem } from "./child-run.ts";
import { type MachineInfo, machineInfo } from "./machine.ts";
import {
  defaultScenarios,
  framesFor,
  isBaseline,
  isScenarioId,
  isSystemId,
  isWriterSystem,
  PYTHON_SUBJECT,
  SCENARIO_IDS,
  type ScenarioId,
  SYSTEM_IDS,
  type SystemId,
  systemsFor,
} from "./scenarios.ts";
import { type RunningServer, type ServerKind, startServer } from "./servers.ts";
import {
  checkTargets,
  formatCostTable,
  formatTable,
  formatTargets,
  type RecordedRun,
  type SummaryRow,
  summarize,
  type TargetCheck,
} from "./summary.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRITER = join("bench", "systems", "h5saver-writer.ts");
const GRPC_CLIENT = join("bench", "systems", "h5saver-grpc.ts");
const PYTHON_CLIENT = join("bench", "systems", "h5saver-python.py");
const RAW = join("bench", "systems", "grpc-raw.ts");
const DISK = join("bench", "systems", "disk.ts");
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
  systems: SystemId[];
  /** Directory for V8 CPU profiles of the two servers (every thread), written when they stop. */
  serverProfile: string | undefined;
  /** Frames per run for every scenario instead of the table's (e.g. a 20 GiB single stream). */
  frames: number | undefined;
}

interface PlannedRun {
  scenario: ScenarioId;
  system: SystemId;
  rep: number;
  reps: number;
  frames: number;
}

interface Report {
  schema: 3;
  date: string;
  mode: "quick" | "full";
  reps: number;
  frames: Partial<Record<ScenarioId, number>>;
  /** Systems asked for but left out, and why (e.g. the Python client not installed). */
  skipped: Record<string, string>;
  /** 1-minute load average before and after: this figure says how busy the machine was. */
  load_average: { before: number; after: number };
  machine: MachineInfo;
  runs: RecordedRun[];
  summary: SummaryRow[];
  targets: TargetCheck[];
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      reps: { type: "string" },
      scenarios: { type: "string" },
      systems: { type: "string" },
      "server-profile": { type: "string" },
      frames: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick;
  const reps = values.reps === undefined ? (quick ? 1 : FULL_REPS) : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) {
    throw new Error(`--reps must be a positive integer, got ${String(values.reps)}`);
  }
  return {
    quick,
    reps,
    scenarios: parseScenarios(values.scenarios, quick),
    systems: parseSystems(values.systems),
    serverProfile: values["server-profile"] === undefined ? undefined : resolve(values["server-profile"]),
    frames: parseFrames(values.frames),
  };
}

function parseFrames(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const frames = Number(text);
  if (!Number.isInteger(frames) || frames < 1) {
    throw new Error(`--frames must be a positive integer, got ${text}`);
  }
  return frames;
}

function parseSystems(list: string | undefined): SystemId[] {
  if (list === undefined) {
    return [...SYSTEM_IDS];
  }
  const ids = list.split(",").map((id) => id.trim());
  const unknown = ids.filter((id) => !isSystemId(id));
  if (unknown.length > 0 || ids.length === 0) {
    throw new Error(`unknown system(s) ${unknown.join(", ")}; known: ${SYSTEM_IDS.join(", ")}`);
  }
  return ids.filter(isSystemId);
}

function parseScenarios(list: string | undefined, quick: boolean): ScenarioId[] {
  if (list === undefined) {
    return defaultScenarios(quick);
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
  for (const file of [GRPC_CLIENT, RAW, DISK]) {
    if (!existsSync(resolve(ROOT, file))) throw new Error(`${file} is missing`);
  }
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

/**
 * The Python client system runs only if clients/python is installed in the venv (the `h5saver`
 * package, scripts/python-env.sh); otherwise it is left out and the reason recorded.
 */
function unavailableSystems(systems: readonly SystemId[]): Record<string, string> {
  if (!systems.includes(PYTHON_SUBJECT)) return {};
  if (!existsSync(resolve(ROOT, PYTHON_CLIENT))) return { [PYTHON_SUBJECT]: `${PYTHON_CLIENT} is missing` };
  try {
    execFileSync(PYTHON, ["-c", "import h5saver, grpc"], { cwd: ROOT, stdio: "ignore" });
    return {};
  } catch {
    return {
      [PYTHON_SUBJECT]:
        "the h5saver Python package is not importable from .venv (scripts/python-env.sh installs it)",
    };
  }
}

/** The session's server processes, by kind, for the systems that talk to one. */
type Servers = Partial<Record<ServerKind, RunningServer>>;

const NODE = (...args: string[]): Command => ({ file: process.execPath, args: ["--import", "tsx", ...args] });

function commandFor(run: PlannedRun, outDir: string, servers: Servers): Command {
  const common = ["--scenario", run.scenario, "--frames", String(run.frames), "--out", outDir];
  if (isWriterSystem(run.system)) {
    return NODE(WRITER, "--system", run.system, ...common);
  }
  if (isBaseline(run.system)) {
    return { file: PYTHON, args: [BASELINES, "--system", run.system, ...common] };
  }
  switch (run.system) {
    case "h5saver-grpc": {
      const server = servers.h5saver;
      const at = server
        ? ["--address", server.address, "--server-pid", String(server.pid), "--root", server.root]
        : [];
      return NODE(GRPC_CLIENT, ...common, ...at);
    }
    case "grpc-raw": {
      const server = servers["grpc-raw"];
      const at = server ? ["--address", server.address, "--server-pid", String(server.pid)] : [];
      return NODE(RAW, ...common, ...at);
    }
    case "disk":
      return NODE(DISK, ...common);
    case "h5saver-python": {
      const server = servers.h5saver;
      const at = server ? ["--address", server.address, "--root", server.root] : [];
      return { file: PYTHON, args: [PYTHON_CLIENT, "--system", run.system, ...common, ...at] };
    }
  }
}

/** Scenario-major, then repetition; the system order rotates per repetition so that no system
 * always runs right after the same neighbour (page cache, CPU clock state). */
function plan(options: Options, systems: readonly SystemId[]): PlannedRun[] {
  return options.scenarios.flatMap((scenario) =>
    Array.from({ length: options.reps }, (_, rep) =>
      rotate(
        systemsFor(scenario).filter((system) => systems.includes(system)),
        rep,
      ).map((system) => ({
        scenario,
        system,
        rep,
        reps: options.reps,
        frames: options.frames ?? framesFor(scenario, options.quick, system),
      })),
    ).flat(),
  );
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function executeOne(
  run: PlannedRun,
  tempRoot: string,
  label: string,
  servers: Servers,
): Promise<RecordedRun> {
  process.stderr.write(`${label} ${run.scenario} rep ${run.rep + 1}/${run.reps} ${run.system} … `);
  const outDir = await mkdtemp(join(tempRoot, `${run.scenario}-${run.system}-`));
  try {
    const result = await runSystem(commandFor(run, outDir, servers), ROOT, run);
    const rate = Math.round(result.frames_per_s);
    process.stderr.write(`${result.seconds.toFixed(3)} s, ${rate} frames/s\n`);
    return { ...result, rep: run.rep };
  } catch (error) {
    process.stderr.write("failed\n");
    throw error;
  } finally {
    // 2D files are 262 MB (839 MB for 2048²) each: never keep more than one around.
    await rm(outDir, { recursive: true, force: true });
  }
}

async function executeAll(
  runs: readonly PlannedRun[],
  tempRoot: string,
  servers: Servers,
): Promise<RecordedRun[]> {
  const width = String(runs.length).length;
  const done: RecordedRun[] = [];
  for (const [index, run] of runs.entries()) {
    const label = `[${String(index + 1).padStart(width)}/${runs.length}]`;
    done.push(await executeOne(run, tempRoot, label, servers));
  }
  return done;
}

/**
 * One `h5saver serve` (data root: the session's temp dir, which holds every run's directory) and
 * one raw sink, started before the first run and only if a planned run talks to them. Their logs
 * go to bench/results/ (overwritten each session). Each run resets the server's peak RSS and
 * reads its CPU time around its timed part, so both are per run.
 */
async function startServers(
  runs: readonly PlannedRun[],
  tempRoot: string,
  profileDir: string | undefined,
): Promise<Servers> {
  const servers: Servers = {};
  const wanted: [ServerKind, readonly SystemId[]][] = [
    ["h5saver", ["h5saver-grpc", "h5saver-python"]],
    ["grpc-raw", ["grpc-raw"]],
  ];
  await mkdir(RESULTS_DIR, { recursive: true });
  for (const [kind, systems] of wanted) {
    if (!runs.some((run) => systems.includes(run.system))) continue;
    process.stderr.write(`starting the ${kind} server … `);
    if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });
    const server = await startServer(kind, tempRoot, join(RESULTS_DIR, `${kind}-server.log`), profileDir);
    process.stderr.write(`${server.address} (pid ${server.pid})\n`);
    servers[kind] = server;
  }
  return servers;
}

async function stopServers(servers: Servers): Promise<void> {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
}

async function writeReport(report: Report): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const paths = [join(RESULTS_DIR, "latest.json"), join(RESULTS_DIR, `${report.date.slice(0, 10)}.json`)];
  await Promise.all(paths.map((path) => writeFile(path, text)));
  return paths;
}

function framesTable(options: Options): Partial<Record<ScenarioId, number>> {
  return Object.fromEntries(
    options.scenarios.map((id) => [id, options.frames ?? framesFor(id, options.quick)]),
  );
}

function systemsOf(runs: readonly RecordedRun[]): (scenario: ScenarioId) => SystemId[] {
  return (scenario) =>
    SYSTEM_IDS.filter((system) => runs.some((run) => run.scenario === scenario && run.system === system));
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
  const skipped = unavailableSystems(options.systems);
  for (const [system, why] of Object.entries(skipped)) {
    process.stderr.write(`leaving out ${system}: ${why}\n`);
  }
  const runs = plan(
    options,
    options.systems.filter((system) => skipped[system] === undefined),
  );
  const mode = options.quick ? "quick" : "full";
  process.stderr.write(`h5saver bench: ${mode}, ${options.reps} rep(s), ${runs.length} runs\n`);
  const loadBefore = os.loadavg()[0] ?? 0;
  const machine = await machineInfo(ROOT, PYTHON);
  const tempRoot = await mkdtemp(join(os.tmpdir(), "h5saver-bench-"));
  removeOnInterrupt(tempRoot);
  let recorded: RecordedRun[];
  try {
    const servers = await startServers(runs, tempRoot, options.serverProfile);
    try {
      recorded = await executeAll(runs, tempRoot, servers);
    } finally {
      await stopServers(servers);
    }
  } finally {
    await rm(tempRoot, { recursive: true, force: true });
  }
  const summary = summarize(recorded, options.scenarios, systemsOf(recorded));
  const targets = checkTargets(summary);
  const date = new Date().toISOString();
  const report: Report = {
    schema: 3,
    date,
    mode,
    reps: options.reps,
    frames: framesTable(options),
    skipped,
    load_average: { before: loadBefore, after: os.loadavg()[0] ?? 0 },
    machine,
    runs: recorded,
    summary,
    targets,
  };
  const costs = formatCostTable(summary);
  process.stdout.write(`${formatTable(summary)}\n`);
  if (costs !== "") process.stdout.write(`\n${costs}\n`);
  if (targets.length > 0) process.stdout.write(`\n${formatTargets(targets)}\n`);
  process.stdout.write(
    `\n${machine.cpu_model}, ${machine.cores} cores, load average ${report.load_average.before.toFixed(1)} → ${report.load_average.after.toFixed(1)}\n`,
  );
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
