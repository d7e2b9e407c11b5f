/**
 * The transport's limit: a raw grpc-js byte stream that saves nothing. The client streams each
 * frame's payload bytes (the same pool as every other TypeScript system) as one message of a
 * client-streaming call; the server counts the bytes and discards them. No .proto: grpc-js
 * generic method definitions with identity serializers, so there is no protobuf, no HDF5 and no
 * durability — only HTTP/2 framing, flow control and the two processes' event loops.
 *
 *   node --import tsx bench/systems/grpc-raw.ts serve        # prints "grpc-raw listening on 127.0.0.1:PORT"
 *   node --import tsx bench/systems/grpc-raw.ts --scenario S --frames N --out DIR \
 *        [--address 127.0.0.1:PORT --server-pid PID]
 *
 * Without --address the client starts its own server (untimed). Timed: the first write -> the
 * server's answer (it has counted every byte). One JSON line on stdout (bench/README.md) with the
 * server's CPU seconds and peak RSS for the run.
 *
 * A paced scenario (`ack-1mib-100hz`) goes through a bidirectional call instead, whose server
 * answers every message with 8 bytes (the count so far) at once: the latencies from just before
 * each write to its answer are the transport's own floor under h5saver's acknowledgement latency.
 */

import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { widenHttp2ReceiveWindows } from "../../service/src/rpc/http2-windows.ts";
import { type RunningServer, resetPeakRss, sampleProcess, serverCost, startServer } from "../servers.ts";
import { ackLatencies, latencyFields } from "../stats.ts";
import {
  checkSystemArgs,
  frameBytes,
  MB,
  positiveInt,
  quietConsole,
  rawFramePool,
  runMain,
  scenarioFor,
} from "./frames.ts";

const SYSTEM = "grpc-raw";
const identity = (bytes: Buffer): Buffer => bytes;
const UPLOAD: grpc.MethodDefinition<Buffer, Buffer> = {
  path: "/h5saver.bench.RawSink/Upload",
  requestStream: true,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
};
const ECHO: grpc.MethodDefinition<Buffer, Buffer> = {
  ...UPLOAD,
  path: "/h5saver.bench.RawSink/Echo",
  responseStream: true,
};
const DEFINITION: grpc.ServiceDefinition = { upload: UPLOAD, echo: ECHO };
const UNLIMITED = { "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 };

async function serve(): Promise<void> {
  widenHttp2ReceiveWindows(); // the same transport as h5saver serve's
  const server = new grpc.Server(UNLIMITED);
  const upload: grpc.handleClientStreamingCall<Buffer, Buffer> = (call, callback) => {
    let bytes = 0;
    let messages = 0;
    call.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
      messages++;
    });
    call.on("end", () => callback(null, Buffer.from(JSON.stringify({ bytes, messages }))));
    call.on("error", () => undefined);
  };
  const echo: grpc.handleBidiStreamingCall<Buffer, Buffer> = (call) => {
    let messages = 0;
    call.on("data", () => {
      const answer = Buffer.alloc(8);
      answer.writeBigUInt64LE(BigInt(++messages));
      call.write(answer);
    });
    call.on("end", () => call.end());
    call.on("error", () => undefined);
  };
  server.addService(DEFINITION, { upload, echo });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  process.stdout.write(`grpc-raw listening on 127.0.0.1:${port}\n`);
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

interface SinkAnswer {
  bytes: number;
  messages: number;
  latenciesMs?: number[];
}

function rawClient(address: string): grpc.Client {
  const Client = grpc.makeGenericClientConstructor(DEFINITION, "RawSink");
  return new Client(address, grpc.credentials.createInsecure(), UNLIMITED);
}

