/**
 * `npm run demo`: the whole service on this machine. Starts an h5saver server on a free loopback
 * port, then, through the TypeScript client over gRPC, streams a synthetic detector into a
 * PyMoDAQ-layout file (live progress: frames, rate, MB/s, frames acknowledged durable), adds a
 * snapshot and a 2D scan, browses the file through the server and prints its tree and path.
 *   --out DIR      the server's data root (default ./out)
 *   --frames N     frames to stream (default 1500)
 *   --rate HZ      acquisition rate of the simulated detector (default 300; 0 = as fast as possible)
 *   --layout L     pymodaq4 (default) or pymodaq3: the PyMoDAQ tree of the file
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSaverClient, type FileNode, SaverClientError } from "@h5saver/client";
import { formatTree, ProgressLine, SaverError } from "@h5saver/service";
import { createSaverServer } from "@h5saver/service/rpc/saver-server";
import { SyntheticDetector } from "./synthetic-detector.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "out" },
    frames: { type: "string", default: "1500" },
    rate: { type: "string", default: "300" },
    layout: { type: "string", default: "pymodaq4" },
  },
});
const layout =
  values.layout === "pymodaq3" ? "pymodaq3" : values.layout === "pymodaq4" ? "pymodaq4" : undefined;
const frames = Number(values.frames);
const rate = Number(values.rate);
if (
  !Number.isInteger(frames) ||
  frames < 1 ||
  !(rate >= 0) ||
  (layout !== "pymodaq4" && layout !== "pymodaq3")
) {
  console.error(
    "usage: npm run demo -- [--out DIR] [--frames N>=1] [--rate HZ>=0] [--layout pymodaq4|pymodaq3]",
  );
  process.exit(2);
}

function bytesOf(frame: ReturnType<SyntheticDetector["acquire"]>): number {
  let bytes = 0;
  for (const dwa of frame.data) for (const array of dwa.data) bytes += array.byteLength;
  return bytes;
}

function attributeText(node: FileNode, name: string): string {
  const value = node.attributes[name];
  return value === undefined || value === null ? "" : String(value);
}

async function main(): Promise<void> {
  const root = path.resolve(values.out);
  mkdirSync(root, { recursive: true });
  const server = createSaverServer({ root });
  const port = await server.listen(0, "127.0.0.1");
  console.log(`h5saver serving on 127.0.0.1:${port}, data root ${root}`);
  const client = createSaverClient(`127.0.0.1:${port}`);
  try {
    // no path: the server names the file as PyMoDAQ does (year/date/Dataset_date_NNN/…h5)
    const file = await client.openFile({
      saveType: "scan",
      flush: { maxFrames: 100, maxDelayMs: 250 },
      layout: layout ?? "pymodaq4",
    });
    const detector = new SyntheticDetector();
    const progress = new ProgressLine();
    await file.addLog(`h5saver demo: ${frames} frames at ${rate || "max"} Hz`);

    const streamed = await file.addDetector(detector.title, detector.settingsXml());
    const upload = await file.startContinuous(streamed);
    const started = performance.now();
    let bytes = 0;
    const show = (sent: number) => {
      const seconds = (performance.now() - started) / 1000;
      progress.update(
        `streaming: ${sent}/${frames} frames  ${(sent / seconds).toFixed(0)} frames/s  ` +
          `${(bytes / 1e6 / seconds).toFixed(1)} MB/s  acknowledged ${upload.acknowledged}`,
      );
    };
    for (let k = 0; k < frames; k++) {
      if (rate > 0) {
        const wait = started + (k * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const frame = detector.acquire();
      bytes += bytesOf(frame);
      await upload.send(frame);
      show(k + 1);
    }
    const counts = await upload.end();
    const seconds = (performance.now() - started) / 1000;
    progress.done(
      `streamed ${counts.frames} frames in ${seconds.toFixed(1)} s (${(bytes / 1e6).toFixed(1)} MB), ` +
        `${counts.durableFrames} acknowledged durable`,
    );

    const snapshot = await file.addDetector(`${detector.title} (snapshot)`, detector.settingsXml());
    await file.saveSnapshot(snapshot, detector.acquire());

    const [nx, ny] = [10, 8];
    const scan = await file.beginScan({
      title: "Demo 2D scan",
      shape: [nx, ny],
      navAxes: [
        { label: "x", units: "mm", index: 0, offset: -5, scaling: 1, size: nx },
        { label: "y", units: "mm", index: 1, offset: -4, scaling: 1, size: ny },
      ],
    });
    const scanned = await file.addDetector(detector.title, detector.settingsXml(), scan);
    for (let ix = 0; ix < nx; ix++) {
      for (let iy = 0; iy < ny; iy++) await file.saveScanPoint(scan, scanned, [ix, iy], detector.acquire());
      progress.update(`scanning: ${(ix + 1) * ny}/${nx * ny} points`);
    }
    await file.endScan(scan);
    progress.done(`scanned ${nx * ny} points`);
    await file.addLog("h5saver demo: done");

    const tree = await file.browse({ attributes: true });
    const closed = await file.close();
    console.log(formatTree(tree, attributeText));
    console.log(`\nwrote ${path.join(root, closed.path)} (${(closed.sizeBytes / 1e6).toFixed(1)} MB)`);
  } finally {
    client.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  const failure = error instanceof SaverClientError ? error : SaverError.from(error);
  console.error(`demo failed (${failure.code}): ${failure.message}`);
  process.exit(1);
});
