import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { openH5wasmFile } from "../../backend/h5wasm-backend.ts";
import { tempDir } from "../../testing/temp-dir.ts";
import { SaverFile } from "../saver-file.ts";
import { isLayoutV3, PyMoDAQ3Loader } from "./v3-loader.ts";

const dir = tempDir();

async function load(file: string) {
  const backend = await openH5wasmFile(file, "read");
  try {
    const loader = new PyMoDAQ3Loader(backend);
    return { layout3: await isLayoutV3(backend), data: await loader.loadAll(), log: await loader.logLines() };
  } finally {
    await backend.close();
  }
}

describe("PyMoDAQ3Loader", () => {
  it("reads a 3.x scan back: one DataWithAxes per channel, scan dimensions first with their axes", async () => {
    const file = path.join(dir, "scan.h5");
    const saver = await SaverFile.open({
      path: file,
      mode: "overwrite",
      saveType: "scan",
      layout: "pymodaq3",
    });
    const scan = await saver.beginScan({
      title: "line",
      shape: [3],
      navAxes: [{ label: "z", units: "um", index: 0, data: [3, 1, 2] }],
    });
    const det = await saver.addScanDetector(scan, "spectro");
    for (let p = 0; p < 3; p++) {
      await saver.saveScanPoint(scan, det, [p], {
        name: "d",
        data: [
          {
            name: "Spec",
            data: [Float64Array.of(p, p + 1)],
            labels: ["s"],
            units: "V",
            axes: [{ label: "wl", units: "nm", data: [7, 8], index: 0 }],
          },
        ],
      });
    }
    await saver.addLog("é ok");
    await saver.close();
    const { layout3, data, log } = await load(file);
    assert.equal(layout3, true);
    assert.deepEqual(log, ["é ok"]);
    assert.equal(data.length, 1);
    const dwa = data[0]?.dwa;
    assert.equal(data[0]?.path, "/Raw_datas/Scan000/Detector000/Data1D/Ch000/Data");
    assert.equal(dwa?.name, "Spec");
    assert.deepEqual(dwa?.labels, ["s"]);
    assert.equal(dwa?.units, "V");
    assert.deepEqual(dwa?.shape, [3, 2]);
    assert.deepEqual(dwa?.navIndexes, [0]);
    assert.deepEqual(dwa?.data[0], Float64Array.of(0, 1, 1, 2, 2, 3));
    const axes = Object.fromEntries((dwa?.axes ?? []).map((a) => [a.label, [a.units, a.index, [...a.data]]]));
    // PyMoDAQ 3 reads navigation axes as np.unique of the visited positions: sorted
    assert.deepEqual(axes, { wl: ["nm", 1, [7, 8]], z: ["um", 0, [1, 2, 3]] });
  });

  it("says a 4.x file is not a 3.x file", async () => {
    const file = path.join(dir, "v4.h5");
    await (await SaverFile.open({ path: file, mode: "overwrite" })).close();
    assert.equal((await load(file)).layout3, false);
  });
});
