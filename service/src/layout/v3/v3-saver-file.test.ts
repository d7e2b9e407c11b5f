import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import type { H5Backend } from "../../backend/h5-backend.ts";
import { openH5wasmFile } from "../../backend/h5wasm-backend.ts";
import { SaverError } from "../../errors.ts";
import type { DataToExportInput } from "../../model/data-to-export.ts";
import { tempDir } from "../../testing/temp-dir.ts";
import { openSaverFile } from "../../worker/worker-saver-file.ts";
import { H5Saver } from "../h5-saver.ts";
import { decodeAttribute } from "../pymodaq-attribute.ts";
import { SaverFile } from "../saver-file.ts";

const dir = tempDir();

function frame(k: number): DataToExportInput {
  return {
    name: "det",
    timestamp: 1000 + k * 0.5,
    data: [
      {
        name: "Spectrum",
        data: [Uint16Array.of(k, k + 1, k + 2)],
        labels: ["counts"],
        units: "V",
        axes: [{ label: "wl", units: "nm", data: [400, 500, 600], index: 0 }],
      },
      { name: "Power", data: [Float64Array.of(k / 2)], labels: ["p"], units: "W" },
    ],
  };
}

async function inFile<T>(file: string, read: (backend: H5Backend) => Promise<T>): Promise<T> {
  const backend = await openH5wasmFile(file, "read");
  try {
    return await read(backend);
  } finally {
    await backend.close();
  }
}

async function attr(backend: H5Backend, node: string, name: string): Promise<unknown> {
  return decodeAttribute((await backend.getAttributes(node))[name]);
}

async function names(backend: H5Backend, node: string): Promise<string[]> {
  return (await backend.children(node)).map((c) => c.name).sort();
}

