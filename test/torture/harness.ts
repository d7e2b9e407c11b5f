/**
 * What the torture harnesses share: a server in its own process (so that a crash is seen and its
 * memory measured), calls that always end in a status (deadlines), a well-behaved stream of
 * frames whose every value is known, and the check of the file such a stream leaves.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { openH5wasmFile } from "../../service/src/backend/h5wasm-backend.ts";
import { PyMoDAQLoader } from "../../service/src/layout/loader.ts";
import { createDataToExport } from "../../service/src/model/data-to-export.ts";
import { dataToExportToProto } from "../../service/src/rpc/convert.ts";
import { createGrpcClient, type GrpcClient, type UnaryMethod } from "../../service/src/rpc/grpc-glue.ts";
import { serveArguments } from "../../service/src/testing/serve-command.ts";

export type Client = GrpcClient<typeof svc.SaverService>;

export const repoRoot = path.resolve(import.meta.dirname, "../..");

export function connect(address: string): Client {
  return createGrpcClient(svc.SaverService, address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 256 * 1024 * 1024,
    "grpc.max_send_message_length": 256 * 1024 * 1024,
  });
}

/** How a call ended: its status code and details, and the response when it succeeded. */
export interface Outcome<O = unknown> {
  readonly code: grpc.status;
  readonly details: string;
  readonly response?: O;
}

/** One unary call with a deadline; never rejects. */
export function unary<I, O>(
  client: Client,
  method: UnaryMethod<I, O>,
  request: I,
  deadlineMs = 20_000,
): Promise<Outcome<O>> {
  return new Promise((resolve) => {
    method.call(
      client,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error: grpc.ServiceError | null, response?: O) => {
        if (error) resolve({ code: error.code, details: error.details });
        else resolve({ code: grpc.status.OK, details: "", ...(response ? { response } : {}) });
      },
    );
  });
}

/** A call that must succeed (setting up what the harnesses abuse). */
export async function must<I, O>(client: Client, method: UnaryMethod<I, O>, request: I): Promise<O> {
  // well-formed calls, but OpenFile starts a writer thread, which takes seconds on a busy machine
  const outcome = await unary(client, method, request, 90_000);
  if (outcome.code !== grpc.status.OK || outcome.response === undefined) {
    throw new Error(`${method.name || "call"} failed: ${grpc.status[outcome.code]} ${outcome.details}`);
  }
  return outcome.response;
}

/** A file opened, a detector added and a continuous stream started in it: what a streaming client does first. */
export async function openStream(
  client: Client,
  open: svc.OpenFileRequest,
  title: string,
): Promise<{ sessionId: string; streamId: string }> {
  const { sessionId } = await must(client, client.openFile, open);
  const { detectorId } = await must(
    client,
    client.addDetector,
    create(svc.AddDetectorRequestSchema, { sessionId, title }),
  );
  const { streamId } = await must(
    client,
    client.startContinuous,
    create(svc.StartContinuousRequestSchema, { sessionId, detectorId }),
  );
  return { sessionId, streamId };
}

export interface StreamOutcome extends Outcome {
  readonly acks: svc.StreamResponse[];
  /** Highest durable_sequence acknowledged. */
  readonly durable: number;
}

/**
 * One Stream call: sends `requests` in order (waiting for each to be taken, so that the server's
 * back-pressure holds the sender), stops at the first error, half-closes, and resolves with the
 * call's status and every acknowledgement.
 */
export function streamCall(
  client: Client,
  requests: Iterable<svc.StreamRequest> | AsyncIterable<svc.StreamRequest>,
  deadlineMs = 60_000,
): Promise<StreamOutcome> {
  const call = client.stream({ deadline: Date.now() + deadlineMs });
  const acks: svc.StreamResponse[] = [];
  let settled = false;
  call.on("data", (ack: svc.StreamResponse) => acks.push(ack));
  call.on("error", () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) =>
    call.on("status", (s: grpc.StatusObject) => {
      settled = true;
      resolve(s);
    }),
  );
  const send = async () => {
    for await (const request of requests) {
      if (settled) return;
      const written = new Promise<void>((resolve) => call.write(request, () => resolve()));
      await Promise.race([written, status]);
    }
    if (!settled) call.end();
  };
  return send().then(async () => {
    const s = await status;
    const durable = acks.reduce((n, a) => Math.max(n, Number(a.durableSequence)), 0);
    return { code: s.code, details: s.details, acks, durable };
  });
}

/** Frame `k` of a well-behaved stream: a counter (0D, value k) and a trace (1D, k·1000 + i). */
export function goodFrame(k: number, traceLength = 256): data.DataToExport {
  return dataToExportToProto(
    createDataToExport({
      name: "well-behaved",
      timestamp: 1_700_000_000 + k,
      data: [
        { name: "counter", data: [Float64Array.of(k)] },
        { name: "trace", data: [Float64Array.from({ length: traceLength }, (_, i) => k * 1000 + i)] },
      ],
    }),
  );
}

export function streamRequest(
  sessionId: string,
  streamId: string,
  sequence: number,
  frame: data.DataToExport,
): svc.StreamRequest {
  return create(svc.StreamRequestSchema, { sessionId, streamId, sequence: BigInt(sequence), data: frame });
}

/**
 * Checks a file written by a well-behaved stream of `goodFrame`s, as a user would: PyMoDAQ's loader
 * (h5saver's TypeScript port) finds the counter and the trace, with `frames` rows (at least
 * `atLeast`, when the exact count is unknown), and every row holds its own values, once, in order.
 * Returns the problems found (none: the file is right) and the number of frames.
 */
