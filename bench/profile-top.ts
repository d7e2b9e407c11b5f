/**
 * The functions with the most self time in a V8 CPU profile (`.cpuprofile`, as written by
 * `run.ts --server-profile`, `node --cpu-prof` or the systems' `--profile`), for a first look at
 * where the time goes without opening DevTools.
 *
 *   node --import tsx bench/profile-top.ts FILE.cpuprofile [--top 20]
 */

import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./servers.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface SelfTime {
  name: string;
  samples: number;
  share: number;
}

/** Self samples per function (name and location), largest first; shares are of the busy (non-idle) samples. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const byName = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === "" ? "" : ` ${shortUrl(url)}:${lineNumber + 1}`;
    const name = `${functionName || "(anonymous)"}${where}`;
    if (name === "(idle)") continue;
    byName.set(name, (byName.get(name) ?? 0) + hits);
    total += hits;
  }
  return [...byName.entries()]
    .map(([name, samples]) => ({ name, samples, share: total === 0 ? 0 : samples / total }))
    .sort((a, b) => b.samples - a.samples);
}

function shortUrl(url: string): string {
  const path = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path.replace(/^.*node_modules\//, "");
}

function main(): void {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { top: { type: "string", default: "20" } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (file === undefined) throw new Error("usage: profile-top.ts FILE.cpuprofile [--top N]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const all = selfTimes(profile);
  const samples = profile.samples?.length ?? 0;
  const busy = all.reduce((sum, row) => sum + row.samples, 0);
  const busySeconds = samples === 0 ? 0 : (seconds * busy) / samples;
  const rows = all.slice(0, Number(values.top));
  process.stdout.write(
    `${file}: ${seconds.toFixed(2)} s profiled, ~${busySeconds.toFixed(2)} s busy; share of busy time:\n`,
  );
  for (const row of rows) {
    process.stdout.write(`${(100 * row.share).toFixed(1).padStart(5)} %  ${row.name}\n`);
  }
}

main();
