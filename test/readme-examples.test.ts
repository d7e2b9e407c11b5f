/**
 * The README's TypeScript examples run as written: each ```ts block is saved beside the repository's
 * own packages and executed, and the files it writes are opened back with the loader.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openH5wasmFile, PyMoDAQLoader } from "../service/src/index.ts";

const root = path.resolve(import.meta.dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
// inside the repository, so that `@h5saver/service` resolves to the workspace package
const work = mkdtempSync(path.join(root, ".readme-examples-"));
after(() => rmSync(work, { recursive: true, force: true }));

describe("README examples", () => {
  it("has TypeScript examples", () => {
    assert.ok(blocks.length >= 2, `found ${blocks.length} ts blocks`);
  });

  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs and writes a file PyMoDAQ's layout loader reads`, async () => {
      const file = path.join(work, `example-${i + 1}.ts`);
      writeFileSync(file, code);
      rmSync(path.join(work, "out"), { recursive: true, force: true });
      execFileSync(process.execPath, ["--import", "tsx", file], {
        cwd: work,
        stdio: "pipe",
        timeout: 120_000,
      });
      const out = path.join(work, "out");
      const written = (readdirSync(out, { recursive: true }) as string[]).filter((name) =>
        name.endsWith(".h5"),
      );
      assert.ok(written.length > 0);
      for (const name of written) {
        const backend = await openH5wasmFile(path.join(out, name), "read");
        const loaded = await new PyMoDAQLoader(backend).loadAll();
        await backend.close();
        assert.ok(loaded.length > 0, `${name} holds data`);
      }
    });
  });
});