function upload(address: string, frames: readonly Buffer[]): Promise<SinkAnswer> {
  const client = rawClient(address);
  return new Promise((resolve, reject) => {
    const call = client.makeClientStreamRequest<Buffer, Buffer>(
      UPLOAD.path,
      identity,
      identity,
      new grpc.Metadata(),
      {},
      (error, answer) => {
        client.close();
        if (error || answer === undefined) reject(error ?? new Error("no answer"));
        else resolve(JSON.parse(answer.toString("utf8")) as SinkAnswer);
      },
    );
    let next = 0;
    const pump = () => {
      while (next < frames.length) {
        const frame = frames[next++] as Buffer;
        if (!call.write(frame)) {
          call.once("drain", pump);
          return;
        }
      }
      call.end();
    };
    pump();
  });
}

/** Writes the frames at `hz` through the echo call; every answer acknowledges one more message. */
async function echo(address: string, frames: readonly Buffer[], hz: number): Promise<SinkAnswer> {
  const client = rawClient(address);
  const call = client.makeBidiStreamRequest<Buffer, Buffer>(
    ECHO.path,
    identity,
    identity,
    new grpc.Metadata(),
  );
  const sentAt: number[] = [Number.NaN];
  const acks: { at: number; durableSequence: number }[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    call.on("data", (answer: Buffer) =>
      acks.push({ at: performance.now(), durableSequence: Number(answer.readBigUInt64LE()) }),
    );
    call.on("end", resolve);
    call.on("error", reject);
  });
  const first = performance.now();
  let bytes = 0;
  for (const [i, frame] of frames.entries()) {
    const wait = first + (i * 1000) / hz - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt.push(performance.now());
    bytes += frame.byteLength;
    if (!call.write(frame)) await new Promise((resolve) => call.once("drain", resolve));
  }
  call.end();
  await ended;
  client.close();
  return { bytes, messages: acks.length, latenciesMs: ackLatencies(sentAt, acks) };
}

async function measure(options: { scenarioId: string; frames: number; address: string; pid: number }) {
  const scenario = scenarioFor(options.scenarioId);
  const pool = rawFramePool(scenario);
  const frames = Array.from({ length: options.frames }, (_, i) => pool[i % pool.length] as Buffer);
  const payload = options.frames * frameBytes(scenario);
  resetPeakRss(options.pid);
  const before = sampleProcess(options.pid);
  const client0 = process.cpuUsage();
  const start = performance.now();
  const answer =
    scenario.paceHz === undefined
      ? await upload(options.address, frames)
      : await echo(options.address, frames, scenario.paceHz);
  const seconds = (performance.now() - start) / 1000;
  const client = process.cpuUsage(client0);
  const after = sampleProcess(options.pid);
  if (answer.bytes !== payload || answer.messages !== options.frames) {
    throw new Error(
      `the sink counted ${JSON.stringify(answer)}, expected ${payload} bytes in ${options.frames}`,
    );
  }
  return {
    scenario: options.scenarioId,
    system: SYSTEM,
    frames: options.frames,
    payload_bytes: payload,
    seconds,
    frames_per_s: options.frames / seconds,
    mb_per_s: payload / MB / seconds,
    client_cpu_seconds: (client.user + client.system) / 1e6,
    ...serverCost(before, after, payload),
    ...latencyFields([answer.latenciesMs ?? []], options.frames, scenario.paceHz),
  };
}

async function main(): Promise<void> {
  quietConsole();
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: {
      system: { type: "string", default: SYSTEM },
      scenario: { type: "string" },
      frames: { type: "string" },
      out: { type: "string" },
      address: { type: "string" },
      "server-pid": { type: "string" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals[0] === "serve") return serve();
  const { scenarioId, frames, out } = checkSystemArgs(values, [SYSTEM]);
  let own: RunningServer | undefined;
  let address = values.address;
  let pid = values["server-pid"] === undefined ? 0 : positiveInt(values["server-pid"], "server-pid");
  if (address === undefined) {
    own = await startServer("grpc-raw", out, `${out}/grpc-raw-server.log`);
    address = own.address;
    pid = own.pid;
  }
  try {
    const result = await measure({ scenarioId, frames, address, pid });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await own?.stop();
  }
}

runMain("grpc-raw", main);
