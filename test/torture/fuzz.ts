/**
 * The fuzzer (issue 8, "Bad input at scale"): thousands of malformed and hostile requests to a live
 * `h5saver serve` (its own process, on 127.0.0.1) while a well-behaved client streams frames into
 * another file. It checks that
 *   - the server never crashes, and answers every request with a status before a deadline;
 *   - every status is a precise one: INTERNAL only for bytes that are not a message of the method
 *     (grpc-js' answer to an undecodable request) or an HDF5 failure with its message — a bare
 *     "internal error" is a bug;
 *   - nothing is created outside the data root, whatever the paths;
 *   - the server's memory does not keep growing (RSS after warm-up vs the end, generous bound);
 *   - the well-behaved client's file holds every frame it sent, each with its values.
 *
 * usage: node --import tsx test/torture/fuzz.ts [--full] [--requests N] [--seed S] [--concurrency K]
 *                                               [--case I]
 * Quick mode sends 2,000 requests, --full 10,000. --case I makes and sends case I of the seed alone
 * and prints it (the reproduction of a finding). Exit 0 when no finding, 1 otherwise.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { INTERNAL_MESSAGE } from "../../service/src/rpc/status.ts";
import { type FuzzCase, fuzzCase, type MethodName, type Targets } from "./fuzz-cases.ts";
import {
  type Client,
  checkGoodFile,
  connect,
  formatCounts,
  goodFrame,
  must,
  openStream,
  type ServerProcess,
  startServerProcess,
  streamCall,
  streamRequest,
  unary,
} from "./harness.ts";

export interface FuzzOptions {
  readonly seed: number;
  readonly requests: number;
  readonly concurrency?: number;
  /** Only this case (a reproduction). */
  readonly onlyCase?: number;
  /** Progress lines (every 1,000 requests) and reproductions. */
  readonly print?: (line: string) => void;
}

export interface Finding {
  readonly method: MethodName | "server";
  readonly code: string;
  readonly details: string;
  readonly what: string;
  /** The first case that showed it (rerun with --seed and --case), and how many did. */
  readonly caseIndex: number;
  count: number;
}

export interface FuzzResult {
  readonly seed: number;
  readonly requests: number;
  readonly extraCalls: number;
  /** Connections replaced after a call hung. */
  readonly reconnects: number;
  /** Calls that failed because an earlier call on their connection hung (not findings of their own). */
  readonly wedged: number;
  readonly seconds: number;
  readonly byCode: Map<string, number>;
  readonly byMethod: Map<string, number>;
  readonly findings: Finding[];
  /** HDF5 failures answered INTERNAL with their message: accepted, but listed. */
  readonly ioErrors: Map<string, number>;
  /** Distinct error events of the server's log (bugs come with their stack). */
  readonly serverErrors: Map<string, number>;
  readonly rss: { warm: number; peak: number; end: number };
  readonly wellBehaved: { frames: number; durable: number; problems: string[] };
}

const MiB = 1024 * 1024;
const DEADLINE_MS = 20_000;
const PRECISE = new Set([
  grpc.status.OK,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.ALREADY_EXISTS,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.OUT_OF_RANGE,
  grpc.status.PERMISSION_DENIED,
  grpc.status.RESOURCE_EXHAUSTED,
]);

const identity = (b: Buffer) => b;
const methodPath = (m: MethodName) => `/${svc.SaverService.typeName}/${m}`;

