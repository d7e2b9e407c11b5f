/**
 * h5saver end to end: the TypeScript client (clients/ts) streams each scenario's frames as
 * continuous saving to a real `h5saver serve` in another process on 127.0.0.1, as DAQ_Viewer's
 * continuous saving would through the service.
 *
 *   node --import tsx bench/systems/h5saver-grpc.ts --scenario S --frames N --out DIR \
 *        [--address 127.0.0.1:PORT --server-pid PID --root SERVER_DATA_ROOT]
 *
 * bench/run.ts passes the address, pid and data root of the session's server (DIR lies under that
 * root); without them the run starts its own server on DIR (untimed). Prints one JSON line
 * (bench/README.md).
 *
 * Timed: AddDetector -> StartContinuous (`start_seconds`) -> every frame sent
 * (ContinuousUpload.send, which waits while HTTP/2 flow control holds the call back) -> end()
 * resolved (the server's final acknowledgement: every frame appended and flushed) -> CloseFile
 * answered. Untimed: the OpenFile call (`open_seconds`; the server places the file on a writer
 * thread, starting one if it has to) — as the h5saver-worker and h5saver-python systems leave
 * their open out. Frames (DataToExportInput) are built before the timer from bench/systems/frames.ts's
 * pool, so the protobuf conversion is inside it. Flush policy: 10^6 frames / 1 s as the other
 * h5saver systems (only the final flush falls inside a short run).
 *
 * The scenario `ack-1mib-100hz` instead paces the frames at 100 Hz with a flush at every frame
 * (`flush: {maxFrames: 1}`) and reports the send -> durable acknowledgement latencies (p50, p99,
 * max, in ms): a frame's latency runs from just before `send()` to the first acknowledgement
 * whose durable sequence covers it. `ack-1mib-100hz-written` does the same with
 * `durability: "written"` (acknowledged once written to the server's operating system, before
 * the disk's sync).
 *
 * `--profile FILE.cpuprofile` records a V8 CPU profile of this (client) process over the timed
 * part; bench/run.ts --server-profile DIR profiles the server's threads.
 *
 * Scenarios with `streams` (2d-512-u16-x16) open and start that many files, one client each, and
 * then stream the same N frames into all of them at once: `frames` stays N (per stream),
 * `payload_bytes`, `frames_per_s` and `mb_per_s` are the aggregate over the streams. The streams
 * are all started (AddDetector, StartContinuous) before the timer, not inside it, so that it
 * measures 16 streams going, not one process's 16 loops starting each other's streams late: this
 * client's send loop yields to the event loop only when the call waits (its buffer full, or two
 * batches not yet taken by grpc-js' transport; the frames are ready in memory, not read from a
 * device), so a stream started while others send waits for their bursts.
 *
 * Also reported: the server's CPU seconds for the timed part (all its threads, from /proc) and per
 * MB of payload, its peak RSS during the run (reset just before it), its RSS when 10 % and when
 * 100 % of the frames were sent (equal if memory stays flat; with run.ts --frames large enough,
 * e.g. 2d-2048-u16 × 2560 frames = 21 GB, the issue-10 memory case), and the client's CPU seconds.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type ContinuousUpload, createSaverClient, type RemoteFile } from "@h5saver/client";
import type { DataToExportInput } from "../../service/src/index.ts";
import { type RunningServer, resetPeakRss, sampleProcess, serverCost, startServer } from "../servers.ts";
import { ackLatencies, latencyFields } from "../stats.ts";
import { checkFile } from "./check-file.ts";
import {
  checkSystemArgs,
  frameBytes,
  frameInputs,
  MB,
  positiveInt,
  quietConsole,
  runMain,
  type Scenario,
} from "./frames.ts";

const SYSTEM = "h5saver-grpc";

interface Timing {
  seconds: number;
  openSeconds: number;
  startSeconds: number;
  clientCpuSeconds: number;
  before: ReturnType<typeof sampleProcess>;
  after: ReturnType<typeof sampleProcess>;
  /** Per stream. */
  latenciesMs: number[][];
  rss: RssTrend;
}

/** Starts a CPU profile of this thread when `file` is given; the function returned stops and saves it. */
async function startProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (file === undefined) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Server RSS when 10 % of the frames were sent and when the last was: equal if memory stays flat. */
interface RssTrend {
  at10: number | undefined;
  atEnd: number | undefined;
}

/** A file's detector and continuous stream, started: what streamOne sends into. */
interface StartedStream {
  readonly file: RemoteFile;
  readonly upload: ContinuousUpload;
}

async function startStream(file: RemoteFile): Promise<StartedStream> {
  const detector = await file.addDetector("Bench detector", "");
  return { file, upload: await file.startContinuous(detector) };
}

/**
 * One started stream: every frame, end, close; its ack latencies if paced. With `trend`, samples
 * the server's RSS at 10 % and 100 % of the frames sent.
 */
