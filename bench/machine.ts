/**
 * What the numbers were measured on: CPU, Node, Python and the library versions that set the
 * speed. Recorded in every results file by bench/run.ts; never used to judge a result.
 */

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface MachineInfo {
  cpu_model: string;
  cores: number;
  memory_gib: number;
  os: string;
  node: string;
  python: PythonInfo;
  h5wasm: string;
  git_commit: string;
  git_dirty: boolean;
}

export interface PythonInfo {
  version: string;
  packages: Record<string, string>;
  hdf5: Record<string, string>;
}

/** Printed as one JSON object by the project venv's python; imports stay outside any timer. */
const PYTHON_PROBE = `
import json, platform
from importlib.metadata import version
import h5py, tables
pkgs = ["pymodaq_data", "pymodaq_utils", "h5py", "tables", "numpy"]
print(json.dumps({
    "version": platform.python_version(),
    "packages": {p: version(p) for p in pkgs},
    "hdf5": {"h5py": h5py.version.hdf5_version, "tables": tables.hdf5_version},
}))
`;

export async function machineInfo(root: string, python: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  const [pythonInfo, h5wasm, git] = await Promise.all([
    probePython(python, root),
    packageVersion("h5wasm", join(root, "service")),
    gitState(root),
  ]);
  return {
    cpu_model: cpus[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: pythonInfo,
    h5wasm,
    ...git,
  };
}

async function probePython(python: string, cwd: string): Promise<PythonInfo> {
  try {
    const { stdout } = await execFileAsync(python, ["-c", PYTHON_PROBE], { cwd });
    return JSON.parse(stdout) as PythonInfo;
  } catch (cause) {
    throw new Error(`${python} cannot report h5py/tables/pymodaq_data versions`, { cause });
  }
}

/** Walks up node_modules folders like Node's resolver; h5wasm's exports hide its package.json. */
async function packageVersion(name: string, fromDir: string): Promise<string> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    try {
      const text = await readFile(join(dir, "node_modules", name, "package.json"), "utf8");
      const { version } = JSON.parse(text) as { version?: unknown };
      return typeof version === "string" ? version : "unknown";
    } catch {
      if (dirname(dir) === dir) {
        return "not installed";
      }
    }
  }
}

async function gitState(root: string): Promise<{ git_commit: string; git_dirty: boolean }> {
  try {
    const head = await execFileAsync("git", ["rev-parse", "HEAD"], { cwd: root });
    const status = await execFileAsync("git", ["status", "--porcelain"], { cwd: root });
    return { git_commit: head.stdout.trim(), git_dirty: status.stdout.trim() !== "" };
  } catch {
    return { git_commit: "unknown", git_dirty: false };
  }
}
