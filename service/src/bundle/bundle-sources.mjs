// Bundles h5saver's TypeScript sources into one JavaScript file in the temporary folder, with
// esbuild: the packages from node_modules stay outside the bundle and are imported from where they
// are installed (absolute URLs); the workspace's own packages (@h5saver/*) are bundled. Plain
// JavaScript, so that the `h5saver` launcher can use it before any TypeScript loader exists.
import { createHash } from "node:crypto";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * @param {string} entry absolute path of the TypeScript entry
 * @param {{ name: string, define?: Record<string, string> }} options
 * @returns {Promise<URL>} the bundle's file URL
 */
export async function bundleSources(entry, options) {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
    define: options.define ?? {},
    plugins: [
      {
        name: "packages-stay-installed",
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, async (args) => {
            if (
              args.path.startsWith("@h5saver/") ||
              args.path.startsWith("node:") ||
              args.pluginData?.inner
            ) {
              return undefined;
            }
            const found = await build.resolve(args.path, {
              kind: args.kind,
              resolveDir: args.resolveDir,
              importer: args.importer,
              pluginData: { inner: true },
            });
            if (found.errors.length > 0 || !found.path) return undefined;
            return { path: pathToFileURL(found.path).href, external: true };
          });
        },
      },
    ],
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error("esbuild wrote nothing");
  // named by content: processes running other sources never share a file
  const digest = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const file = path.join(tmpdir(), `h5saver-${options.name}-${digest}.mjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return pathToFileURL(file);
}
