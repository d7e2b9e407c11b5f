/**
 * A writer that dies: opens a file with a crash journal, writes what its plan says, then kills its
 * own process with SIGKILL before closing (nothing is flushed or cleaned up after the last call).
 * Run as `node --import tsx crashing-writer.ts '<plan as JSON>'`; the recovery tests use it.
 *
 * Frame k of the stream (k from 1) holds a counter k, a 256-point trace k·1000 + i and, with
 * `image`, an image k + i (mod 65536), 16×16 or `imageSide` square. Scan point p (0-based, row-major) holds the counter p + 1.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SaverFile, type SaverFileOptions } from "../layout/saver-file.ts";
import { createDataToExport, type DataToExport, type DataToExportInput } from "../model/data-to-export.ts";
import type { NumericArray } from "../model/dtype.ts";
import { createFrameBlock, type FrameBlock } from "../model/frame-block.ts";

export interface CrashPlan {
  readonly path: string;
  readonly mode?: "create" | "append";
  readonly layout?: "pymodaq4" | "pymodaq3";
  readonly gzip?: boolean;
  /** Stream frames appended before the kill. */
  readonly frames: number;
  readonly image?: boolean;
  /** The image's side: 512 makes uint16 rows of 512 KiB, which the journal points at in the file. */
  readonly imageSide?: number;
  /** Append one frame of the wrong shape after frame 2 (refused, so never in the file). */
  readonly badFrame?: boolean;
  /** With snapshotAndScan: save one point outside the scan after the others (refused). */
  readonly badScanPoint?: boolean;
  /** Also save a snapshot, and a 2×3 scan with this many points (≤ 6) before the stream. */
  readonly snapshotAndScan?: number;
  /** The number of the first frame (to tell a second session's frames from the first's). */
  readonly firstFrame?: number;
  /** Append the frames in blocks of this many (SaverFile.appendBlock) rather than one by one. */
  readonly blockSize?: number;
  /** Values of the float64 trace (default TRACE); 2048 makes rows of 16 KiB, chunks of 64 rows. */
  readonly traceLength?: number;
}

export const TRACE = 256;

export function streamFrame(k: number, image = false, side = 16, traceLength = TRACE): DataToExportInput {
  return {
    name: "crash",
    timestamp: 1_700_000_000 + k,
    data: [
      { name: "counter", data: [Float64Array.of(k)] },
      { name: "trace", data: [Float64Array.from({ length: traceLength }, (_, i) => k * 1000 + i)] },
      ...(image
        ? [
            {
              name: "image",
              data: [Uint16Array.from({ length: side * side }, (_, i) => (k + i) % 65_536)],
              shape: [side, side],
            },
          ]
        : []),
    ],
  };
}

/** Runs the plan in a child process; resolves with how it ended ("SIGKILL" when it went as planned). */
export function runCrashingWriter(plan: CrashPlan): Promise<string> {
  return promisify(execFile)(
    process.execPath,
    ["--import", "tsx", import.meta.filename, JSON.stringify(plan)],
    {
      timeout: 120_000,
    },
  ).then(
    () => "exited",
    (error: { signal?: string; stderr?: string }) => error.signal ?? `failed: ${error.stderr}`,
  );
}

/** Frames k … k+count−1 as one block (every DataWithAxes of these frames has one array). */
function blockOf(k: number, count: number, plan: CrashPlan): FrameBlock {
  const frames = Array.from({ length: count }, (_, i) =>
    createDataToExport(streamFrame(k + i, plan.image, plan.imageSide, plan.traceLength)),
  );
  const first = frames[0] as DataToExport;
  const joined = (d: number): NumericArray => {
    const parts = frames.map((f) => f.data[d]?.data[0] as Float64Array);
    const head = parts[0] as Float64Array;
    const all = new (head.constructor as Float64ArrayConstructor)(count * head.length);
    for (const [i, part] of parts.entries()) all.set(part, i * head.length);
    return all;
  };
  return createFrameBlock(
    first,
    count,
    first.data.map((_, d) => [joined(d)]),
    frames.map((f) => f.timestamp),
  );
}

async function run(plan: CrashPlan): Promise<void> {
  const options: SaverFileOptions = {
    path: plan.path,
    mode: plan.mode ?? "create",
    journal: true,
    ...(plan.layout ? { layout: plan.layout } : {}),
    ...(plan.gzip ? { compression: { kind: "gzip", level: 5 } } : {}),
    // flushes now and then, so that the kill finds the file half flushed
    flush: { maxFrames: 7, maxDelayMs: 5 },
  };
  const file = await SaverFile.open(options);
  if (plan.snapshotAndScan !== undefined) {
    const snap = await file.addDetector("snap");
    await file.saveSnapshot(snap, streamFrame(0));
    const scan = await file.beginScan({
      title: "scan",
      shape: [2, 3],
      navAxes: [
        { label: "x", units: "mm", data: Float64Array.of(0, 1), index: 0 },
        { label: "y", units: "mm", data: Float64Array.of(0, 1, 2), index: 1 },
      ],
    });
    const det = await file.addScanDetector(scan, "scanned");
    for (let p = 0; p < plan.snapshotAndScan; p++) {
      await file.saveScanPoint(scan, det, [Math.floor(p / 3), p % 3], {
        name: "point",
        timestamp: 1_700_000_000 + p,
        data: [{ name: "counter", data: [Float64Array.of(p + 1)] }],
      });
    }
    if (plan.badScanPoint) {
      await file
        .saveScanPoint(scan, det, [5, 5], {
          name: "point",
          data: [{ name: "counter", data: [Float64Array.of(99)] }],
        })
        .catch(() => undefined);
    }
  }
  const detector = await file.addDetector("streamed");
  const stream = await file.startContinuous(detector);
  const first = plan.firstFrame ?? 1;
  if (plan.blockSize) {
    for (let k = first; k < first + plan.frames; k += plan.blockSize) {
      const count = Math.min(plan.blockSize, first + plan.frames - k);
      await file.appendBlock(stream, blockOf(k, count, plan));
    }
    process.kill(process.pid, "SIGKILL");
  }
  for (let k = first; k < first + plan.frames; k++) {
    await file.append(stream, streamFrame(k, plan.image, plan.imageSide, plan.traceLength));
    if (plan.badFrame && k === first + 1) {
      await file
        .append(stream, { name: "crash", data: [{ name: "counter", data: [Float64Array.of(1, 2)] }] })
        .catch(() => undefined);
    }
  }
  process.kill(process.pid, "SIGKILL");
}

const plan = process.argv[2];
if (plan && import.meta.filename === process.argv[1]) {
  run(JSON.parse(plan) as CrashPlan).catch((error: unknown) => {
    console.error(error);
    process.exit(3);
  });
}
