/**
 * Disk full: a stream fills a small tmpfs mounted inside the data root. The client must get
 * RESOURCE_EXHAUSTED saying the disk is full, the file must hold every frame acknowledged as
 * durable (read by h5py and by PyMoDAQ's loader), and the same server must go on serving a
 * session whose file is on another disk.
 *
 * `node --import tsx test/torture/disk-full.ts` prints one summary line; exit 0 when every check
 * passes, 1 when one fails, 0 with "skipped" when this machine cannot mount (not root).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { createSaverServer } from "../../service/src/rpc/saver-server.ts";
import type { ServerLog } from "../../service/src/rpc/server-log.ts";
import {
  checkGoodFile,
  connect,
  goodFrame,
  growSmallDisk,
  mountSmallDisk,
  openStream,
  repoRoot,
  streamCall,
  streamRequest,
  unary,
  unmount,
} from "./harness.ts";

export interface DiskFullResult {
  readonly skipped?: string;
  /** What went wrong; empty when every check passed. */
  readonly problems: string[];
  /** Frames sent before the refusal, the highest durable sequence acknowledged, frames in the file. */
  readonly sent: number;
  readonly acknowledged: number;
  readonly framesInFile: number;
  /** Frames the reopening rebuilt from the crash journal (0 when the file needed no rebuilding). */
  readonly rebuilt: number;
  readonly status: string;
  readonly closeStatus: string;
}

const DISK_BYTES = 8 * 1024 * 1024;
// 32 KiB of float64 per frame: chunks of 1 MiB hold 32 frames, the 8 MiB disk fills after about 200
const TRACE = 4096;

export async function runDiskFull(): Promise<DiskFullResult> {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), "h5saver-disk-full-")));
  const root = path.join(base, "root");
  const small = path.join(root, "full");
  mkdirSync(small, { recursive: true });
  mkdirSync(path.join(root, "other"));
  const mounted = mountSmallDisk(small, DISK_BYTES);
  if (!mounted.ok) {
    rmSync(base, { recursive: true, force: true });
    return {
      skipped: mounted.why,
      problems: [],
      sent: 0,
      acknowledged: 0,
      framesInFile: 0,
      rebuilt: 0,
      status: "",
      closeStatus: "",
    };
  }
  const logged: string[] = [];
  const log: ServerLog = {
    event(level, name, fields) {
      if (level === "error") logged.push(`${name} ${JSON.stringify(fields)}`);
    },
  };
  const saver = createSaverServer({ root, log });
  const client = connect(`127.0.0.1:${await saver.listen(0)}`);
  const problems: string[] = [];
  try {
    // a stream into the small disk, durable every 4 frames, until the server refuses a frame
    const { sessionId, streamId } = await openStream(
      client,
      create(svc.OpenFileRequestSchema, {
        path: "full/stream.h5",
        flushPolicy: create(opt.FlushPolicySchema, { maxFrames: 4, maxDelayMs: 60_000 }),
      }),
      "Filler",
    );
    let sent = 0;
    function* frames() {
      // 10 × what fits: the disk must be full long before
      for (let k = 1; k <= (10 * DISK_BYTES) / (TRACE * 8); k++) {
        sent = k;
        yield streamRequest(sessionId, streamId, k, goodFrame(k, TRACE));
      }
    }
    const stream = await streamCall(client, frames(), 120_000);
    const status = `${grpc.status[stream.code]}: ${stream.details}`;
    if (stream.code !== grpc.status.RESOURCE_EXHAUSTED) {
      problems.push(`the full disk gave ${status}, expected RESOURCE_EXHAUSTED`);
    }
    if (!/disk is full/.test(stream.details))
      problems.push(`the message does not say the disk is full: ${status}`);
    if (stream.details.includes(root)) problems.push(`the message shows the server's data root: ${status}`);
    if (stream.durable === 0) problems.push("no frame was acknowledged as durable before the disk was full");

    // the same server serves a session on another disk, start to end
    const other = await openStream(
      client,
      create(svc.OpenFileRequestSchema, { path: "other/ok.h5" }),
      "Elsewhere",
    );
    const good = await streamCall(
      client,
      Array.from({ length: 50 }, (_, i) =>
        streamRequest(other.sessionId, other.streamId, i + 1, goodFrame(i + 1, TRACE)),
      ),
    );
    if (good.code !== grpc.status.OK)
      problems.push(`the other session's stream failed: ${grpc.status[good.code]} ${good.details}`);
    const closedOther = await unary(
      client,
      client.closeFile,
      create(svc.CloseFileRequestSchema, { sessionId: other.sessionId }),
    );
    if (closedOther.code !== grpc.status.OK)
      problems.push(`closing the other session failed: ${closedOther.details}`);
    const otherFile = await checkGoodFile(path.join(root, "other/ok.h5"), { frames: 50, traceLength: TRACE });
    problems.push(...otherFile.problems.map((p) => `other disk: ${p}`));

    // the full session ends; its file holds every durable frame, for h5py and for PyMoDAQ's loader
    const closed = await unary(client, client.closeFile, create(svc.CloseFileRequestSchema, { sessionId }));
    const closeStatus =
      closed.code === grpc.status.OK ? "OK" : `${grpc.status[closed.code]}: ${closed.details}`;
    if (closed.code === grpc.status.INTERNAL) problems.push(`CloseFile on the full disk: ${closeStatus}`);
    // frames durable in the crash journal that the full disk kept out of the file come back when
    // the file is opened again with space to spare: what a user does after freeing space
    growSmallDisk(small, 4 * DISK_BYTES);
    const reopened = await unary(
      client,
      client.openFile,
      create(svc.OpenFileRequestSchema, { path: "full/stream.h5", mode: opt.OpenMode.APPEND }),
      90_000,
    );
    let rebuilt = 0;
    if (reopened.code !== grpc.status.OK || !reopened.response) {
      problems.push(`reopening after space was freed: ${grpc.status[reopened.code]} ${reopened.details}`);
    } else {
      rebuilt = Number(reopened.response.recovery?.frames ?? 0);
      if (closed.code !== grpc.status.OK && !reopened.response.recovery) {
        problems.push(`CloseFile said the journal was kept (${closeStatus}), but reopening rebuilt nothing`);
      }
      const again = await unary(
        client,
        client.closeFile,
        create(svc.CloseFileRequestSchema, { sessionId: reopened.response.sessionId }),
      );
      if (again.code !== grpc.status.OK) problems.push(`closing the reopened file: ${again.details}`);
    }
    const file = path.join(small, "stream.h5");
    const loaded = await checkGoodFile(file, { atLeast: stream.durable, traceLength: TRACE });
    problems.push(...loaded.problems.map((p) => `full disk (h5wasm loader): ${p}`));
    const h5py = readWithH5py(file, TRACE);
    if (h5py.skipped === undefined) {
      if (h5py.problem) problems.push(`full disk (h5py): ${h5py.problem}`);
      else if (h5py.frames < stream.durable) {
        problems.push(`h5py reads ${h5py.frames} frames, ${stream.durable} were acknowledged as durable`);
      }
    }
    problems.push(...logged.map((line) => `server logged an error: ${line}`));
    return {
      problems,
      sent,
      acknowledged: stream.durable,
      framesInFile: loaded.frames,
      rebuilt,
      status,
      closeStatus,
    };
  } finally {
    client.close();
    await saver.close();
    unmount(small);
    rmSync(base, { recursive: true, force: true });
  }
}