async function streamOne(
  { file, upload }: StartedStream,
  scenario: Scenario,
  dtes: readonly DataToExportInput[],
  trend?: { pid: number; rss: RssTrend },
): Promise<number[]> {
  const paced = scenario.paceHz !== undefined;
  const sentAt: number[] = [Number.NaN];
  const acks: { at: number; durableSequence: number }[] = [];
  upload.onAck((ack) => acks.push({ at: performance.now(), durableSequence: ack.durableSequence }));
  const periodMs = paced ? 1000 / (scenario.paceHz as number) : 0;
  const first = performance.now();
  for (const [i, dte] of dtes.entries()) {
    if (paced) {
      const wait = first + i * periodMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    sentAt.push(performance.now());
    await upload.send(dte);
    if (trend !== undefined && i + 1 === Math.ceil(dtes.length / 10)) {
      trend.rss.at10 = sampleProcess(trend.pid)?.rssMb;
    }
  }
  if (trend !== undefined) trend.rss.atEnd = sampleProcess(trend.pid)?.rssMb;
  const ended = await upload.end();
  await file.close();
  if (ended.durableFrames !== dtes.length) {
    throw new Error(
      `the final acknowledgement counts ${ended.durableFrames} durable frames, sent ${dtes.length}`,
    );
  }
  return paced ? ackLatencies(sentAt, acks) : [];
}

/**
 * Opens one file per target (untimed, in parallel), starts its stream (timed for one stream,
 * untimed for several), then streams the same frames into all of them at once, one client
 * (channel) each: the timed part ends when the last file is closed.
 */
async function timedStreams(
  server: { address: string; pid: number },
  paths: readonly string[],
  scenario: Scenario,
  dtes: readonly DataToExportInput[],
  profile: string | undefined,
): Promise<Timing> {
  const clients = paths.map(() => createSaverClient(server.address));
  try {
    const paced = scenario.paceHz !== undefined;
    resetPeakRss(server.pid);
    const opening = performance.now();
    const files = await Promise.all(
      clients.map((client, k) =>
        client.openFile({
          path: paths[k] as string,
          mode: "overwrite",
          saveType: "detector",
          flush: paced ? { maxFrames: 1 } : { maxFrames: 1_000_000, maxDelayMs: 1000 },
          ...(scenario.compression ? { compression: scenario.compression } : {}),
          ...(scenario.durability ? { durability: scenario.durability } : {}),
        }),
      ),
    );
    const opened = performance.now();
    const startAll = () => Promise.all(files.map(startStream));
    // several streams start before the timer; one stream's start is timed, as the other systems time theirs
    const startedBefore = paths.length > 1 ? await startAll() : undefined;
    const startedUntimed = performance.now();
    const before = sampleProcess(server.pid);
    const stopProfile = await startProfile(profile);
    const client0 = process.cpuUsage();
    const start = performance.now();
    const streams = startedBefore ?? (await startAll());
    const started = performance.now();
    const rss: RssTrend = { at10: undefined, atEnd: undefined };
    const latencies = await Promise.all(
      streams.map((stream, k) =>
        streamOne(stream, scenario, dtes, k === 0 ? { pid: server.pid, rss } : undefined),
      ),
    );
    const end = performance.now();
    const client1 = process.cpuUsage(client0);
    const after = sampleProcess(server.pid);
    await stopProfile();
    return {
      seconds: (end - start) / 1000,
      openSeconds: (opened - opening) / 1000,
      startSeconds: (startedBefore ? startedUntimed - opened : started - start) / 1000,
      clientCpuSeconds: (client1.user + client1.system) / 1e6,
      before,
      after,
      latenciesMs: latencies,
      rss,
    };
  } finally {
    for (const client of clients) client.close();
  }
}

async function main(): Promise<void> {
  quietConsole();
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      system: { type: "string", default: SYSTEM },
      scenario: { type: "string" },
      frames: { type: "string" },
      out: { type: "string" },
      address: { type: "string" },
      "server-pid": { type: "string" },
      root: { type: "string" },
      profile: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const checked = checkSystemArgs(values, [SYSTEM]);
  const { scenarioId, scenario, frames } = checked;
  const out = resolve(checked.out);
  const dtes = frameInputs(scenario, frames);
  let own: RunningServer | undefined;
  let server: { address: string; pid: number; root: string };
  if (values.address === undefined) {
    mkdirSync(out, { recursive: true });
    own = await startServer("h5saver", out, join(out, "h5saver-server.log"));
    server = own;
  } else {
    if (values.root === undefined) throw new Error("--address needs --root (the server's data root)");
    server = {
      address: values.address,
      pid: positiveInt(values["server-pid"], "server-pid"),
      root: resolve(values.root),
    };
  }
  try {
    const streams = scenario.streams ?? 1;
    const absolutes = Array.from({ length: streams }, (_, k) =>
      join(out, `${SYSTEM}-${scenarioId}-${process.pid}-${Date.now()}-${k}.h5`),
    );
    const paths = absolutes.map((absolute) => relative(server.root, absolute));
    const timing = await timedStreams(server, paths, scenario, dtes, values.profile);
    for (const absolute of absolutes) await checkFile(absolute, frames, scenario.channels);
    const payload = streams * frames * frameBytes(scenario);
    process.stderr.write(
      `${SYSTEM} ${scenarioId}: open ${timing.openSeconds.toFixed(3)} s (untimed), start ${timing.startSeconds.toFixed(3)} s (${streams > 1 ? "untimed" : "timed"}), ${timing.seconds.toFixed(3)} s\n`,
    );
    const result = {
      scenario: scenarioId,
      system: SYSTEM,
      frames,
      payload_bytes: payload,
      seconds: timing.seconds,
      frames_per_s: (streams * frames) / timing.seconds,
      mb_per_s: payload / MB / timing.seconds,
      open_seconds: timing.openSeconds,
      start_seconds: timing.startSeconds,
      client_cpu_seconds: timing.clientCpuSeconds,
      ...serverCost(timing.before, timing.after, payload),
      ...(streams > 1 ? { streams } : {}),
      ...(timing.rss.at10 === undefined ? {} : { server_rss_at_10pct_mb: timing.rss.at10 }),
      ...(timing.rss.atEnd === undefined ? {} : { server_rss_at_end_mb: timing.rss.atEnd }),
      ...latencyFields(timing.latenciesMs, streams * frames, scenario.paceHz),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await own?.stop();
  }
}

runMain("h5saver-grpc", main);
