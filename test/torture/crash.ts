/**
 * The crash harness: a real `h5saver serve` process is killed with SIGKILL at random moments while
 * three clients stream into it (0D, 1D and 2D frames, with and without gzip, under random flush
 * policies, acknowledged once synced or once written), and sometimes while it is starting up and rebuilding the files the previous kill
 * left. Each next server start rebuilds those files from their crash journals. At the end every
 * file must open with h5py and with PyMoDAQ's own loader, hold at least every frame acknowledged
 * as durable, and hold exactly the frames sent, in order.
 *
 * `node --import tsx test/torture/crash.ts [--kills N] [--full] [--seed S]` prints one summary line
 * ("crash: …"); exit status 0 when no acknowledged frame was lost and every file was readable.
 * Quick: 20 kills; --full: 120.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { isCrashJournalPath } from "../../service/src/durability/journal.ts";
import { createDataToExport } from "../../service/src/model/data-to-export.ts";
import { dataToExportToProto } from "../../service/src/rpc/convert.ts";
import { seededRandom } from "../../service/src/testing/seeded-random.ts";
import {
  type Client,
  connect,
  repoRoot,
  type ServerProcess,
  serveArguments,
  startServerProcess,
  streamCall,
  streamRequest,
  unary,
} from "./harness.ts";

const KINDS = ["0D", "1D", "2D"] as const;
type Durability = "synced" | "written";
type Kind = (typeof KINDS)[number];
const TRACE = 512;
// 256 KiB of uint16 per frame: a chunk each, which the crash journal points at instead of copying
const IMAGE = [256, 512] as const;

/** Frame k (from 1) of a stream of `kind`; check_crash_files.py expects exactly these values. */
function frame(kind: Kind, k: number): data.DataToExport {
  const size = IMAGE[0] * IMAGE[1];
  const values =
    kind === "0D"
      ? { data: [Float64Array.of(k)] }
      : kind === "1D"
        ? { data: [Float64Array.from({ length: TRACE }, (_, i) => k * 1000 + i)] }
        : { data: [Uint16Array.from({ length: size }, (_, i) => (k + i) % 65536)], shape: [...IMAGE] };
  return dataToExportToProto(
    createDataToExport({ name: "crash", timestamp: 1_700_000_000 + k, data: [{ name: kind, ...values }] }),
  );
}

export interface FileEntry {
  readonly file: string;
  readonly kind: Kind;
  /** When its frames were acknowledged: synced to the disk, or written to the kernel. */
  readonly durability: Durability;
  /** Highest durable sequence acknowledged before the kill. */
  acknowledged: number;
  /** Frames handed to the call (most wait in its buffers when the kill comes). */
  sent: number;
}

export interface CrashResult {
  readonly kills: number;
  readonly startupKills: number;
  readonly files: FileEntry[];
  readonly recovered: number;
  /** Files h5py and PyMoDAQ both read, with every row right. */
  readonly readable: number;
  readonly acknowledged: number;
  /** Of those, frames of files whose acknowledgements came once written, before a sync. */
  readonly acknowledgedWritten: number;
  /** Acknowledged frames missing from the files (the goal: 0). */
  readonly lost: number;
  readonly framesInFiles: number;
  readonly problems: string[];
  readonly seconds: number;
}

interface Options {
  readonly kills: number;
  readonly seed: number;
  readonly log?: (line: string) => void;
}

