/**
 * Writes the pymodaq3 interop cases (cases.json beside this file) with h5saver in the PyMoDAQ 3.x
 * layout into OUTDIR: snapshot.h5, continuous.h5, scan1d.h5, scan2d.h5, tabular.h5 (SaverFile) and
 * adaptive.h5 (H5Saver's PyMoDAQ 3 calls, as DAQ_Scan 3's adaptive scans make them), the files
 * pymodaq3_reference.py writes with PyMoDAQ 3 itself.
 * Usage: node --import tsx test/interop-pymodaq3/h5saver-write-v3.ts CASES.json OUTDIR
 */
import path from "node:path";
import { H5Saver, SaverFile } from "../../service/src/index.ts";
import { type Cases, frame, readCases } from "../interop/cases.ts";

const [casesFile, outDir] = process.argv.slice(2);
if (!casesFile || !outDir) {
  console.error("usage: h5saver-write-v3.ts CASES.json OUTDIR");
  process.exit(2);
}
interface AdaptiveCase {
  title: string;
  settings_xml: string;
  label: string;
  units: string;
  positions: number[];
}
type ScanCase = Cases["scan"] & { distribution?: "uniform" | "spread" };
const cases = readCases(casesFile) as Cases & {
  scan2d: ScanCase;
  tabular: ScanCase;
  adaptive: AdaptiveCase;
  snapshot_nd: Cases["dte"]["data"];
};

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
  // the snapshot also holds N-D data (a 3.x form in snapshots only)
  const dte = frame({ ...cases, dte: { ...cases.dte, data: [...cases.dte.data, ...cases.snapshot_nd] } }, 0);
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

async function scan(name: string, def: ScanCase): Promise<void> {
  const file = await open(name, "scan");
  const scanPath = await file.beginScan({
    title: def.title,
    settingsXml: def.settings_xml,
    shape: def.shape,
    navAxes: def.nav_axes.map((a) => ({
      label: a.label,
      units: a.units,
      index: a.index,
      spreadOrder: a.spread_order,
      data: a.data,
    })),
    ...(def.distribution ? { distribution: def.distribution } : {}),
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

/** DAQ_Scan 3's adaptive scan: EARRAYs that grow by one point, positions appended as visited. */
async function adaptive(): Promise<void> {
  const def = cases.adaptive;
  const saver = await H5Saver.initFile({
    basePath: outDir as string,
    addhocFilePath: "adaptive.h5",
    saveType: "scan",
    layout: "pymodaq3",
  });
  const scan = await saver.addScanGroup(def.title, def.settings_xml);
  await saver.setAttributes(scan, { scan_type: "Scan1D", scan_done: false });
  const nav = await saver.addNavigationAxis(scan, "x_axis", [], {
    label: def.label,
    units: def.units,
    navIndex: 0,
    enlargeable: true,
  });
  const det = await saver.addDetGroup(scan, cases.detector.title, cases.detector.settings_xml);
  await saver.setAttributes(det, { name: cases.detector.title });
  const channels: { path: string; d: number; i: number }[] = [];
  for (const [d, dwa] of frame(cases, 0).data.entries()) {
    const group = await saver.addDataGroup(det, dwa.dim ?? "Data1D");
    for (const i of dwa.data.keys()) {
      channels.push({ path: await saver.addChannelGroup(group, dwa.labels?.[i] ?? ""), d, i });
    }
  }
  for (const [p, position] of def.positions.entries()) {
    await saver.appendNavigation(nav, position);
    const point = frame(cases, p);
    for (const { path, d, i } of channels) {
      const dwa = point.data[d];
      if (!dwa) continue;
      await saver.addData(
        path,
        { ...dwa, data: [dwa.data[i] as (typeof dwa.data)[number]], labels: [dwa.labels?.[i] ?? ""] },
        { enlargeable: true, scanType: "Scan1D", scanSubtype: "Adaptive" },
      );
    }
  }
  await saver.setAttributes(scan, { scan_done: true });
  await saver.addLog(...cases.log_lines);
  await saver.close();
}

await snapshot();
await continuous();
await scan("scan1d.h5", cases.scan);
await scan("scan2d.h5", cases.scan2d);
await scan("tabular.h5", cases.tabular);
await adaptive();
console.log(`wrote snapshot.h5, continuous.h5, scan1d.h5, scan2d.h5, tabular.h5, adaptive.h5 in ${outDir}`);
