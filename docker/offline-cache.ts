/**
 * Fills docker/npm-offline/_cacache with the tarballs of the image's production dependencies,
 * taken from this machine's npm cache (filled by `npm ci`), so that docker/Dockerfile installs
 * them with `npm ci --offline`: containers here reach no registry. Only content files, addressed
 * by the lockfile's integrity, are copied (npm finds a tarball by integrity alone), so the same
 * lockfile gives the same folder and the image build's layer cache holds.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly dev?: boolean;
  readonly optional?: boolean;
  /** Optional under some package, dev under another: installed by --omit=dev as an optional one. */
  readonly devOptional?: boolean;
  readonly link?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
}

/** cacache's place for a content digest: content-v2/<algorithm>/<hex 0-2>/<hex 2-4>/<rest>. */
function contentPath(integrity: string): string {
  const [algorithm = "", base64 = ""] = integrity.split(" ")[0]?.split("-", 2) ?? [];
  const hex = Buffer.from(base64, "base64").toString("hex");
  return path.join("content-v2", algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

function npmCache(): string {
  const fromEnv = process.env.npm_config_cache;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
  } catch {
    return path.join(homedir(), ".npm");
  }
}

/** Copies what the image needs into `<repo>/docker/npm-offline/_cacache`; returns the tarballs there. */
export function fillOfflineCache(repo: string): number {
  const lock = JSON.parse(readFileSync(path.join(repo, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const source = path.join(npmCache(), "_cacache");
  const target = path.join(repo, "docker/npm-offline/_cacache");
  const wanted = new Set<string>();
  const missing: string[] = [];
  // the image is Debian's (docker/Dockerfile), whatever this machine runs
  const libc = "glibc";
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (!where.includes("node_modules/") || entry.link || entry.dev || !entry.integrity) continue;
    const file = contentPath(entry.integrity);
    const optional = entry.optional === true || entry.devOptional === true;
    // optional packages for other platforms (esbuild's, fsevents, @node-rs/crc32's musl build) are
    // neither installed in the image nor needed
    const forThisPlatform =
      (!entry.os || entry.os.includes(process.platform)) &&
      (!entry.cpu || entry.cpu.includes(process.arch)) &&
      (!entry.libc || entry.libc.includes(libc));
    if (!existsSync(path.join(source, file))) {
      if (!optional || forThisPlatform) missing.push(`${where}@${entry.version}`);
      continue;
    }
    if (optional && !forThisPlatform) continue;
    wanted.add(file);
  }
  if (missing.length > 0) {
    throw new Error(
      `the npm cache ${source} lacks ${missing.length} tarballs the image needs (${missing.slice(0, 3).join(", ")}…): run npm ci`,
    );
  }
  for (const file of wanted) {
    const to = path.join(target, file);
    if (existsSync(to)) continue;
    mkdirSync(path.dirname(to), { recursive: true });
    try {
      linkSync(path.join(source, file), to); // content files never change: a link is a copy
    } catch {
      copyFileSync(path.join(source, file), to);
    }
  }
  // tarballs of a former lockfile would change the build context for nothing
  for (const entry of readdirSync(target, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.relative(target, path.join(entry.parentPath, entry.name));
    if (!wanted.has(file)) rmSync(path.join(target, file));
  }
  return wanted.size;
}
