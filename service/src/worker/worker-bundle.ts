/**
 * The writer thread's code as one JavaScript file. Run through tsx, each worker would register
 * tsx again (a module-hooks thread of its own) and compile the whole writer from TypeScript:
 * seconds of CPU and hundreds of MB per thread, paid during the first seconds of every session
 * while its frames arrive. esbuild bundles the worker once per process instead (about 0.1 s) into
 * the temporary folder; h5wasm and its plugins stay outside the bundle (they load WebAssembly
 * files from beside themselves) and are imported from where this process resolves them.
 */
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

let bundled: Promise<URL | undefined> | undefined;

/** The bundled worker's URL, or undefined when it cannot be built (then tsx runs the sources). */
export function bundledWorker(entry: URL): Promise<URL | undefined> {
  bundled ??= bundle(entry).catch(() => undefined);
  return bundled;
}

async function bundle(entry: URL): Promise<URL> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "h5wasm-outside",
        setup(build) {
          build.onResolve({ filter: /^h5wasm(-plugins)?(\/.*)?$/ }, (args) => ({
            path: import.meta.resolve(args.path),
            external: true,
          }));
        },
      },
    ],
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error("esbuild wrote nothing");
  // named by content: processes running other sources never share a file
  const digest = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const file = path.join(tmpdir(), `h5saver-worker-${digest}.mjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, code);
    const { renameSync } = await import("node:fs");
    renameSync(partial, file);
  }
  return pathToFileURL(file);
}