/**
 * What a user would run: h5py opens the file, finds the counter and trace arrays of the stream and
 * checks every row. Skipped (with the reason) when the repo's .venv is missing.
 */
function readWithH5py(
  file: string,
  traceLength: number,
): { frames: number; problem?: string; skipped?: string } {
  const python = path.join(repoRoot, ".venv/bin/python");
  if (!existsSync(python)) return { frames: 0, skipped: "no .venv (bash scripts/python-env.sh makes it)" };
  const script = `
import sys, h5py, numpy as np
counter = trace = None
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, node):
        global counter, trace
        if isinstance(node, h5py.Dataset) and node.name.split("/")[-1] == "EnlData00":
            if "/Data0D/" in node.name: counter = node[()].reshape(-1)
            elif "/Data1D/" in node.name: trace = node[()]
    f.visititems(visit)
    if counter is None or trace is None: sys.exit("no Data0D and Data1D EnlData00 arrays (the counter and the trace)")
    n = len(counter)
    if trace.shape != (n, ${traceLength}): sys.exit(f"trace shape {trace.shape}, counter {n}")
    k = np.arange(1, n + 1)
    if not np.array_equal(counter, k): sys.exit("counter rows are not 1..n")
    if not np.array_equal(trace, k[:, None] * 1000 + np.arange(${traceLength})[None, :]): sys.exit("trace values differ")
    print(n)
`;
  try {
    const out = execFileSync(python, ["-c", script, file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { frames: Number(out.trim()) };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").at(-1);
    return { frames: 0, problem: stderr || (error as Error).message };
  }
}

export function summaryLine(result: DiskFullResult): string {
  if (result.skipped) return `disk-full: skipped (${result.skipped})`;
  const verdict = result.problems.length === 0 ? "ok" : `FAILED (${result.problems.length} problems)`;
  return `disk-full: ${verdict} — ${result.sent} frames sent into a ${DISK_BYTES / 1024} KiB disk, refused with ${result.status.split(":")[0]}; ${result.acknowledged} acknowledged durable; CloseFile ${result.closeStatus.split(":")[0]}; reopened with space freed: ${result.rebuilt ? `rebuilt from its journal (${result.rebuilt} frames), ` : ""}${result.framesInFile} in the file; another disk's session served`;
}

if (import.meta.filename === process.argv[1]) {
  const result = await runDiskFull();
  for (const problem of result.problems) console.log(`  disk-full problem: ${problem}`);
  console.log(summaryLine(result));
  process.exitCode = result.problems.length === 0 ? 0 : 1;
}
