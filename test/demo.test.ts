/**
 * `npm run demo` as a user runs it (through scripts/demo.sh): a simulated spectrometer on a pty,
 * its driver streaming through a real server; exit status 0, the file's tree and path printed
 * last, and a file whose stream, snapshot and scan load back.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { isLayoutV3, openH5wasmFile, PyMoDAQ3Loader, PyMoDAQLoader } from "../service/src/index.ts";
import { tempDir } from "../service/src/testing/temp-dir.ts";

const root = path.resolve(import.meta.dirname, "..");

describe("npm run demo", () => {
  it("streams through a real server and prints the tree and the path of a file that loads back", async () => {
    const out = tempDir("h5saver-demo-");
    const run = spawnSync("bash", ["scripts/demo.sh", "--out", out, "--frames", "40"], {
      cwd: root,
      encoding: "utf8",
      timeout: 180_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const output = run.stdout;
    // the progress line and its summary go to stderr
    assert.match(
      run.stderr,
      /acquired 40 frames from the usb2000 .* 40 acknowledged durable, 0 dropped, 0 CRC errors/,
    );
    assert.match(output, /h5saver serving on 127\.0\.0\.1:\d+/);
    const written = /\nwrote (\S+\.h5) \(/.exec(output)?.[1];
    assert.ok(written && existsSync(written), `the last line names the file:\n${output}`);
    assert.ok(written.startsWith(out), "inside the data root");
    assert.match(output, /Scan000\/ {2}'Demo 2D scan'/);

    const backend = await openH5wasmFile(written, "read");
    try {
      const loader = new PyMoDAQLoader(backend);
      const loaded = await loader.loadAll();
      const shapeOf = (prefix: string, name: string) =>
        loaded.find((l) => l.path.startsWith(prefix) && l.dwa.name === name)?.dwa.shape;
      const spectra = loaded.find((l) => l.path === "/RawData/Detector000/Data1D/CH00/EnlData00")?.dwa;
      assert.deepEqual(spectra?.shape, [40, 2048]);
      assert.deepEqual(
        spectra?.axes.map((a) => `${a.label}[${a.units}]`),
        ["wavelength[nm]", "time[s]"],
      );
      assert.deepEqual(shapeOf("/RawData/Detector001/", "Camera"), [128, 128]);
      assert.deepEqual(shapeOf("/RawData/Scan000/", "Spectrum"), [10, 8, 2048]);
      assert.deepEqual(await loader.logLines(), [
        "h5saver demo: 40 frames from a simulated usb2000, then a snapshot and a scan",
      ]);
    } finally {
      await backend.close();
    }
  });

  it("writes the PyMoDAQ 3.x tree with --layout pymodaq3", async () => {
    const out = tempDir("h5saver-demo3-");
    const output = execFileSync(
      "bash",
      ["scripts/demo.sh", "--out", out, "--frames", "20", "--layout", "pymodaq3"],
      { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 },
    );
    const written = /\nwrote (\S+\.h5) \(/.exec(output)?.[1];
    assert.ok(written && existsSync(written), output);
    const backend = await openH5wasmFile(written, "read");
    try {
      assert.equal(await isLayoutV3(backend), true);
      const loaded = await new PyMoDAQ3Loader(backend).loadAll();
      const stream = loaded.find((l) => l.path === "/Raw_datas/Scan000/Detector000/Data1D/Ch000/Data");
      assert.deepEqual(
        stream?.dwa.shape,
        [20, 2048],
        JSON.stringify(loaded.map((l) => [l.path, l.dwa.shape])),
      );
    } finally {
      await backend.close();
    }
  });
});
