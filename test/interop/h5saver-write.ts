/**
 * Writes the interop cases (cases.json) with h5saver into OUTDIR: snapshot.h5, continuous.h5 and
 * scan.h5, the same three files test/interop/pymodaq_reference.py writes with PyMoDAQ itself, plus
 * continuous-gzip.h5 and continuous-blosc.h5 (the continuous file, compressed).
 * Usage: node --import tsx test/interop/h5saver-write.ts CASES.json OUTDIR
 */
import path from "node:path";
import { type Compression, SaverFile } from "../../service/src/index.ts";
import { frame, readCases } from "./cases.ts";

const [casesFile, outDir] = process.argv.slice(2);
if (!casesFile || !outDir) {
  console.error("usage: h5saver-write.ts CASES.json OUTDIR");
  process.exit(2);
}
const cases = readCases(casesFile);

async function snapshot(): Promise<void> {
  const file = await SaverFile.open({
    path: path.join(outDir as string, "snapshot.h5"),
    mode: "overwrite",
    saveType: "detector",
  });
  const det = await file.addDetector(cases.detector.title, cases.detector.settings_xml);
  const dte = frame(cases, 0);
  await file.saveSnapshot(det, {
    ...dte,
    data: dte.data.map((d, i) => (i === 0 ? { ...d, background: d.data } : d)),
  });
  await file.addLog(...cases.log_lines);
  await file.close();
}

async function continuous(
  name = "continuous.h5",
  compression: Compression = { kind: "none" },
): Promise<void> {
  const file = await SaverFile.open({
    path: path.join(outDir as string, name),
    mode: "overwrite",
    saveType: "detector",
    compression,
  });
  const det = await file.addDetector(cases.detector.title, cases.detector.settings_xml);
  const stream = await file.startContinuous(det);
  for (let k = 0; k < cases.continuous.frames; k++) await file.append(stream, frame(cases, k));
  await file.endContinuous(stream);
  await file.addLog(...cases.log_lines);
  await file.close();
}

async function scan(): Promise<void> {
  const file = await SaverFile.open({
    path: path.join(outDir as string, "scan.h5"),
    mode: "overwrite",
    saveType: "scan",
  });
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
  const det = await file.addScanDetector(scanPath, cases.detector.title, cases.detector.settings_xml);
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

await snapshot();
await continuous();
await continuous("continuous-gzip.h5", { kind: "gzip", level: 4 });
await continuous("continuous-blosc.h5", { kind: "blosc-lz4", level: 5 });
await scan();
console.log(`wrote snapshot.h5, continuous.h5, scan.h5 in ${outDir}`);
