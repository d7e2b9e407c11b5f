/**
 * `npm run demo` as a user runs it (through scripts/demo.sh): exit status 0, a progress line, the
 * file's tree and path printed last, and a file whose stream, snapshot and scan load back.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { isLayoutV3, openH5wasmFile, PyMoDAQ3Loader, PyMoDAQLoader } from "../service/src/index.ts";
import { tempDir } from "../service/src/testing/temp-dir.ts";

const root = path.resolve(import.meta.dirname, "..");

describe("npm run demo", () => {
  it("streams through a real server and prints the tree and the path of a file that loads back", async () => {
    const out = tempDir("h5saver-demo-");
    const output = execFileSync("bash", ["scripts/demo.sh", "--out", out, "--frames", "40", "--rate", "0"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 180_000,
    });
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
      assert.deepEqual(shapeOf("/RawData/Detector000/", "Spectrum"), [40, 2048]);
      assert.deepEqual(shapeOf("/RawData/Detector000/", "Camera"), [40, 128, 128]);
      assert.deepEqual(shapeOf("/RawData/Detector001/", "Camera"), [128, 128]);
      assert.deepEqual(shapeOf("/RawData/Scan000/", "Spectrum"), [10, 8, 2048]);
      assert.deepEqual(await loader.logLines(), ["h5saver demo: 40 frames at max Hz", "h5saver demo: done"]);
    } finally {
      await backend.close();
    }
  });

  it("writes the PyMoDAQ 3.x tree with --layout pymodaq3", async () => {
    const out = tempDir("h5saver-demo3-");
    const output = execFileSync(
      "bash",
      ["scripts/demo.sh", "--out", out, "--frames", "20", "--rate", "0", "--layout", "pymodaq3"],
      { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 },
    );
    const written = /\nwrote (\S+\.h5) \(/.exec(output)?.[1];
    assert.ok(written && existsSync(written), output);
    const backend = await openH5wasmFile(written, "read");
    try {
      assert.equal(await isLayoutV3(backend), true);
      const loaded = await new PyMoDAQ3Loader(backend).loadAll();
      const stream = loaded.find((l) => l.path === "/Raw_datas/Scan000/Detector000/Data1D/Ch000/Data");
      assert.deepEqual(stream?.dwa.shape, [20, 2048]);
    } finally {
      await backend.close();
    }
  });
});
