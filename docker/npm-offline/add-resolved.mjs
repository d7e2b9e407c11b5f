// Used by docker/Dockerfile in an offline build only: the lockfile omits registry URLs
// (omit-lockfile-registry-resolved), so `npm ci` would ask the registry for each package's metadata,
// which no cache here holds. With each tarball's URL written in, npm finds the tarball in the cache
// by its integrity alone. The URL is npm's standard tarball address; nothing downloads from it.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
for (const [where, entry] of Object.entries(lock.packages ?? {})) {
  const at = where.lastIndexOf("node_modules/");
  if (at < 0 || entry.link || entry.resolved) continue;
  const name = where.slice(at + "node_modules/".length);
  const base = name.split("/").pop();
  entry.resolved = `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz`;
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