describe("SaverFile with layout 'pymodaq3'", () => {
  it("saves a snapshot as DAQ_Viewer 3: Raw_datas/Detector000/Data1D/Ch000/Data, cast to float64", async () => {
    const file = path.join(dir, "snapshot.h5");
    const saver = await SaverFile.open({ path: file, mode: "overwrite", layout: "pymodaq3" });
    assert.equal(saver.layout, "pymodaq3");
    const det = await saver.addDetector("Spectro", "<All_settings/>");
    assert.equal(det, "/Raw_datas/Detector000");
    const channels = await saver.saveSnapshot(det, frame(1));
    assert.deepEqual(channels, [
      "/Raw_datas/Detector000/Data1D/Ch000",
      "/Raw_datas/Detector000/Data0D/Ch000",
    ]);
    await saver.addLog("done");
    await saver.close();
    await inFile(file, async (b) => {
      assert.deepEqual(await names(b, "/"), ["Raw_datas"]);
      assert.deepEqual(await names(b, "/Raw_datas"), ["Detector000", "Logger"]);
      assert.equal(await attr(b, "/", "pymodaq_version"), "3.6.13");
      assert.equal(await attr(b, "/Raw_datas", "type"), "detector");
      assert.equal(await attr(b, "/Raw_datas/Logger", "CLASS"), "EARRAY");
      assert.deepEqual(await attr(b, "/Raw_datas/Logger", "shape"), [1]);
      const ch = "/Raw_datas/Detector000/Data1D/Ch000";
      assert.deepEqual(await names(b, ch), ["Data", "X_axis"]);
      assert.equal(await attr(b, ch, "TITLE"), "counts");
      assert.equal(await attr(b, ch, "type"), "");
      assert.equal(await attr(b, `${ch}/Data`, "type"), "data");
      assert.equal(await attr(b, `${ch}/Data`, "data_dimension"), "1D");
      assert.equal(await attr(b, `${ch}/Data`, "scan_type"), "");
      assert.equal(await attr(b, `${ch}/Data`, "dtype"), "float64");
      assert.equal((await b.getAttributes(`${ch}/Data`)).data_type, undefined);
      assert.deepEqual(await b.read(`${ch}/Data`), Float64Array.of(1, 2, 3));
      assert.equal(await attr(b, `${ch}/X_axis`, "type"), "axis");
      assert.equal(await attr(b, `${ch}/X_axis`, "units"), "nm");
      const power = "/Raw_datas/Detector000/Data0D/Ch000/Data";
      assert.equal(await attr(b, power, "data_dimension"), "0D");
      assert.deepEqual((await b.datasetInfo(power)).shape, [1]);
    });
  });

  it("scans as DAQ_Scan 3: navigation arrays in ScanNNN, zeros of scan + frame shape filled in place", async () => {
    const file = path.join(dir, "scan.h5");
    const saver = await SaverFile.open({
      path: file,
      mode: "overwrite",
      saveType: "scan",
      layout: "pymodaq3",
    });
    const scan = await saver.beginScan({
      title: "raster",
      shape: [2, 3],
      navAxes: [
        { label: "x", units: "mm", index: 0, data: [0, 1] },
        { label: "y", units: "mm", index: 1, data: [5, 6, 7] },
      ],
    });
    assert.equal(scan, "/Raw_datas/Scan000");
    const det = await saver.addScanDetector(scan, "Spectro");
    await saver.saveScanPoint(scan, det, [1, 2], frame(4));
    await saver.endScan(scan);
    await saver.close();
    await inFile(file, async (b) => {
      assert.deepEqual(await names(b, scan), ["Detector000", "Scan_x_axis", "Scan_y_axis"]);
      assert.equal(await attr(b, scan, "scan_done"), true);
      assert.equal(await attr(b, scan, "scan_type"), "Scan2D");
      assert.deepEqual(await b.read(`${scan}/Scan_y_axis`), Float64Array.of(5, 6, 7, 5, 6, 7));
      assert.equal(await attr(b, `${scan}/Scan_y_axis`, "nav_index"), 1);
      assert.equal(await attr(b, `${scan}/Detector000`, "name"), "Spectro");
      const data = `${scan}/Detector000/Data1D/Ch000/Data`;
      assert.deepEqual((await b.datasetInfo(data)).shape, [2, 3, 3]);
      assert.equal(await attr(b, data, "scan_type"), "scan2D");
      assert.equal(await attr(b, data, "scan_subtype"), "Linear");
      const values = (await b.read(data)) as Float64Array;
      assert.deepEqual([...values.slice(15, 18)], [4, 5, 6]);
      assert.deepEqual([...values.slice(0, 15)], new Array(15).fill(0));
      const power = `${scan}/Detector000/Data0D/Ch000/Data`;
      assert.deepEqual((await b.datasetInfo(power)).shape, [2, 3]);
      assert.equal(((await b.read(power)) as Float64Array)[5], 2);
    });
  });

  it("streams as DAQ_Viewer 3: a 'Continuous Saving' scan group with Detector_x_axis and Data EARRAYs", async () => {
    const file = path.join(dir, "continuous.h5");
    const saver = await SaverFile.open({
      path: file,
      mode: "overwrite",
      layout: "pymodaq3",
      dataDtype: "int32",
      flush: { maxFrames: 2, maxDelayMs: 10_000 },
    });
    const det = await saver.addDetector("Spectro", "<All_settings/>");
    const stream = await saver.startContinuous(det);
    assert.equal(stream, "/Raw_datas/Scan000/Detector000");
    for (let k = 0; k < 3; k++) await saver.append(stream, frame(k));
    assert.deepEqual(await saver.endContinuous(stream), {
      frames: 3,
      durableFrames: 3,
      framesPerChunk: 0,
    });
    await assert.rejects(saver.saveSnapshot(stream, frame(0)), (e) => e instanceof SaverError);
    await saver.close();
    await inFile(file, async (b) => {
      const scan = "/Raw_datas/Scan000";
      assert.equal(await attr(b, scan, "TITLE"), "Continuous Saving");
      assert.equal(await attr(b, scan, "type"), "scan");
      assert.equal(await attr(b, `${scan}/Detector000`, "TITLE"), "Spectro");
      assert.deepEqual(await attr(b, `${scan}/Detector000`, "settings"), await attr(b, det, "settings"));
      const time = `${scan}/Detector_x_axis`;
      assert.equal(await attr(b, time, "CLASS"), "EARRAY");
      assert.equal(await attr(b, time, "units"), "second");
      assert.deepEqual(await b.read(time), Float64Array.of(0, 0.5, 1));
      const data = `${scan}/Detector000/Data1D/Ch000/Data`;
      assert.deepEqual((await b.datasetInfo(data)).maxShape, [null, 3]);
      assert.deepEqual(await attr(b, data, "shape"), [3, 3]);
      assert.equal(await attr(b, data, "dtype"), "int32");
      assert.deepEqual(await b.read(data), Int32Array.of(0, 1, 2, 1, 2, 3, 2, 3, 4));
      const power = `${scan}/Detector000/Data0D/Ch000/Data`;
      assert.deepEqual((await b.datasetInfo(power)).shape, [3]);
      assert.deepEqual(await b.read(power), Int32Array.of(0, 0, 1)); // 0, 0.5, 1 truncated
    });
  });

  it("refuses what has no 3.x form before making any node, with a message saying what to do", async () => {
    const file = path.join(dir, "refused.h5");
    const saver = await SaverFile.open({ path: file, mode: "overwrite", layout: "pymodaq3" });
    const det = await saver.addDetector("Spectro");
    const withErrors: DataToExportInput = {
      name: "det",
      data: [{ name: "E", data: [Float64Array.of(1, 2)], errors: [Float64Array.of(0.1, 0.1)] }],
    };
    await assert.rejects(saver.saveSnapshot(det, withErrors), (e) => {
      assert.ok(e instanceof SaverError);
      assert.equal(e.code, "invalid_data");
      assert.match(e.message, /pymodaq4 layout/);
      return true;
    });
    const stream = await saver.startContinuous(await saver.addDetector("other"));
    await assert.rejects(
      saver.append(stream, withErrors),
      (e) => e instanceof SaverError && e.code === "invalid_data",
    );
    await assert.rejects(
      saver.beginScan({ title: "s", shape: [2, 2], navAxes: [{ index: 0, data: [0, 1] }] }),
      (e) => e instanceof SaverError && e.code === "invalid_data" && e.details.field === "navAxes",
    );
    await saver.close();
    await inFile(file, async (b) => {
      assert.deepEqual(await names(b, det), []);
      assert.deepEqual(await names(b, stream), []);
      // the stream's groups only: the refused scan made no Scan001
      assert.deepEqual(await names(b, "/Raw_datas"), ["Detector000", "Detector001", "Logger", "Scan000"]);
    });
    await assert.rejects(
      SaverFile.open({ path: path.join(dir, "actuator.h5"), layout: "pymodaq3", saveType: "actuator" }),
      (e) => e instanceof SaverError && e.details.field === "saveType",
    );
  });

  it("adds to a 3.x file in append mode and keeps counting its groups and log rows", async () => {
    const file = path.join(dir, "append.h5");
    const first = await SaverFile.open({ path: file, mode: "overwrite", layout: "pymodaq3" });
    await first.addDetector("one");
    await first.addLog("a");
    await first.close();
    await assert.rejects(
      SaverFile.open({ path: file, mode: "append" }),
      (e) => e instanceof SaverError && /layout 'pymodaq3'/.test(e.message),
    );
    const again = await SaverFile.open({ path: file, mode: "append", layout: "pymodaq3" });
    assert.equal(await again.addDetector("two"), "/Raw_datas/Detector001");
    await again.addLog("b");
    await again.close();
    await inFile(file, async (b) => {
      assert.deepEqual(await attr(b, "/Raw_datas/Logger", "shape"), [2]);
      assert.deepEqual(await b.readStrings("/Raw_datas/Logger"), ["Va\n.", "Vb\n."]);
    });
  });

  it("travels through the writer thread (openSaverFile)", async () => {
    const file = path.join(dir, "worker.h5");
    const saver = await openSaverFile({
      path: file,
      mode: "overwrite",
      layout: "pymodaq3",
      dataDtype: "uint16",
    });
    try {
      await saver.saveSnapshot(await saver.addDetector("cam"), {
        name: "cam",
        data: [{ name: "img", data: [Float64Array.of(1.5, 2.5, 3.5, 4.5)], shape: [2, 2] }],
      });
    } finally {
      await saver.close();
    }
    await inFile(file, async (b) => {
      const data = "/Raw_datas/Detector000/Data2D/Ch000/Data";
      assert.equal(await attr(b, data, "data_dimension"), "2D");
      assert.deepEqual(await b.read(data), Uint16Array.of(1, 2, 3, 4));
    });
  });
});