/** Sends one case's bytes with the raw client; resolves with the status (never rejects). */
function send(
  raw: grpc.Client,
  c: FuzzCase,
): Promise<{ code: grpc.status; details: string; response?: Buffer }> {
  // OpenFile starts a writer thread, which loads h5wasm: seconds, more on a busy machine
  const options = { deadline: Date.now() + (c.method === "OpenFile" ? 4 : 1) * DEADLINE_MS };
  const messages = c.messages.map((m) => Buffer.from(m.buffer, m.byteOffset, m.byteLength));
  return new Promise((resolve) => {
    if (c.method === "Stream") {
      const call = raw.makeBidiStreamRequest(
        methodPath(c.method),
        identity,
        identity,
        new grpc.Metadata(),
        options,
      );
      call.on("data", () => undefined);
      call.on("error", () => undefined);
      call.on("status", (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
      for (const m of messages) call.write(m);
      call.end();
    } else if (c.method === "ReadDataset") {
      const call = raw.makeServerStreamRequest(
        methodPath(c.method),
        identity,
        identity,
        messages[0] ?? Buffer.alloc(0),
        new grpc.Metadata(),
        options,
      );
      call.on("data", () => undefined);
      call.on("error", () => undefined);
      call.on("status", (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
    } else {
      raw.makeUnaryRequest(
        methodPath(c.method),
        identity,
        identity,
        messages[0] ?? Buffer.alloc(0),
        new grpc.Metadata(),
        options,
        (error, response) =>
          resolve(
            error
              ? { code: error.code, details: error.details }
              : { code: grpc.status.OK, details: "", ...(response ? { response } : {}) },
          ),
      );
    }
  });
}

/** grpc-js' words for a connection that failed (UNAVAILABLE that the server did not send). */
const TRANSPORT_FAILURE =
  /No connection established|Connection dropped|Stream refused|ECONNRESET|ECONNREFUSED|Channel closed|Call cancelled|GOAWAY|RST_STREAM/i;

/** Why an answer is a finding, or undefined when it is a precise status. */
function judge(code: grpc.status, details: string): { finding?: string; ioError?: boolean } {
  if (code === grpc.status.INTERNAL) {
    // grpc-js answers bytes that do not decode as the method's message itself, before any handler
    if (details === "Error deserializing request" || details.startsWith("Error deserializing request:"))
      return {};
    if (details === INTERNAL_MESSAGE) return { finding: "a bug (INTERNAL without a message)" };
    if (/^HDF5 failed|^a compression filter/.test(details)) return { ioError: true };
    return { finding: "INTERNAL that is neither undecodable bytes nor an HDF5 failure" };
  }
  if (code === grpc.status.DEADLINE_EXCEEDED) return { finding: `no answer within ${DEADLINE_MS / 1000} s` };
  if (code === grpc.status.UNAVAILABLE) {
    // file_unavailable (a file HDF5 cannot open) is the server's own, precise answer
    // file_unavailable (a file HDF5 cannot open: "cannot open …", "'x' is not a file", "'x' cannot
    // be opened as an HDF5 file") is the server's own answer; grpc-js' own are about the connection
    return TRANSPORT_FAILURE.test(details)
      ? { finding: "UNAVAILABLE: the server did not answer (crashed?)" }
      : {};
  }
  if (!PRECISE.has(code)) return { finding: `status ${grpc.status[code]}` };
  if (code !== grpc.status.OK && details.trim() === "") return { finding: "a refusal without a message" };
  return {};
}

function normalize(details: string): string {
  return details
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
    .replace(/\d+/g, "#")
    .slice(0, 160);
}

/** The fuzzer's own sessions: files with detectors, a scan and a stream to aim bad requests at. */
class TargetPool {
  readonly targets: Targets = {
    sessions: [],
    detectors: [],
    scans: [],
    streams: [],
    files: ["good/stream.h5"],
    nodes: [],
  };
  calls = 0;
  #serial = 0;
  constructor(readonly client: Client) {}

  async refresh(): Promise<void> {
    const t = this.targets;
    for (const session of [...t.sessions]) {
      this.calls++;
      const status = await unary(
        this.client,
        this.client.getStatus,
        create(svc.GetStatusRequestSchema, { sessionId: session }),
      );
      const info = status.response?.sessions[0];
      if (!info) {
        t.sessions = t.sessions.filter((s) => s !== session);
        t.detectors = t.detectors.filter((d) => d.session !== session);
        t.scans = t.scans.filter((s) => s.session !== session);
        t.streams = t.streams.filter((s) => s.session !== session);
        continue;
      }
      const open = new Set(info.streams.map((s) => s.streamId));
      const streams = t.streams.filter((s) => s.session === session);
      if (!streams.some((s) => open.has(s.id))) {
        t.streams = t.streams.filter((s) => s.session !== session);
        await this.#stream(session).catch(() => undefined);
      }
      const done = new Set(info.scans.filter((s) => s.done).map((s) => s.scanId));
      if (t.scans.filter((s) => s.session === session).every((s) => done.has(s.id))) {
        t.scans = t.scans.filter((s) => s.session !== session);
        await this.#scan(session).catch(() => undefined);
      }
    }
    while (t.sessions.length < 3) await this.#open();
  }

  async #open(): Promise<void> {
    const t = this.targets;
    const file = `fuzz/target-${this.#serial++}.h5`;
    const opened = await this.#must(
      this.client.openFile,
      create(svc.OpenFileRequestSchema, { path: file, saveType: opt.SaveType.SCAN }),
    );
    const session = opened.sessionId;
    t.sessions.push(session);
    if (!t.files.includes(file)) t.files.push(file);
    const detector = await this.#must(
      this.client.addDetector,
      create(svc.AddDetectorRequestSchema, { sessionId: session, title: "Snap" }),
    );
    t.detectors.push({ session, id: detector.detectorId });
    await this.#must(
      this.client.saveSnapshot,
      create(svc.SaveSnapshotRequestSchema, {
        sessionId: session,
        detectorId: detector.detectorId,
        data: goodFrame(0, 16),
      }),
    );
    await this.#must(
      this.client.addLog,
      create(svc.AddLogRequestSchema, { sessionId: session, lines: ["target opened"] }),
    );
    await this.#stream(session);
    await this.#scan(session);
    if (t.nodes.length === 0) {
      const tree = await this.#must(
        this.client.browse,
        create(svc.BrowseRequestSchema, { target: { case: "sessionId", value: session } }),
      );
      const walk = (node: svc.Node | undefined) => {
        if (!node) return;
        t.nodes.push(node.path);
        for (const child of node.children) walk(child);
      };
      walk(tree.root);
    }
  }

  async #stream(session: string): Promise<void> {
    const detector = await this.#must(
      this.client.addDetector,
      create(svc.AddDetectorRequestSchema, { sessionId: session, title: "Streamed" }),
    );
    this.targets.detectors.push({ session, id: detector.detectorId });
    const stream = await this.#must(
      this.client.startContinuous,
      create(svc.StartContinuousRequestSchema, { sessionId: session, detectorId: detector.detectorId }),
    );
    this.targets.streams.push({ session, id: stream.streamId });
  }

  async #scan(session: string): Promise<void> {
    const scan = await this.#must(
      this.client.beginScan,
      create(svc.BeginScanRequestSchema, {
        sessionId: session,
        title: "Raster",
        shape: [4n],
        navAxes: [
          create(data.AxisSchema, {
            label: "x",
            units: "mm",
            index: 0,
            values: {
              case: "linear",
              value: create(data.LinearAxisSchema, { offset: 0, scaling: 1, size: 4n }),
            },
          }),
        ],
      }),
    );
    const detector = await this.#must(
      this.client.addDetector,
      create(svc.AddDetectorRequestSchema, { sessionId: session, title: "Scanned", scanId: scan.scanId }),
    );
    this.targets.scans.push({ session, id: scan.scanId, detector: detector.detectorId, shape: [4] });
  }

  #must<I, O>(method: Parameters<typeof must<I, O>>[1], request: I): Promise<O> {
    this.calls++;
    return must(this.client, method, request);
  }
}