export async function checkGoodFile(
  file: string,
  expect: { frames?: number; atLeast?: number; traceLength?: number },
): Promise<{ problems: string[]; frames: number }> {
  const problems: string[] = [];
  const traceLength = expect.traceLength ?? 256;
  let backend: Awaited<ReturnType<typeof openH5wasmFile>>;
  try {
    backend = await openH5wasmFile(file, "read");
  } catch (error) {
    return { problems: [`cannot open ${file}: ${(error as Error).message}`], frames: 0 };
  }
  try {
    const loaded = await new PyMoDAQLoader(backend).loadAll();
    const counter = loaded.find((l) => l.dwa.name === "counter")?.dwa;
    const trace = loaded.find((l) => l.dwa.name === "trace")?.dwa;
    if (!counter || !trace) return { problems: [`no counter or trace in ${file}`], frames: 0 };
    const frames = counter.shape[0] ?? 0;
    if (expect.frames !== undefined && frames !== expect.frames) {
      problems.push(`${frames} frames in the file, ${expect.frames} sent`);
    }
    if (expect.atLeast !== undefined && frames < expect.atLeast) {
      problems.push(`${frames} frames in the file, ${expect.atLeast} acknowledged as durable`);
    }
    if (trace.shape[0] !== frames || trace.shape[1] !== traceLength) {
      problems.push(`trace shape [${trace.shape}], expected [${frames}, ${traceLength}]`);
    }
    const counts = counter.data[0] ?? new Float64Array();
    const traces = trace.data[0] ?? new Float64Array();
    for (let row = 0; row < frames; row++) {
      const k = row + 1;
      if (Number(counts[row]) !== k) {
        problems.push(`counter row ${row} is ${counts[row]}, expected ${k}`);
        break;
      }
      for (let i = 0; i < traceLength; i++) {
        if (Number(traces[row * traceLength + i]) !== k * 1000 + i) {
          problems.push(
            `trace row ${row} value ${i} is ${traces[row * traceLength + i]}, expected ${k * 1000 + i}`,
          );
          row = frames;
          break;
        }
      }
    }
    return { problems, frames };
  } catch (error) {
    return { problems: [`loading ${file} failed: ${(error as Error).message}`], frames: 0 };
  } finally {
    await backend.close();
  }
}

/** An h5saver server in a child process, as `h5saver serve` runs it. */
export interface ServerProcess {
  readonly address: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Log events at level "error" (each a parsed JSON line), e.g. call_failed with a stack. */
  readonly errors: Array<Record<string, unknown>>;
  /** Log lines counted by event name. */
  readonly events: Map<string, number>;
  /** Every log event (each a parsed JSON line), in order. */
  readonly logged: Array<Record<string, unknown>>;
  /** Set when the process ended without being asked to. */
  crashed(): string | undefined;
  /** Resident set size in bytes (Linux /proc). */
  rss(): number;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export { serveArguments };

export async function startServerProcess(root: string, extra: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, serveArguments(root, extra), {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // a harness that dies (or is interrupted) takes its server with it
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  child.on("exit", () => process.off("exit", killOnExit));
  const errors: Array<Record<string, unknown>> = [];
  const events = new Map<string, number>();
  const logged: Array<Record<string, unknown>> = [];
  let stopping = false;
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      if (!stopping) exit = `the server exited unasked (code ${code}, signal ${signal})`;
      resolve();
    }),
  );
  const stderrTail: string[] = [];
  const logFile = process.env.H5SAVER_TORTURE_SERVER_LOG;
  if (logFile) child.stderr?.pipe(createWriteStream(logFile));
  createInterface({ input: child.stderr }).on("line", (line) => {
    let event: Record<string, unknown> | undefined;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      stderrTail.push(line);
      if (stderrTail.length > 50) stderrTail.shift();
      return;
    }
    const name = String(event.event);
    events.set(name, (events.get(name) ?? 0) + 1);
    logged.push(event);
    if (event.level === "error") errors.push(event);
  });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 60 s")), 60_000);
    child.on("exit", () => {
      clearTimeout(timer);
      reject(new Error(`the server exited at start: ${stderrTail.join("\n")}`));
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /listening on (\S+),/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return {
    address,
    pid: child.pid ?? 0,
    child,
    errors,
    events,
    logged,
    crashed: () => (exit ? `${exit}\n${stderrTail.join("\n")}` : undefined),
    rss() {
      let status: string;
      try {
        status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      } catch {
        return 0; // the process is gone: crashed() says how
      }
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : 0;
    },
    async stop() {
      if (exit !== undefined || child.exitCode !== null) return;
      stopping = true;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Mounts a tmpfs of `bytes` on `dir` (root only). Returns why not when it cannot; `unmount`
 * undoes it.
 */
export function mountSmallDisk(dir: string, bytes: number): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: "not root: mounting a small tmpfs needs root" };
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "h5saver-torture", dir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    return { ok: true };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { ok: false, why: `mount -t tmpfs failed: ${stderr || (error as Error).message}` };
  }
}

/** Makes the tmpfs on `dir` larger (frees space, as a user would before retrying). */
export function growSmallDisk(dir: string, bytes: number): void {
  execFileSync("mount", ["-o", `remount,size=${bytes}`, dir], { stdio: ["ignore", "ignore", "pipe"] });
}

export function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "ignore" });
  } catch {
    execFileSync("umount", ["-l", dir], { stdio: "ignore" });
  }
}

export function formatCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}