export async function runCrashHarness(options: Options): Promise<CrashResult> {
  const started = performance.now();
  const random = seededRandom(options.seed);
  const root = mkdtempSync(path.join(tmpdir(), "h5saver-crash-"));
  const files: FileEntry[] = [];
  const problems: string[] = [];
  let kills = 0;
  let startupKills = 0;
  let recovered = 0;
  try {
    while (kills < options.kills) {
      // now and then the kill lands while the server is starting: in the middle of a recovery
      if (kills > 0 && random() < 0.15) {
        await killDuringStartup(root, 200 + random() * 2500);
        kills++;
        startupKills++;
        continue;
      }
      const server = await startServerProcess(root);
      const client = connect(server.address);
      const cycle = kills;
      const streaming: Array<Promise<void>> = [];
      const sessions = KINDS.map((kind, i) => {
        let signal = () => {};
        streaming.push(new Promise<void>((resolve) => (signal = resolve)));
        return streamInto(client, root, `cycle${cycle}-${kind}.h5`, {
          kind,
          index: i,
          // each kind written both ways over the cycles (not drawn: three clients draw concurrently)
          durability: (cycle + i) % 2 === 0 ? "written" : "synced",
          random,
          streaming: signal,
        });
      });
      // most kills land while the frames flow; some while files are being opened
      if (random() < 0.8) await Promise.all(streaming);
      await sleep(random() * 2000);
      process.kill(server.pid, "SIGKILL");
      kills++;
      const entries = await Promise.all(sessions);
      client.close();
      await waitForExit(server);
      recovered += server.events.get("file_recovered") ?? 0;
      for (const entry of entries) if (entry) files.push(entry);
      options.log?.(
        `kill ${kills}: ${entries.map((e) => (e ? `${e.kind} ${e.acknowledged}/${e.sent}` : "-")).join(", ")}`,
      );
    }
    // the last start rebuilds what the last kill left; then a clean stop
    const last = await startServerProcess(root);
    await last.stop();
    recovered += last.events.get("file_recovered") ?? 0;
    const left = journalsUnder(root);
    if (left.length) problems.push(`journals left after the last start: ${left.join(", ")}`);
    const checked = checkFiles(root, files);
    problems.push(...checked.problems);
    const acknowledged = files.reduce((n, f) => n + f.acknowledged, 0);
    if (acknowledged === 0)
      problems.push("no frame was ever acknowledged durable: the harness tested nothing");
    return {
      kills,
      startupKills,
      files,
      recovered,
      readable: checked.readable,
      acknowledged,
      acknowledgedWritten: files
        .filter((f) => f.durability === "written")
        .reduce((n, f) => n + f.acknowledged, 0),
      lost: checked.lost,
      framesInFiles: checked.frames,
      problems,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * One client session: OpenFile, a detector, a continuous stream sending frames as fast as the
 * server takes them until the call breaks. Resolves with what was acknowledged (undefined when
 * the kill came before OpenFile answered: then no file was promised).
 */
async function streamInto(
  client: Client,
  root: string,
  name: string,
  how: { kind: Kind; index: number; durability: Durability; random: () => number; streaming: () => void },
): Promise<FileEntry | undefined> {
  const { kind, index, random } = how;
  try {
    return await openAndStream(
      client,
      root,
      name,
      { kind, index, durability: how.durability },
      random,
      how.streaming,
    );
  } finally {
    how.streaming(); // a session that failed early must not hold the kill back
  }
}

async function openAndStream(
  client: Client,
  root: string,
  name: string,
  { kind, index, durability }: { kind: Kind; index: number; durability: Durability },
  random: () => number,
  streaming: () => void,
): Promise<FileEntry | undefined> {
  const compression =
    random() < 0.5
      ? create(opt.CompressionSchema, { kind: opt.CompressionKind.GZIP, level: 4 })
      : create(opt.CompressionSchema, { kind: opt.CompressionKind.NONE });
  const flushPolicy = create(opt.FlushPolicySchema, {
    maxFrames: [1, 16, 1000][Math.floor(random() * 3)] ?? 16,
    maxDelayMs: [0, 50, 250][Math.floor(random() * 3)] ?? 50,
  });
  const opened = await unary(
    client,
    client.openFile,
    create(svc.OpenFileRequestSchema, {
      path: name,
      compression,
      flushPolicy,
      durability: durability === "written" ? opt.Durability.WRITTEN : opt.Durability.SYNCED,
    }),
    60_000,
  );
  if (opened.code !== grpc.status.OK || !opened.response) return undefined;
  const entry: FileEntry = { file: path.join(root, name), kind, durability, acknowledged: 0, sent: 0 };
  const sessionId = opened.response.sessionId;
  const detector = await unary(
    client,
    client.addDetector,
    create(svc.AddDetectorRequestSchema, { sessionId, title: `crash ${index}` }),
  );
  if (detector.code !== grpc.status.OK || !detector.response) return entry;
  const started = await unary(
    client,
    client.startContinuous,
    create(svc.StartContinuousRequestSchema, { sessionId, detectorId: detector.response.detectorId }),
  );
  if (started.code !== grpc.status.OK || !started.response) return entry;
  const streamId = started.response.streamId;
  function* frames() {
    for (let k = 1; ; k++) {
      entry.sent = k;
      yield streamRequest(k === 1 ? sessionId : "", k === 1 ? streamId : "", k, frame(kind, k));
    }
  }
  const call = streamCall(client, frames(), 600_000);
  streaming();
  const outcome = await call;
  entry.acknowledged = outcome.durable;
  return entry;
}

async function killDuringStartup(root: string, afterMs: number): Promise<void> {
  const child = spawn(process.execPath, serveArguments(root), { cwd: repoRoot, stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await sleep(afterMs);
  child.kill("SIGKILL");
  await exited;
}

async function waitForExit(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  await new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
}

/** Journals, spent journals, base copies and recovery folders left under the root. */
function journalsUnder(root: string): string[] {
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((name) => isCrashJournalPath(name));
}

interface Checked {
  readonly readable: number;
  readonly lost: number;
  readonly frames: number;
  readonly problems: string[];
}

/** h5py and PyMoDAQ's loader read every file (check_crash_files.py, in the repo's .venv). */
function checkFiles(root: string, files: readonly FileEntry[]): Checked {
  const python = path.join(repoRoot, ".venv/bin/python");
  if (!existsSync(python)) {
    return { readable: 0, lost: 0, frames: 0, problems: ["no .venv: run bash scripts/python-env.sh"] };
  }
  const manifest = path.join(root, "manifest.json");
  writeFileSync(manifest, JSON.stringify(files));
  const out = execFileSync(python, [path.join(import.meta.dirname, "check_crash_files.py"), manifest], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const problems: string[] = [];
  let readable = 0;
  let lost = 0;
  let frames = 0;
  const byFile = new Map(files.map((f) => [f.file, f]));
  for (const line of out.trim().split("\n").filter(Boolean)) {
    const result = JSON.parse(line) as {
      file: string;
      h5py: number | null;
      pymodaq: number | null;
      problems: string[];
    };
    const entry = byFile.get(result.file);
    const rows = Math.min(result.h5py ?? 0, result.pymodaq ?? 0);
    frames += rows;
    lost += Math.max(0, (entry?.acknowledged ?? 0) - rows);
    if (result.problems.length === 0) readable++;
    for (const problem of result.problems) problems.push(`${path.basename(result.file)}: ${problem}`);
  }
  return { readable, lost, frames, problems };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function summaryLine(result: CrashResult): string {
  const verdict =
    result.problems.length === 0 && result.lost === 0 ? "ok" : `FAILED (${result.problems.length} problems)`;
  return (
    `crash: ${verdict} — ${result.kills} SIGKILLs of the server (${result.startupKills} during start-up recovery), ` +
    `${result.files.length} files, ${result.recovered} rebuilt from journals; ` +
    `${result.readable}/${result.files.length} read right by h5py and PyMoDAQ; ` +
    `${result.acknowledged} frames acknowledged durable (${result.acknowledgedWritten} once written, before a sync), ${result.lost} lost, ${result.framesInFiles} in the files; ` +
    `${result.seconds.toFixed(0)} s`
  );
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: { kills: { type: "string" }, full: { type: "boolean" }, seed: { type: "string" } },
  });
  const kills = values.kills ? Number(values.kills) : values.full ? 120 : 20;
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  console.log(`crash harness: ${kills} kills, seed ${seed} (--seed ${seed} makes the same choices again)`);
  const result = await runCrashHarness({ kills, seed, log: (line) => console.log(`  ${line}`) });
  for (const problem of result.problems.slice(0, 50)) console.log(`  crash problem: ${problem}`);
  console.log(summaryLine(result));
  process.exitCode = result.problems.length === 0 && result.lost === 0 ? 0 : 1;
}
