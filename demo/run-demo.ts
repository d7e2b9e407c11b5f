/**
 * `npm run demo`: the whole chain on this machine. Starts an h5saver server on a free loopback
 * port and a simulated instrument on a pseudo-terminal (socat; an in-memory link when socat is
 * missing), then the instrument's driver streams its frames over gRPC into a PyMoDAQ-layout file
 * (live progress: frames, rate, MB/s, acknowledged, dropped, CRC errors). The TypeScript client
 * then adds a snapshot and a 2D scan of a synthetic spectrometer-camera to the same file, browses
 * it through the server and prints its tree and path.
 *   --out DIR      the server's data root (default ./out)
 *   --driver NAME  the simulated instrument: usb2000 (default), tcd1304, camera, sr830, dmm
 *   --frames N     frames to acquire from it (default 500)
 *   --layout L     pymodaq4 (default) or pymodaq3: the PyMoDAQ tree of the file
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSaverClient, type FileNode, SaverClientError } from "@h5saver/client";
import {
  acquire,
  type DriverName,
  isDeviceError,
  progressText,
  startMemorySimulator,
  startPtySimulator,
} from "@h5saver/hardware";
import { formatTree, ProgressLine, pymodaqFilePath, SaverError } from "@h5saver/service";
import { createSaverServer } from "@h5saver/service/rpc/saver-server";
import { hasSocat } from "./socat.ts";
import { SyntheticDetector } from "./synthetic-detector.ts";

const DRIVERS: readonly DriverName[] = ["usb2000", "tcd1304", "camera", "sr830", "dmm"];
const { values } = parseArgs({
  options: {
    out: { type: "string", default: "out" },
    driver: { type: "string", default: "usb2000" },
    frames: { type: "string", default: "500" },
    layout: { type: "string", default: "pymodaq4" },
  },
});
const frames = Number(values.frames);
const driver = DRIVERS.find((name) => name === values.driver);
const layout =
  values.layout === "pymodaq3" ? "pymodaq3" : values.layout === "pymodaq4" ? "pymodaq4" : undefined;
if (!Number.isInteger(frames) || frames < 1 || layout === undefined || driver === undefined) {
  console.error(
    `usage: npm run demo -- [--out DIR] [--driver ${DRIVERS.join("|")}] [--frames N>=1] [--layout pymodaq4|pymodaq3]`,
  );
  process.exit(2);
}

function attributeText(node: FileNode, name: string): string {
  const value = node.attributes[name];
  return value === undefined || value === null ? "" : String(value);
}

/** The instrument: on a pty when socat is here, else on an in-memory link (same wire protocol). */
async function startInstrument(name: DriverName) {
  if (await hasSocat()) {
    const pty = await startPtySimulator(name);
    return { port: pty.port, close: () => pty.close() };
  }
  const memory = startMemorySimulator(name);
  return { port: memory.port, openTransport: memory.openTransport, close: () => memory.close() };
}

async function main(chosen: DriverName, flavour: "pymodaq4" | "pymodaq3"): Promise<void> {
  const root = path.resolve(values.out);
  mkdirSync(root, { recursive: true });
  const server = createSaverServer({ root });
  const address = `127.0.0.1:${await server.listen(0, "127.0.0.1")}`;
  console.log(`h5saver serving on ${address}, data root ${root}`);
  const instrument = await startInstrument(chosen);
  console.log(`simulated ${chosen} on ${instrument.port}`);
  const client = createSaverClient(address);
  const progress = new ProgressLine();
  try {
    // named as PyMoDAQ names a dataset: <YYYY>/<YYYYMMDD>/Dataset_<YYYYMMDD>_<iii>.h5
    const relative = path.relative(root, pymodaqFilePath({ basePath: root, saveType: "scan" }));
    const summary = await acquire({
      driver: chosen,
      port: instrument.port,
      server: address,
      file: relative,
      frames,
      saveType: "scan",
      layout: flavour,
      ...(instrument.openTransport ? { openTransport: instrument.openTransport } : {}),
      onProgress: (p) => progress.update(`acquiring: ${progressText(p)}`),
    });
    progress.done(
      `acquired ${summary.frames} frames from the ${chosen} in ${summary.seconds.toFixed(1)} s ` +
        `(${(summary.bytes / 1e6).toFixed(1)} MB), ${summary.acknowledged} acknowledged durable, ` +
        `${summary.dropped} dropped, ${summary.crcErrors} CRC errors`,
    );
    if (summary.error) throw summary.error;

    const file = await client.openFile({ path: relative, mode: "append", layout: flavour });
    const detector = new SyntheticDetector();
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
    await file.addLog(
      `h5saver demo: ${summary.frames} frames from a simulated ${chosen}, then a snapshot and a scan`,
    );

    const tree = await file.browse({ attributes: true });
    const closed = await file.close();
    console.log(formatTree(tree, attributeText));
    console.log(`\nwrote ${path.join(root, closed.path)} (${(closed.sizeBytes / 1e6).toFixed(1)} MB)`);
  } finally {
    client.close();
    await instrument.close();
    await server.close();
  }
}

main(driver, layout).catch((error: unknown) => {
  const failure = error instanceof SaverClientError || isDeviceError(error) ? error : SaverError.from(error);
  console.error(`demo failed (${failure.code}): ${failure.message}`);
  process.exit(1);
});
