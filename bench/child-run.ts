/**
 * Runs one system for one scenario in a fresh process and parses its one-line JSON answer.
 * Called by bench/run.ts; each process writes one fresh file into its own directory.
 */

import { spawn } from "node:child_process";
import type { ScenarioId, SystemId } from "./scenarios.ts";

/** The one JSON line every system prints on stdout (see bench/README.md). */
export interface RunResult {
  scenario: string;
  system: string;
  frames: number;
  payload_bytes: number;
  seconds: number;
  frames_per_s: number;
  mb_per_s: number;
  /** h5saver systems only: seconds spent in the open call (see bench/systems/h5saver-writer.ts). */
  open_seconds?: number;
}

export interface Command {
  file: string;
  args: readonly string[];
}

interface ProcessOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A hung run must not hang the whole benchmark; the slowest full run is ~15 s. */
const RUN_TIMEOUT_MS = 10 * 60 * 1000;
const STDERR_TAIL_CHARS = 4000;

const NUMBER_FIELDS = ["frames", "payload_bytes", "seconds", "frames_per_s", "mb_per_s"] as const;

export async function runSystem(
  command: Command,
  cwd: string,
  expected: { scenario: ScenarioId; system: SystemId; frames: number },
): Promise<RunResult> {
  const output = await runProcess(command, cwd);
  const where = `${expected.system} / ${expected.scenario}`;
  if (output.code !== 0) {
    const status = output.signal ?? `exit code ${String(output.code)}`;
    throw new Error(`${where} failed (${status}):\n${tail(output.stderr)}`);
  }
  const result = parseResultLine(output.stdout, where);
  checkMatches(result, expected, where);
  return result;
}

function runProcess(command: Command, cwd: string): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: RUN_TIMEOUT_MS,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function parseResultLine(stdout: string, where: string): RunResult {
  const lines = stdout.split("\n").filter((line) => line.trim() !== "");
  const line = lines[0];
  if (lines.length !== 1 || line === undefined) {
    throw new Error(`${where}: expected exactly one JSON line on stdout, got:\n${tail(stdout)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (cause) {
    throw new Error(`${where}: stdout is not JSON: ${line}`, { cause });
  }
  if (!isRunResult(parsed)) {
    throw new Error(`${where}: JSON line lacks a field of the contract: ${line}`);
  }
  return parsed;
}

function isRunResult(value: unknown): value is RunResult {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  const numbersOk = NUMBER_FIELDS.every((key) => {
    const field = record[key];
    return typeof field === "number" && Number.isFinite(field) && field > 0;
  });
  return numbersOk && typeof record.scenario === "string" && typeof record.system === "string";
}

function checkMatches(
  result: RunResult,
  expected: { scenario: ScenarioId; system: SystemId; frames: number },
  where: string,
): void {
  const mismatches = (["scenario", "system", "frames"] as const).filter(
    (key) => result[key] !== expected[key],
  );
  if (mismatches.length > 0) {
    const got = mismatches.map((key) => `${key}=${String(result[key])}`).join(", ");
    throw new Error(`${where}: answered for a different run (${got})`);
  }
}

function tail(text: string): string {
  return text.length > STDERR_TAIL_CHARS ? `…${text.slice(-STDERR_TAIL_CHARS)}` : text;
}
