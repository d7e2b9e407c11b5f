import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { SaverError } from "../errors.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { H5Saver } from "./h5-saver.ts";
import { PyMoDAQLoader } from "./loader.ts";

const dir = tempDir();

describe("H5Saver.initFile()", () => {
  it("names scan files Dataset_<date>_<iii>.h5, a new index per updateH5, the same file without it", async () => {
    const first = await H5Saver.initFile({ basePath: dir, saveType: "scan" });
    await first.close();
    assert.match(first.filePath, /\/\d{4}\/\d{8}\/Dataset_\d{8}_000\.h5$/);
    const second = await H5Saver.initFile({ basePath: dir, saveType: "scan", updateH5: true });
    await second.close();
    assert.match(second.filePath, /Dataset_\d{8}_001\.h5$/);
    const clash = H5Saver.initFile({ basePath: dir, saveType: "detector", addhocFilePath: first.filePath });
    await assert.rejects(clash, (e) => e instanceof SaverError && e.code === "file_unavailable");
    const addhoc = await H5Saver.initFile({ basePath: dir, addhocFilePath: "mine/exact.h5" });
    await addhoc.addLog("first");
    await addhoc.close();
    assert.equal(addhoc.filePath, path.join(dir, "mine/exact.h5"));
    const again = await H5Saver.initFile({ basePath: dir, addhocFilePath: "mine/exact.h5", updateH5: false });
    await again.addLog("second");
    await again.close();
    const backend = await openH5wasmFile(again.filePath, "read");
    assert.deepEqual(await new PyMoDAQLoader(backend).logLines(), ["first", "second"]);
    await backend.close();
  });
});

describe("H5Saver tree calls", () => {
  it("builds Detector000/Data1D/CH00 and saves CARRAYs and enlargeable rows into it", async () => {
    const saver = await H5Saver.initFile({ basePath: dir, customNaming: "tree", saveType: "detector" });
    const det = await saver.addDetGroup(saver.rawGroup, "spectro", "<All_settings/>");
    const data1D = await saver.addDataGroup(det, "data1D");
    const ch0 = await saver.addChannelGroup(data1D, "snap");
    const ch1 = await saver.addChannelGroup(data1D, "stream");
    assert.deepEqual(
      [det, data1D, ch0, ch1],
      [
        "/RawData/Detector000",
        "/RawData/Detector000/Data1D",
        "/RawData/Detector000/Data1D/CH00",
        "/RawData/Detector000/Data1D/CH01",
      ],
    );
    await saver.addData(ch0, {
      name: "snap",
      data: [Float64Array.of(1, 2, 3)],
      axes: [{ label: "x", data: [0, 1, 2] }],
    });
    for (let k = 0; k < 4; k++) {
      await saver.addData(ch1, { name: "stream", data: [Float64Array.of(k, k, k)] }, { enlargeable: true });
    }
    await assert.rejects(
      saver.addData(ch1, { name: "stream", data: [Float64Array.of(1, 2)] }, { enlargeable: true }),
      (e) => e instanceof SaverError && e.code === "frame_mismatch" && /rows of \[3\]/.test(e.message),
    );
    assert.equal(await saver.isNodeInGroup(ch0, "Data00"), true);
    assert.equal(await saver.isNodeInGroup(ch0, "Data01"), false);
    assert.throws(() => saver.addDataGroup(det, "data3D"), /must be one of data0D/);
    await saver.close();

    const backend = await openH5wasmFile(saver.filePath, "read");
    const loaded = await new PyMoDAQLoader(backend).loadAll();
    await backend.close();
    assert.deepEqual(
      loaded.map((l) => [l.path, l.dwa.shape]),
      [
        ["/RawData/Detector000/Data1D/CH00/Data00", [3]],
        ["/RawData/Detector000/Data1D/CH01/EnlData00", [4, 3]],
      ],
    );
    assert.deepEqual(Array.from(loaded[1]?.dwa.data[0] ?? [], Number), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });
});
