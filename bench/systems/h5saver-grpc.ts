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
 * Timed: AddDetector -> StartContinuous -> every frame sent (ContinuousUpload.send, which waits
 * while HTTP/2 flow control holds the call back) -> end() resolved (the server's final
 * acknowledgement: every frame appended and flushed) -> CloseFile answered. Untimed, reported as
 * `open_seconds`: the OpenFile call, in which the server starts the file's writer thread (loading
 * h5wasm again; seconds on a busy 2-vCPU VM) — as for the h5saver-worker and h5saver-python
 * systems. Frames (DataToExportInput) are built before the timer from bench/systems/frames.ts's
 * pool, so the protobuf conversion is inside it. Flush policy: 10^6 frames / 1 s as the other
 * h5saver systems (only the final flush falls inside a short run).
 *
 * The scenario `ack-1mib-100hz` instead paces the frames at 100 Hz with a flush at every frame
 * (`flush: {maxFrames: 1}`) and reports the send -> durable acknowledgement latencies (p50, p99,
 * max, in ms): a frame's latency runs from just before `send()` to the first acknowledgement
 * whose durable sequence covers it.
 *
 * `--profile FILE.cpuprofile` records a V8 CPU profile of this (client) process over the timed
 * part; bench/run.ts --server-profile DIR profiles the server's threads.
 *
 * Also reported: the server's CPU seconds for the timed part (all its threads, from /proc) and per
 * MB of payload, its peak RSS during the run (reset just before it), and the client's CPU seconds.
 */

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createSaverClient } from "@h5saver/client";
import type { DataToExportInput } from "../../service/src/index.ts";
import { type RunningServer, resetPeakRss, sampleProcess, serverCost, startServer } from "../servers.ts";
import { ackLatencies, percentile } from "../stats.ts";
import { checkFile } from "./check-file.ts";
import {
  frameBytes,
  frameInputs,
  MB,
  positiveInt,
  quietConsole,
  type Scenario,
  scenarioFor,
} from "./frames.ts";

const SYSTEM = "h5saver-grpc";

interface Target {
  address: string;
  pid: number;
  /** The file's path relative to the server's data root, and its absolute path here. */
  path: string;
  absolute: string;
}

interface Timing {
  seconds: number;
  openSeconds: number;
  clientCpuSeconds: number;
  before: ReturnType<typeof sampleProcess>;
  after: ReturnType<typeof sampleProcess>;
  latenciesMs: number[];
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

async function timedStream(
  target: Target,
  scenario: Scenario,
  dtes: readonly DataToExportInput[],
  profile: string | undefined,
): Promise<Timing> {
  const client = createSaverClient(target.address);
  try {
    const paced = scenario.paceHz !== undefined;
    resetPeakRss(target.pid);
    const opening = performance.now();
    const file = await client.openFile({
      path: target.path,
      mode: "overwrite",
      saveType: "detector",
      flush: paced ? { maxFrames: 1 } : { maxFrames: 1_000_000, maxDelayMs: 1000 },
      ...(scenario.compression ? { compression: scenario.compression } : {}),
    });
    const before = sampleProcess(target.pid);
    const stopProfile = await startProfile(profile);
    const client0 = process.cpuUsage();
    const start = performance.now();
    const detector = await file.addDetector("Bench detector", "");
    const upload = await file.startContinuous(detector);
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
    }
    const ended = await upload.end();
    await file.close();
    const end = performance.now();
    const client1 = process.cpuUsage(client0);
    const after = sampleProcess(target.pid);
    await stopProfile();
    if (ended.durableFrames !== dtes.length) {
      throw new Error(
        `the final acknowledgement counts ${ended.durableFrames} durable frames, sent ${dtes.length}`,
      );
    }
    return {
      seconds: (end - start) / 1000,
      openSeconds: (start - opening) / 1000,
      clientCpuSeconds: (client1.user + client1.system) / 1e6,
      before,
      after,
      latenciesMs: paced ? ackLatencies(sentAt, acks) : [],
    };
  } finally {
    client.close();
  }
}

function latencyFields(latencies: readonly number[], frames: number): Record<string, number> {
  if (latencies.length === 0) return {};
  if (latencies.length !== frames) {
    throw new Error(`${latencies.length} acknowledgement latencies for ${frames} frames`);
  }
  return {
    ack_p50_ms: percentile(latencies, 50),
    ack_p99_ms: percentile(latencies, 99),
    ack_max_ms: percentile(latencies, 100),
  };
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
  if (values.system !== SYSTEM) throw new Error(`--system must be ${SYSTEM}, got ${values.system}`);
  if (values.out === undefined) throw new Error("--out DIR is required");
  const scenarioId = values.scenario ?? "";
  const scenario = scenarioFor(scenarioId);
  const frames = positiveInt(values.frames, "frames");
  const out = resolve(values.out);
  const dtes = frameInputs(scenario, frames);
  let own: RunningServer | undefined;
  let server: { address: string; pid: number; root: string };
  if (values.address === undefined) {
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
    const name = `${SYSTEM}-${scenarioId}-${process.pid}-${Date.now()}.h5`;
    const absolute = join(out, name);
    const target = {
      address: server.address,
      pid: server.pid,
      path: relative(server.root, absolute),
      absolute,
    };
    const timing = await timedStream(target, scenario, dtes, values.profile);
    await checkFile(absolute, frames, scenario.channels);
    const payload = frames * frameBytes(scenario);
    process.stderr.write(
      `${SYSTEM} ${scenarioId}: open ${timing.openSeconds.toFixed(3)} s (untimed), ${timing.seconds.toFixed(3)} s\n`,
    );
    const result = {
      scenario: scenarioId,
      system: SYSTEM,
      frames,
      payload_bytes: payload,
      seconds: timing.seconds,
      frames_per_s: frames / timing.seconds,
      mb_per_s: payload / MB / timing.seconds,
      open_seconds: timing.openSeconds,
      client_cpu_seconds: timing.clientCpuSeconds,
      ...serverCost(timing.before, timing.after, payload),
      ...latencyFields(timing.latenciesMs, frames),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await own?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `h5saver-grpc: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
