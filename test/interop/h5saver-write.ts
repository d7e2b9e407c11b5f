/**
 * Writes the interop cases (cases.json) with h5saver into OUTDIR: snapshot.h5, continuous.h5 and
 * scan.h5, the same three files test/interop/pymodaq_reference.py writes with PyMoDAQ itself, plus
 * continuous-gzip.h5 and continuous-blosc.h5 (the continuous file, compressed).
 * With --via-service the same calls go through the gRPC service (a server on 127.0.0.1 whose data
 * root is OUTDIR, and the TypeScript client), so that those files face the same checks.
 * Usage: node --import tsx test/interop/h5saver-write.ts CASES.json OUTDIR [--via-service]
 */
import path from "node:path";
import { createSaverClient, type RemoteFile } from "@h5saver/client";
import { createSaverServer } from "@h5saver/service/rpc/saver-server";
import {
  type Compression,
  type DataToExportInput,
  SaverFile,
  type SaveType,
  type ScanInput,
} from "../../service/src/index.ts";
import { frame, readCases } from "./cases.ts";

const [casesFile, outDir, flag] = process.argv.slice(2);
if (!casesFile || !outDir || (flag !== undefined && flag !== "--via-service")) {
  console.error("usage: h5saver-write.ts CASES.json OUTDIR [--via-service]");
  process.exit(2);
}
const cases = readCases(casesFile);

/** The calls the cases make, on the writer in this process or on a file of the service. */
interface CaseFile {
  addDetector(title: string, settingsXml: string, scan?: string): Promise<string>;
  saveSnapshot(detector: string, dte: DataToExportInput): Promise<unknown>;
  stream(detector: string, frames: DataToExportInput[]): Promise<void>;
  beginScan(scan: ScanInput): Promise<string>;
  saveScanPoint(scan: string, detector: string, indexes: number[], dte: DataToExportInput): Promise<unknown>;
  endScan(scan: string): Promise<unknown>;
  addLog(...lines: string[]): Promise<void>;
  close(): Promise<unknown>;
}
type Open = (name: string, saveType: SaveType, compression: Compression) => Promise<CaseFile>;

const inProcess: Open = async (name, saveType, compression) => {
  const file = await SaverFile.open({
    path: path.join(outDir, name),
    mode: "overwrite",
    saveType,
    compression,
  });
  return {
    addDetector: (title, xml, scan) =>
      scan ? file.addScanDetector(scan, title, xml) : file.addDetector(title, xml),
    saveSnapshot: (detector, dte) => file.saveSnapshot(detector, dte),
    async stream(detector, frames) {
      const stream = await file.startContinuous(detector);
      for (const dte of frames) await file.append(stream, dte);
      await file.endContinuous(stream);
    },
    beginScan: (scan) => file.beginScan(scan),
    saveScanPoint: (scan, detector, indexes, dte) => file.saveScanPoint(scan, detector, indexes, dte),
    endScan: (scan) => file.endScan(scan),
    addLog: (...lines) => file.addLog(...lines),
    close: () => file.close(),
  };
};

function remoteCaseFile(file: RemoteFile): CaseFile {
  return {
    addDetector: (title, xml, scan) => file.addDetector(title, xml, scan),
    saveSnapshot: (detector, dte) => file.saveSnapshot(detector, dte),
    async stream(detector, frames) {
      const upload = await file.startContinuous(detector);
      await upload.sendAll(frames);
      await upload.end();
    },
    beginScan: (scan) => file.beginScan(scan),
    saveScanPoint: (scan, detector, indexes, dte) => file.saveScanPoint(scan, detector, indexes, dte),
    endScan: (scan) => file.endScan(scan),
    addLog: (...lines) => file.addLog(...lines),
    close: () => file.close(),
  };
}

async function snapshot(open: Open): Promise<void> {
  const file = await open("snapshot.h5", "detector", { kind: "none" });
  const det = await file.addDetector(cases.detector.title, cases.detector.settings_xml);
  const dte = frame(cases, 0);
  await file.saveSnapshot(det, {
    ...dte,
    data: dte.data.map((d, i) => (i === 0 ? { ...d, background: d.data } : d)),
  });
  await file.addLog(...cases.log_lines);
  await file.close();
}

async function continuous(open: Open, name = "continuous.h5", compression: Compression = { kind: "none" }) {
  const file = await open(name, "detector", compression);
  const det = await file.addDetector(cases.detector.title, cases.detector.settings_xml);
  await file.stream(
    det,
    Array.from({ length: cases.continuous.frames }, (_, k) => frame(cases, k)),
  );
  await file.addLog(...cases.log_lines);
  await file.close();
}

async function scan(open: Open): Promise<void> {
  const file = await open("scan.h5", "scan", { kind: "none" });
  const scanPath = await file.beginScan({
    title: cases.scan.title,
    settingsXml: cases.scan.settings_xml,
    shape: cases.scan.shape,
    navAxes: cases.scan.nav_axes.map((a) => ({
      label: a.label,
      units: a.units,
      index: a.index,
      spreadOrder: a.spread_order,
      data: a.data,
    })),
  });
  const det = await file.addDetector(cases.detector.title, cases.detector.settings_xml, scanPath);
  const [nx = 1, ny = 1] = cases.scan.shape;
  let p = 0;
  for (let ix = 0; ix < nx; ix++) {
    for (let iy = 0; iy < ny; iy++) {
      const indexes = cases.scan.shape.length === 1 ? [ix] : [ix, iy];
      await file.saveScanPoint(scanPath, det, indexes, frame(cases, p));
      p++;
    }
  }
  await file.endScan(scanPath);
  await file.addLog(...cases.log_lines);
  await file.close();
}

async function writeAll(open: Open): Promise<void> {
  await snapshot(open);
  await continuous(open);
  await continuous(open, "continuous-gzip.h5", { kind: "gzip", level: 4 });
  await continuous(open, "continuous-blosc.h5", { kind: "blosc-lz4", level: 5 });
  await scan(open);
}

if (flag === "--via-service") {
  const server = createSaverServer({ root: outDir });
  const client = createSaverClient(`127.0.0.1:${await server.listen(0)}`);
  try {
    await writeAll(async (name, saveType, compression) =>
      remoteCaseFile(await client.openFile({ path: name, mode: "overwrite", saveType, compression })),
    );
  } finally {
    client.close();
    await server.close();
  }
} else {
  await writeAll(inProcess);
}
console.log(`wrote snapshot.h5, continuous.h5, scan.h5 in ${outDir}${flag ? " through the service" : ""}`);
