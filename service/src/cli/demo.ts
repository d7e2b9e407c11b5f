/**
 * `npm run demo`: a synthetic detector streams into a PyMoDAQ-layout file through the writer
 * thread (continuous saving with a live progress line), then a snapshot and a 2D scan go into the
 * same file. Prints the file's path and its tree.
 *   --out DIR      base folder (PyMoDAQ's base_path; default ./out)
 *   --frames N     frames to stream (default 1500)
 *   --rate HZ      acquisition rate of the simulated detector (default 300; 0 = as fast as possible)
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { SaverError } from "../errors.ts";
import { pymodaqFilePath } from "../layout/file-naming.ts";
import { openSaverFile } from "../worker/worker-saver-file.ts";
import { formatTree } from "./print-tree.ts";
import { ProgressLine } from "./progress-line.ts";
import { SyntheticDetector } from "./synthetic-detector.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "out" },
    frames: { type: "string", default: "1500" },
    rate: { type: "string", default: "300" },
  },
});
const frames = Number(values.frames);
const rate = Number(values.rate);
if (!Number.isInteger(frames) || frames < 1 || !(rate >= 0)) {
  console.error("usage: demo [--out DIR] [--frames N>=1] [--rate HZ>=0]");
  process.exit(2);
}

async function main(): Promise<void> {
  const filePath = pymodaqFilePath({ basePath: path.resolve(values.out), saveType: "scan" });
  const file = await openSaverFile({ path: filePath, mode: "create", saveType: "scan" });
  const detector = new SyntheticDetector();
  const progress = new ProgressLine();
  let durable = 0;
  file.onDurable((event) => {
    durable = event.durableFrames;
  });

  await file.addLog(`h5saver demo: ${frames} frames at ${rate || "max"} Hz`);
  const det = await file.addDetector(detector.title, detector.settingsXml());
  const stream = await file.startContinuous(det);
  const started = performance.now();
  let bytes = 0;
  for (let k = 0; k < frames; k++) {
    if (rate > 0) {
      const due = started + (k * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const dte = detector.acquire();
    for (const dwa of dte.data) for (const array of dwa.data) bytes += array.byteLength;
    await file.append(stream, dte);
    const seconds = (performance.now() - started) / 1000;
    progress.update(
      `streaming: ${k + 1}/${frames} frames  ${((k + 1) / seconds).toFixed(0)} frames/s  ` +
        `${(bytes / 1e6 / seconds).toFixed(1)} MB/s  durable ${durable}`,
    );
  }
  const receipt = await file.endContinuous(stream);
  const seconds = (performance.now() - started) / 1000;
  progress.done(
    `streamed ${receipt.frames} frames in ${seconds.toFixed(1)} s (${(bytes / 1e6).toFixed(1)} MB), ` +
      `${receipt.durableFrames} durable`,
  );

  const snapshotDet = await file.addDetector(`${detector.title} (snapshot)`, detector.settingsXml());
  await file.saveSnapshot(snapshotDet, detector.acquire());

  const [nx, ny] = [10, 8];
  const scan = await file.beginScan({
    title: "Demo 2D scan",
    shape: [nx, ny],
    navAxes: [
      { label: "x", units: "mm", index: 0, offset: -5, scaling: 1, size: nx },
      { label: "y", units: "mm", index: 1, offset: -4, scaling: 1, size: ny },
    ],
  });
  const scanDet = await file.addScanDetector(scan, detector.title, detector.settingsXml());
  for (let ix = 0; ix < nx; ix++) {
    for (let iy = 0; iy < ny; iy++) await file.saveScanPoint(scan, scanDet, [ix, iy], detector.acquire());
    progress.update(`scanning: ${(ix + 1) * ny}/${nx * ny} points`);
  }
  await file.endScan(scan);
  progress.done(`scanned ${nx * ny} points`);
  await file.addLog("h5saver demo: done");
  await file.close();

  const reader = await openH5wasmFile(file.path, "read");
  try {
    console.log(await formatTree(reader));
  } finally {
    await reader.close();
  }
  console.log(`\nwrote ${file.path}`);
}

main().catch((error: unknown) => {
  const e = SaverError.from(error);
  console.error(`demo failed (${e.code}): ${e.message}`);
  process.exit(1);
});