describe("H5Saver with layout 'pymodaq3'", () => {
  it("builds the tree call by call as PyMoDAQ 3's H5Saver: Ch000 channels, one Data each, enlargeable rows", async () => {
    const saver = await H5Saver.initFile({
      basePath: dir,
      addhocFilePath: "h5saver-v3.h5",
      saveType: "detector",
      layout: "pymodaq3",
    });
    assert.equal(saver.rawGroup, "/Raw_datas");
    const det = await saver.addDetGroup(saver.rawGroup, "Lock-in");
    const group = await saver.addDataGroup(det, "data1D");
    const channel = await saver.addChannelGroup(group, "X");
    assert.equal(channel, "/Raw_datas/Detector000/Data1D/Ch000");
    const input = {
      name: "X",
      data: [Float64Array.of(1, 2)],
      axes: [{ label: "t", data: [0, 1], index: 0 }],
    };
    assert.deepEqual(await saver.addData(channel, input), [`${channel}/Data`]);
    const rows = await saver.addChannelGroup(group, "rows");
    await saver.addData(rows, input, { enlargeable: true });
    await saver.addData(rows, { ...input, data: [Float64Array.of(3, 4)] }, { enlargeable: true });
    await assert.rejects(
      saver.addData(rows, { name: "two", data: [Float64Array.of(1, 2), Float64Array.of(3, 4)] }),
      (e) => e instanceof SaverError && e.code === "invalid_data",
    );
    const scan = await saver.addScanGroup("scan");
    assert.equal(scan, "/Raw_datas/Scan000");
    await saver.close();
    await inFile(saver.filePath, async (b) => {
      assert.equal(await attr(b, group, "type"), "");
      assert.equal(await attr(b, group, "backend"), "tables");
      assert.equal(await attr(b, scan, "settings"), "");
      assert.equal(await attr(b, scan, "description"), "");
      assert.deepEqual(await names(b, rows), ["Data", "X_axis"]);
      assert.deepEqual(await b.read(`${rows}/Data`), Float64Array.of(1, 2, 3, 4));
      assert.deepEqual(await attr(b, `${rows}/Data`, "shape"), [2, 2]);
      assert.equal(await attr(b, `${rows}/Data`, "scan_type"), "scan1D");
    });
  });

  it("writes DAQ_Scan 3's adaptive scans: enlargeable navigation axis and Data rows appended point by point", async () => {
    const saver = await H5Saver.initFile({
      basePath: dir,
      addhocFilePath: "adaptive.h5",
      saveType: "scan",
      layout: "pymodaq3",
    });
    const scan = await saver.addScanGroup("adaptive", "<All_settings/>");
    await saver.setAttributes(scan, { scan_type: "Scan1D", scan_done: false });
    const nav = await saver.addNavigationAxis(scan, "x_axis", [], {
      label: "x",
      units: "mm",
      navIndex: 0,
      enlargeable: true,
    });
    assert.equal(nav, "/Raw_datas/Scan000/Scan_x_axis");
    await assert.rejects(
      saver.addNavigationAxis(scan, "w_axis", [1], { navIndex: 0 }),
      (e) => e instanceof SaverError,
    );
    const channel = await saver.addChannelGroup(
      await saver.addDataGroup(await saver.addDetGroup(scan, "d"), "data0D"),
      "p",
    );
    for (const [p, x] of [0.5, 0.1, 0.9].entries()) {
      await saver.appendNavigation(nav, x);
      await saver.addData(
        channel,
        { name: "p", data: [Float64Array.of(p)] },
        { enlargeable: true, scanType: "Scan1D", scanSubtype: "Adaptive" },
      );
    }
    await assert.rejects(saver.appendNavigation(`${channel}/Data`, 1), (e) => e instanceof SaverError);
    await saver.close();
    await inFile(saver.filePath, async (b) => {
      assert.deepEqual(await b.read(nav), Float64Array.of(0.5, 0.1, 0.9));
      assert.deepEqual(await attr(b, nav, "shape"), [3]);
      assert.equal(await attr(b, nav, "CLASS"), "EARRAY");
      assert.equal(await attr(b, nav, "nav_index"), 0);
      assert.equal(await attr(b, scan, "scan_done"), false);
      assert.equal(await attr(b, `${channel}/Data`, "scan_type"), "scan1D");
      assert.equal(await attr(b, `${channel}/Data`, "scan_subtype"), "Adaptive");
      assert.deepEqual(await b.read(`${channel}/Data`), Float64Array.of(0, 1, 2));
    });
  });

  it("keeps PyMoDAQ 3's calls to the pymodaq3 layout", async () => {
    const saver = await H5Saver.initFile({ basePath: dir, addhocFilePath: "v4.h5", saveType: "scan" });
    try {
      await assert.rejects(
        saver.addNavigationAxis("/RawData", "x_axis", [1], { navIndex: 0 }),
        (e) => e instanceof SaverError,
      );
      const channel = await saver.addChannelGroup(
        await saver.addDataGroup(await saver.addDetGroup(saver.rawGroup, "d"), "data1D"),
        "c",
      );
      await assert.rejects(
        saver.addData(
          channel,
          { name: "c", data: [Float64Array.of(1, 2)] },
          { enlargeable: true, scanSubtype: "Adaptive" },
        ),
        (e) => e instanceof SaverError && e.details.field === "scanType",
      );
    } finally {
      await saver.close();
    }
  });
});
