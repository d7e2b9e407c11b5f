import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tempDir } from "../testing/temp-dir.ts";
import { bundledWorker } from "../worker/worker-bundle.ts";
import { bundleSources, UNUSED_BUNDLE_MS } from "./bundle-sources.mjs";

// bundles go to the temporary folder: this file's own, so that no other run's bundle is touched
const folder = tempDir("h5saver-bundles-");
const savedTmp = process.env.TMPDIR;
before(() => {
  process.env.TMPDIR = folder;
});
after(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

function aged(file: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  utimesSync(file, then, then);
}

describe("bundleSources", () => {
  it("removes the bundles of other versions left unused for a week, keeps recent ones and its own", async () => {
    const entry = path.join(tempDir("h5saver-entry-"), "entry.ts");
    writeFileSync(entry, "export const answer: number = 42;\n");
    const stale = path.join(folder, "h5saver-probe-0000000000000000.mjs");
    const recent = path.join(folder, "h5saver-probe-1111111111111111.mjs");
    const otherName = path.join(folder, "h5saver-other-2222222222222222.mjs");
    for (const file of [stale, recent, otherName]) writeFileSync(file, "export {};\n");
    aged(stale, UNUSED_BUNDLE_MS + 60_000);
    aged(recent, UNUSED_BUNDLE_MS - 60_000);
    aged(otherName, UNUSED_BUNDLE_MS + 60_000);

    const url = await bundleSources(entry, { name: "probe" });
    const bundle = fileURLToPath(url);
    assert.equal(path.dirname(bundle), folder);
    assert.equal((await import(url.href)).answer, 42);
    assert.equal(existsSync(stale), false, "a week-old bundle of another version is removed");
    assert.equal(existsSync(recent), true, "a bundle used within the week stays");
    assert.equal(existsSync(otherName), true, "bundles of another name are not this one's to prune");

    // the same sources again: the bundle is reused and marked as used
    aged(bundle, UNUSED_BUNDLE_MS + 60_000);
    assert.equal((await bundleSources(entry, { name: "probe" })).href, url.href);
    assert.ok(Date.now() - statSync(bundle).mtimeMs < 60_000);
  });
});

describe("bundledWorker", () => {
  it("marks its bundle used at every thread start, and builds it again if another h5saver pruned it", async () => {
    const entry = new URL("../worker/saver-worker.ts", import.meta.url);
    const url = await bundledWorker(entry);
    assert.ok(url, "the writer thread's bundle is built");
    const bundle = fileURLToPath(url);
    aged(bundle, UNUSED_BUNDLE_MS + 60_000);
    assert.equal((await bundledWorker(entry))?.href, url.href);
    assert.ok(Date.now() - statSync(bundle).mtimeMs < 60_000);

    rmSync(bundle);
    const again = await bundledWorker(entry);
    assert.ok(again && existsSync(again), "a pruned bundle is built again");
    assert.ok(readdirSync(folder).includes(path.basename(bundle)));
    assert.equal(pathToFileURL(bundle).href, again.href);
  });
});