/** The fixtures that hostile paths aim at: a symlink out of the root, a dangling one, an alias, a non-HDF5 file. */
function makeRoot(base: string): string {
  const root = path.join(base, "root");
  for (const dir of ["root/fuzz", "root/good", "root/folder.h5", "outside"])
    mkdirSync(path.join(base, dir), { recursive: true });
  writeFileSync(path.join(base, "outside/sentinel"), "not to be touched");
  writeFileSync(path.join(root, "notes.txt"), "not an HDF5 file");
  symlinkSync(path.join(base, "outside"), path.join(root, "escape"));
  symlinkSync(path.join(base, "nowhere"), path.join(root, "dangling"));
  symlinkSync(path.join(root, "good"), path.join(root, "alias"));
  return root;
}

/** Files that appeared outside the root (none is the only right answer). */
function escaped(base: string, tmpBefore: boolean): string[] {
  const found: string[] = [];
  const outside = readdirSync(path.join(base, "outside"));
  if (outside.join() !== "sentinel") found.push(`outside/ holds ${outside.join(", ")}`);
  const top = readdirSync(base).sort();
  if (top.join() !== "outside,root") found.push(`the folder above the root holds ${top.join(", ")}`);
  if (!tmpBefore && existsSync("/tmp/x.h5")) found.push("/tmp/x.h5 was created");
  return found;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const print = options.print ?? (() => undefined);
  /** Every case as it is sent, when H5SAVER_FUZZ_TRACE names a file (to find the one that hung the server). */
  const trace = process.env.H5SAVER_FUZZ_TRACE;
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), "h5saver-fuzz-")));
  const root = makeRoot(base);
  const tmpBefore = existsSync("/tmp/x.h5");
  const started = Date.now();
  let server: ServerProcess | undefined;
  let client: Client | undefined;
  let raw: grpc.Client | undefined;
  const byCode = new Map<string, number>();
  const byMethod = new Map<string, number>();
  const ioErrors = new Map<string, number>();
  const findings = new Map<string, Finding>();
  const addFinding = (f: Omit<Finding, "count">) => {
    const key = `${f.method}|${f.code}|${normalize(f.details)}`;
    const known = findings.get(key);
    if (known) known.count++;
    else findings.set(key, { ...f, count: 1 });
  };
  try {
    server = await startServerProcess(root);
    client = connect(server.address);
    const address = server.address;
    // a connection of its own (not grpc-js' shared subchannel), replaced when a call hangs: a
    // status the server cannot send (see judge) wedges the connection it was sent on
    const rawClient = () =>
      new grpc.Client(address, grpc.credentials.createInsecure(), {
        "grpc.max_send_message_length": -1,
        "grpc.max_receive_message_length": -1,
        "grpc.use_local_subchannel_pool": 1,
      });
    raw = rawClient();
    const pool = new TargetPool(client);
    await pool.refresh();

    // the well-behaved client: a stream of frames into good/stream.h5 for as long as the fuzz runs
    let fuzzing = true;
    let sent = 0;
    const good = await openStream(
      client,
      create(svc.OpenFileRequestSchema, {
        path: "good/stream.h5",
        flushPolicy: create(opt.FlushPolicySchema, { maxFrames: 16 }),
      }),
      "Well-behaved",
    );
    async function* goodFrames() {
      while (fuzzing || sent < 50) {
        sent++;
        yield streamRequest(good.sessionId, good.streamId, sent, goodFrame(sent));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const goodCall = streamCall(client, goodFrames(), 3_600_000);

    const rss = { warm: 0, peak: 0, end: 0 };
    const sample = () => {
      const now = server?.rss() ?? 0;
      rss.peak = Math.max(rss.peak, now);
      return now;
    };
    const first = options.onlyCase ?? 0;
    const total = options.onlyCase === undefined ? options.requests : 1;
    let next = 0;
    let done = 0;
    let extra = 0;
    let reconnects = 0;
    const retired: grpc.Client[] = [];
    const hangs = new Map<grpc.Client, Array<Omit<Finding, "count"> & { bytes: number }>>();
    // memory is compared at two quiet moments (no fuzz call running, the same sessions open):
    // after the first fifth of the requests and at the end
    let phaseEnd = Math.max(1, Math.floor(total / 5));
    const worker = async () => {
      while (next < phaseEnd && server && !server.crashed()) {
        const index = first + next++;
        const c = fuzzCase(options.seed, index, pool.targets);
        if (trace)
          appendFileSync(trace, `${new Date().toISOString()} case ${index} ${c.method}: ${c.what}\n`);
        if (options.onlyCase !== undefined) {
          print(`case ${index}: ${c.method} — ${c.what}`);
          for (const m of c.messages)
            print(
              `  message (base64, ${m.length} bytes): ${Buffer.from(m).toString("base64").slice(0, 4000)}`,
            );
        }
        const used = raw as grpc.Client;
        const outcome = await send(used, c);
        if (
          (outcome.code === grpc.status.DEADLINE_EXCEEDED ||
            (outcome.code === grpc.status.UNAVAILABLE && TRANSPORT_FAILURE.test(outcome.details))) &&
          raw === used
        ) {
          raw = rawClient();
          retired.push(used); // closed at the end: other workers may be starting calls on it
          reconnects++;
        }
        const code = grpc.status[outcome.code] ?? String(outcome.code);
        const verdict = judge(outcome.code, outcome.details);
        const bucket =
          outcome.code !== grpc.status.INTERNAL
            ? code
            : verdict.ioError
              ? "INTERNAL (HDF5 failure)"
              : verdict.finding
                ? "INTERNAL (bug)"
                : "INTERNAL (undecodable bytes)";
        byCode.set(bucket, (byCode.get(bucket) ?? 0) + 1);
        byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
        if (options.onlyCase !== undefined) print(`  answer: ${code} ${outcome.details}`);
        if (verdict.ioError)
          ioErrors.set(
            `${c.method}: ${normalize(outcome.details)}`,
            (ioErrors.get(`${c.method}: ${normalize(outcome.details)}`) ?? 0) + 1,
          );
        if (verdict.finding) {
          const finding = {
            method: c.method,
            code,
            details: `${verdict.finding}: ${outcome.details}`,
            what: c.what,
            caseIndex: index,
            bytes: c.messages.reduce((n, m) => n + m.length, 0),
          };
          if (outcome.code === grpc.status.DEADLINE_EXCEEDED || outcome.code === grpc.status.UNAVAILABLE) {
            // judged once every call on that connection has ended: see below
            hangs.set(used, [...(hangs.get(used) ?? []), finding]);
          } else addFinding(finding);
        }
        if (c.method === "OpenFile" && outcome.code === grpc.status.OK && outcome.response) {
          // a hostile path the server accepted: it must lie inside the root; then close the session
          const opened = fromBinary(svc.OpenFileResponseSchema, outcome.response);
          const absolute = path.resolve(root, opened.path);
          if (!absolute.startsWith(`${root}/`)) {
            addFinding({
              method: c.method,
              code,
              details: `accepted a file outside the root: ${opened.path}`,
              what: c.what,
              caseIndex: index,
            });
          }
          extra++;
          const closed = await unary(
            client as Client,
            (client as Client).closeFile,
            create(svc.CloseFileRequestSchema, { sessionId: opened.sessionId }),
          );
          const closeVerdict = judge(closed.code, closed.details);
          if (closeVerdict.finding) {
            addFinding({
              method: "CloseFile",
              code: grpc.status[closed.code],
              details: `${closeVerdict.finding}: ${closed.details}`,
              what: `closing the session of case ${index} (${c.what})`,
              caseIndex: index,
            });
          }
        }
        done++;
        if (done % 100 === 0) sample();
        if (done % 250 === 0) {
          await pool.refresh().catch((error: unknown) =>
            addFinding({
              method: "server",
              code: "SETUP",
              details: `the fuzzer's own well-formed calls failed: ${(error as Error).message}`,
              what: "refreshing the fuzzer's sessions",
              caseIndex: index,
            }),
          );
        }
        if (done % 1000 === 0)
          print(
            `fuzz: ${done}/${total} requests, ${findings.size} distinct findings, server RSS ${(sample() / MiB).toFixed(0)} MiB`,
          );
      }
    };
    const concurrency = Math.min(options.concurrency ?? 4, total);
    await Promise.all(Array.from({ length: concurrency }, worker));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rss.warm = sample();
    phaseEnd = total;
    await Promise.all(Array.from({ length: concurrency }, worker));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rss.end = sample();
    fuzzing = false;
    for (const old of retired) old.close();
    // on a connection where a call hung, the other calls that failed with it are its consequence
    let wedged = 0;
    for (const list of hangs.values()) {
      // the calls that hung are the finding; the others on that connection failed with them
      const hung = list.filter((f) => f.code === "DEADLINE_EXCEEDED");
      for (const { bytes, ...f } of hung.length ? hung : list) {
        addFinding({ ...f, details: `${f.details} (a request of ${bytes} bytes)` });
      }
      if (hung.length) wedged += list.length - hung.length;
    }
    const crash = server.crashed();
    if (crash)
      addFinding({
        method: "server",
        code: "CRASH",
        details: crash,
        what: "the server process ended during the fuzz",
        caseIndex: first + done,
      });

    const wellBehaved = { frames: 0, durable: 0, problems: [] as string[] };
    if (!crash) {
      const goodOutcome = await goodCall;
      wellBehaved.frames = sent;
      wellBehaved.durable = goodOutcome.durable;
      if (goodOutcome.code !== grpc.status.OK)
        wellBehaved.problems.push(
          `its stream ended with ${grpc.status[goodOutcome.code]}: ${goodOutcome.details}`,
        );
      if (goodOutcome.durable !== sent)
        wellBehaved.problems.push(`${goodOutcome.durable} frames acknowledged durable of ${sent} sent`);
      const closed = await unary(
        client,
        client.closeFile,
        create(svc.CloseFileRequestSchema, { sessionId: good.sessionId }),
      );
      if (closed.code !== grpc.status.OK)
        wellBehaved.problems.push(`CloseFile: ${grpc.status[closed.code]} ${closed.details}`);
      const file = await checkGoodFile(path.join(root, "good/stream.h5"), { frames: sent });
      wellBehaved.problems.push(...file.problems);
      // generous: the heap settles in steps (a wasm heap never shrinks, GC runs when it likes)
      const bound = Math.round(rss.warm * 1.5 + 256 * MiB);
      if (options.onlyCase === undefined && rss.end > bound) {
        addFinding({
          method: "server",
          code: "MEMORY",
          details: `RSS grew from ${(rss.warm / MiB).toFixed(0)} MiB after warm-up to ${(rss.end / MiB).toFixed(0)} MiB at the end (bound ${(bound / MiB).toFixed(0)} MiB)`,
          what: "memory after the fuzz",
          caseIndex: first,
        });
      }
    }
    for (const where of escaped(base, tmpBefore)) {
      addFinding({
        method: "server",
        code: "ESCAPE",
        details: where,
        what: "files outside the data root",
        caseIndex: first,
      });
    }
    const serverErrors = new Map<string, number>();
    for (const event of server.errors) {
      const key = `${event.event} ${event.method ?? ""}: ${String(event.message ?? "")
        .split("\n")
        .slice(0, 8)
        .join("\n    ")}`;
      serverErrors.set(key, (serverErrors.get(key) ?? 0) + 1);
    }
    return {
      seed: options.seed,
      requests: done,
      extraCalls: extra + pool.calls,
      reconnects,
      wedged,
      seconds: (Date.now() - started) / 1000,
      byCode,
      byMethod,
      findings: [...findings.values()],
      ioErrors,
      serverErrors,
      rss,
      wellBehaved,
    };
  } finally {
    raw?.close();
    client?.close();
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

export function summaryLine(result: FuzzResult): string {
  const problems = result.findings.length + (result.wellBehaved.problems.length > 0 ? 1 : 0);
  const verdict =
    problems === 0
      ? "ok"
      : `FAILED (${result.findings.length} findings${result.wellBehaved.problems.length ? ", well-behaved file wrong" : ""})`;
  return `fuzz: ${verdict} — seed ${result.seed}, ${result.requests} requests (+${result.extraCalls} setup/cleanup calls) in ${result.seconds.toFixed(0)} s; ${formatCounts(result.byCode)}${result.reconnects ? ` (${result.reconnects} connections replaced after a hang, ${result.wedged} more calls failed with them)` : ""}; server RSS ${(result.rss.warm / MiB).toFixed(0)} MiB after warm-up, ${(result.rss.end / MiB).toFixed(0)} MiB at the end (peak ${(result.rss.peak / MiB).toFixed(0)}); well-behaved stream: ${result.wellBehaved.frames} frames, ${result.wellBehaved.problems.length === 0 ? "all in the file and correct" : result.wellBehaved.problems.join("; ")}`;
}

/** Everything a reader of the run needs: findings with their reproduction, io errors, the server's error log. */
export function report(result: FuzzResult): string[] {
  const lines: string[] = [];
  lines.push(`  requests by method: ${formatCounts(result.byMethod)}`);
  for (const f of result.findings) {
    lines.push(`  FINDING ×${f.count} ${f.method} ${f.code}: ${f.details.slice(0, 600)}`);
    lines.push(
      `    first seen in case ${f.caseIndex}: ${f.what} (reproduce: node --import tsx test/torture/fuzz.ts --seed ${result.seed} --case ${f.caseIndex})`,
    );
  }
  for (const [message, count] of result.ioErrors)
    lines.push(`  HDF5 failure answered INTERNAL ×${count}: ${message}`);
  for (const [message, count] of result.serverErrors) lines.push(`  server log error ×${count}: ${message}`);
  for (const problem of result.wellBehaved.problems) lines.push(`  well-behaved file: ${problem}`);
  return lines;
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      full: { type: "boolean", default: false },
      requests: { type: "string" },
      seed: { type: "string" },
      concurrency: { type: "string" },
      case: { type: "string" },
    },
  });
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const requests = values.requests !== undefined ? Number(values.requests) : values.full ? 10_000 : 2_000;
  console.log(
    `fuzz: seed ${seed} (rerun with --seed ${seed}), ${values.case !== undefined ? `case ${values.case}` : `${requests} requests`}`,
  );
  const result = await runFuzz({
    seed,
    requests,
    ...(values.concurrency !== undefined ? { concurrency: Number(values.concurrency) } : {}),
    ...(values.case !== undefined ? { onlyCase: Number(values.case) } : {}),
    print: (line) => console.log(line),
  });
  for (const line of report(result)) console.log(line);
  console.log(summaryLine(result));
  process.exitCode = result.findings.length === 0 && result.wellBehaved.problems.length === 0 ? 0 : 1;
}
