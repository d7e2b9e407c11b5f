/**
 * The regular files under a folder, depth first, for the scans the server makes of its data root
 * (crash journals at start, a token's storage). Symbolic links are not followed; folders that
 * vanish or cannot be read are skipped (they hold nothing this process could use).
 */
import { opendir } from "node:fs/promises";
import path from "node:path";

export async function* walkFiles(
  root: string,
  options: { skipHiddenFolders?: boolean } = {},
): AsyncGenerator<string> {
  const folders = [root];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let entries: Awaited<ReturnType<typeof opendir>>;
    try {
      entries = await opendir(folder);
    } catch {
      continue;
    }
    for await (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!(options.skipHiddenFolders && entry.name.startsWith("."))) folders.push(full);
      } else if (entry.isFile()) yield full;
    }
  }
}
