import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tempDir } from "../testing/temp-dir.ts";
import { bundledWorker } from "../worker/worker-bundle.ts";
import { bundleSources, UNUSED_BUNDLE_MS } from "./bundle-sources.mjs";

// bundles go to the temporary folder: this file's own, so that no other run's bundle is touched
const tmp = tempDir("h5saver-tmp-");
const folder = path.join(tmp, `h5saver-bundles-${process.getuid?.() ?? 0}`);
const savedTmp = process.env.TMPDIR;
before(() => {
  process.env.TMPDIR = tmp;
  mkdirSync(folder, { mode: 0o700 });
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
    assert.equal(path.dirname(bundle), folder, "in this user's folder of bundles");
    assert.equal(statSync(folder).mode & 0o777, 0o700);
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

describe("the folder of bundles", () => {
  it("is refused when others may write to it: its bundles would run as this user", async () => {
    const elsewhere = tempDir("h5saver-tmp-");
    const open = path.join(elsewhere, `h5saver-bundles-${process.getuid?.() ?? 0}`);
    mkdirSync(open);
    chmodSync(open, 0o777);
    const entry = path.join(tempDir("h5saver-entry-"), "entry.ts");
    writeFileSync(entry, "export const answer = 1;\n");
    process.env.TMPDIR = elsewhere;
    try {
      await assert.rejects(bundleSources(entry, { name: "probe" }), /not a folder of this user's alone/);
    } finally {
      process.env.TMPDIR = tmp;
    }
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

    const code = readFileSync(bundle);
    rmSync(bundle);
    const again = await bundledWorker(entry);
    assert.equal(again?.href, pathToFileURL(bundle).href);
    assert.ok(
      readFileSync(bundle).equals(code),
      "a pruned bundle is written again, as this process built it",
    );
  });
});
