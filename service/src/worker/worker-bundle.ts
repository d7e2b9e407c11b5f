/**
 * The writer thread's code as one JavaScript file. Run through tsx, each worker would register
 * tsx again (a module-hooks thread of its own), compile the whole writer from TypeScript and load
 * h5wasm through the loader (some 600 MB for its embedded WebAssembly): seconds of CPU and hundreds
 * of MB per thread, paid during the first seconds of every session. The bundle is built once per
 * process (bundle-sources.mjs, about 0.1 s). `H5SAVER_WORKER_ENTRY` names the worker's source when
 * this module itself runs from a bundle (the `h5saver` launcher sets it).
 */
import { fileURLToPath } from "node:url";
import { bundleSources, useBundle } from "../bundle/bundle-sources.mjs";

let bundled: Promise<URL | undefined> | undefined;

/**
 * The bundled worker's URL, or undefined when it cannot be built (then tsx runs the sources).
 * Each thread started from it marks it as used; one that another h5saver pruned is written again,
 * as this process built it (the same code as its main thread, whatever the sources are now).
 */
export async function bundledWorker(entry: URL): Promise<URL | undefined> {
  bundled ??= bundleSources(fileURLToPath(entry), { name: "worker" }).catch(() => undefined);
  const url = await bundled;
  if (!url) return undefined;
  try {
    useBundle(url);
  } catch {
    return undefined;
  }
  return url;
}
