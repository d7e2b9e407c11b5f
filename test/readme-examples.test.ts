/**
 * The README's TypeScript examples run as written: each ```ts block is saved beside the repository's
 * own packages and executed, and the files it writes are opened back with the loader.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { isLayoutV3, openH5wasmFile, PyMoDAQ3Loader, PyMoDAQLoader } from "../service/src/index.ts";
import { createSaverServer } from "../service/src/rpc/saver-server.ts";

const root = path.resolve(import.meta.dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
// inside the repository, so that `@h5saver/service` resolves to the workspace package
const work = mkdtempSync(path.join(root, ".readme-examples-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** What each example, in README order, must leave in its file(s). */
const EXPECTED = [
  { shapes: { Spectrum: [200, 512] }, logs: ["200 spectra, last peak at 549.5 nm"], scanDone: [] },
  { shapes: { AI: [500_000] }, logs: [], scanDone: [] },
  { shapes: { image: [100, 512, 512], sequence: [100] }, logs: [], scanDone: [] },
  { shapes: { Spectrum: [512], Image: [100, 48, 64] }, logs: ["saved 100 frames"], scanDone: [] },
  { shapes: { Power: [3, 2] }, logs: [], scanDone: [true] },
  { shapes: { X: [10] }, logs: [], scanDone: [] },
  { shapes: { X: [50] }, logs: [], scanDone: [] },
];

describe("README examples", () => {
  it("has TypeScript examples", () => {
    assert.equal(blocks.length, EXPECTED.length, "one expectation per README example");
  });

  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs and writes a file PyMoDAQ's layout loader reads`, async () => {
      const file = path.join(work, `example-${i + 1}.ts`);
      writeFileSync(file, code);
      const out = path.join(work, "out");
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      // examples that use the client find a server here, whose data root is the same out/
      const server = createSaverServer({ root: out });
      const address = `127.0.0.1:${await server.listen(0)}`;
      try {
        await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
          cwd: work,
          env: { ...process.env, H5SAVER_ADDRESS: address },
          timeout: 120_000,
        });
      } finally {
        await server.close();
      }
      const written = (readdirSync(out, { recursive: true }) as string[]).filter((name) =>
        name.endsWith(".h5"),
      );
      assert.ok(written.length > 0);
      const shapes: Record<string, number[]> = {};
      const logs: string[] = [];
      const scanDone: unknown[] = [];
      for (const name of written) {
        const backend = await openH5wasmFile(path.join(out, name), "read");
        const v3 = await isLayoutV3(backend);
        const loader = v3 ? new PyMoDAQ3Loader(backend) : new PyMoDAQLoader(backend);
        for (const loaded of await loader.loadAll()) shapes[loaded.dwa.name] = [...loaded.dwa.shape];
        logs.push(...(await loader.logLines()));
        if (!v3 && (await backend.exists("/RawData/Scan000")))
          scanDone.push((await loader.attributes("/RawData/Scan000")).scan_done);
        await backend.close();
      }
      assert.deepEqual({ shapes, logs, scanDone }, EXPECTED[i]);
    });
  });
});
