#!/usr/bin/env node
// The `h5saver` command. Runs the TypeScript sources as one JavaScript bundle built at start with
// esbuild (src/bundle/bundle-sources.mjs, about a second; packages are imported from node_modules),
// so that no TypeScript loader lives in the server: under tsx, loading h5wasm alone costs some
// 600 MB. Falls back to tsx when the bundle cannot be built.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (relative) => fileURLToPath(new URL(relative, import.meta.url));

async function bundled() {
  const { bundleSources } = await import("../src/bundle/bundle-sources.mjs");
  const { version } = JSON.parse(readFileSync(here("../package.json"), "utf8"));
  const bundle = await bundleSources(here("../src/cli/h5saver.ts"), {
    name: "cli",
    define: { H5SAVER_BUNDLED_VERSION: JSON.stringify(version) },
  });
  // the writer threads bundle their own entry: the bundle cannot name its sources relative to itself
  process.env.H5SAVER_WORKER_ENTRY = here("../src/worker/saver-worker.ts");
  return bundle;
}

let entry;
try {
  entry = await bundled();
} catch {
  const tsx = await import("tsx/esm/api");
  tsx.register();
  entry = new URL("../src/cli/h5saver.ts", import.meta.url);
}
try {
  await import(entry.href);
} catch (error) {
  console.error(`h5saver: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
