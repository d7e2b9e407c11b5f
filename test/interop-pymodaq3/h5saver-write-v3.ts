/**
 * Writes the pymodaq3 interop cases (cases.json beside this file) with h5saver in the PyMoDAQ 3.x
 * layout into OUTDIR: snapshot.h5, continuous.h5, scan1d.h5 and scan2d.h5, the files
 * pymodaq3_reference.py writes with PyMoDAQ 3 itself.
 * Usage: node --import tsx test/interop-pymodaq3/h5saver-write-v3.ts CASES.json OUTDIR
 */
import path from "node:path";
import { SaverFile } from "../../service/src/index.ts";
import { type Cases, frame, readCases } from "../interop/cases.ts";

const [casesFile, outDir] = process.argv.slice(2);
if (!casesFile || !outDir) {
  console.error("usage: h5saver-write-v3.ts CASES.json OUTDIR");
  process.exit(2);
}
const cases = readCases(casesFile) as Cases & { scan2d: Cases["scan"] };

function open(name: string, saveType: "detector" | "scan"): Promise<SaverFile> {
  return SaverFile.open({
    path: path.join(outDir as string, name),
    mode: "overwrite",
    saveType,
    layout: "pymodaq3",
  });
}

async function snapshot(): Promise<void> {
  const file = await open("snapshot.h5", "detector");
  const det = await file.addDetector(cases.detector.title, cases.detector.settings_xml);
  const dte = frame(cases, 0);
  // the first DataWithAxes carries a background, as DAQ_Viewer's when one is set
  await file.saveSnapshot(det, {
    ...dte,
    data: dte.data.map((d, i) => (i === 0 ? { ...d, background: d.data } : d)),
  });
  await file.addLog(...cases.log_lines);
  await file.close();
}

async function continuous(): Promise<void> {
  const file = await open("continuous.h5", "detector");
  const det = await file.addDetector(cases.detector.title, cases.detector.settings_xml);
  const stream = await file.startContinuous(det);
  for (let k = 0; k < cases.continuous.frames; k++) await file.append(stream, frame(cases, k));
  await file.endContinuous(stream);
  await file.addLog(...cases.log_lines);
  await file.close();
}

async function scan(name: string, def: Cases["scan"]): Promise<void> {
  const file = await open(name, "scan");
  const scanPath = await file.beginScan({
    title: def.title,
    settingsXml: def.settings_xml,
    shape: def.shape,
    navAxes: def.nav_axes.map((a) => ({ label: a.label, units: a.units, index: a.index, data: a.data })),
  });
  const det = await file.addScanDetector(scanPath, cases.detector.title, cases.detector.settings_xml);
  const [nx = 1, ny = 1] = def.shape;
  let p = 0;
  for (let ix = 0; ix < nx; ix++) {
    for (let iy = 0; iy < ny; iy++) {
      await file.saveScanPoint(scanPath, det, def.shape.length === 1 ? [ix] : [ix, iy], frame(cases, p));
      p++;
    }
  }
  await file.endScan(scanPath);
  await file.addLog(...cases.log_lines);
  await file.close();
}

await snapshot();
await continuous();
await scan("scan1d.h5", cases.scan);
await scan("scan2d.h5", cases.scan2d);
console.log(`wrote snapshot.h5, continuous.h5, scan1d.h5, scan2d.h5 in ${outDir}`);
