// Bundles h5saver's TypeScript sources into one JavaScript file in the temporary folder, with
// esbuild: the packages from node_modules stay outside the bundle and are imported from where they
// are installed (absolute URLs); the workspace's own packages (@h5saver/*) are bundled, but for
// @h5saver/native (and @h5saver/native/hdf5), which loads its addons from beside itself. Plain JavaScript, so that the
// `h5saver` launcher can use it before any TypeScript loader exists.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

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
              (args.path.startsWith("@h5saver/") && !/^@h5saver\/native(\/|$)/.test(args.path)) ||
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
  const file = path.join(bundleFolder(), `h5saver-${options.name}-${digest}.mjs`);
  built.set(file, code);
  if (existsSync(file)) markUsed(file);
  else writeBundle(file, code);
  pruneBundles(options.name, file);
  return pathToFileURL(file);
}

/** The code of each bundle this process built, by file: a bundle pruned meanwhile is written again. */
const built = new Map();

/**
 * This user's folder of bundles in the temporary folder, readable and writable by this user only:
 * a process imports what it finds there, so no one else may put a file there.
 */
function bundleFolder() {
  const uid = process.getuid?.() ?? 0;
  const folder = path.join(tmpdir(), `h5saver-bundles-${uid}`);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const info = statSync(folder);
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o077) !== 0) {
    throw new Error(`${folder} is not a folder of this user's alone (mode 700): not using it`);
  }
  return folder;
}

function writeBundle(file, code) {
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, code);
  renameSync(partial, file);
}

/**
 * Before a bundle this process built is loaded again (a writer thread starts from it): marks it as
 * used, or writes it again if another h5saver pruned it — from this process's own copy, since the
 * sources on disk may have changed since.
 */
export function useBundle(url) {
  const file = fileURLToPath(url);
  if (existsSync(file)) {
    markUsed(file);
    return;
  }
  const code = built.get(file);
  if (code === undefined) throw new Error(`${file} is gone and was not built by this process`);
  writeBundle(file, code);
}

/** A bundle not used for this long (by its time stamp) is removed when another one is built. */
export const UNUSED_BUNDLE_MS = 7 * 24 * 3600 * 1000;

/**
 * Marks a bundle as in use, so that pruneBundles keeps it: every process that starts from it, and
 * every writer thread, touches it (a server running for weeks starts threads from its bundle).
 */
function markUsed(file) {
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    // pruned meanwhile: useBundle writes it again before it is loaded
  }
}

/**
 * Each h5saver version leaves its own bundles in the temporary folder: the ones of this `name`
 * other than `keep` that were not used for UNUSED_BUNDLE_MS go.
 */
function pruneBundles(name, keep) {
  const folder = path.dirname(keep);
  const prefix = `h5saver-${name}-`;
  const oldest = Date.now() - UNUSED_BUNDLE_MS;
  for (const entry of readdirSync(folder)) {
    if (!entry.startsWith(prefix) || !entry.endsWith(".mjs")) continue;
    const other = path.join(folder, entry);
    if (other === keep) continue;
    try {
      if (statSync(other).mtimeMs < oldest) rmSync(other, { force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}
