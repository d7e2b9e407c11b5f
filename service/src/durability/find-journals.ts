/**
 * The files under a folder that have a crash journal (journal.ts): what a server finds at start
 * when the previous one was killed. Hidden folders (a recovery's scratch folder among them) and
 * symbolic links are not followed.
 */
import { opendir } from "node:fs/promises";
import path from "node:path";
import { JOURNAL_SUFFIX } from "./journal.ts";

export async function findJournals(root: string): Promise<string[]> {
  const found: string[] = [];
  const folders = [root];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let entries: Awaited<ReturnType<typeof opendir>>;
    try {
      entries = await opendir(folder);
    } catch {
      continue; // a folder that vanished or cannot be read holds nothing we could recover
    }
    for await (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith(".")) folders.push(path.join(folder, entry.name));
      else if (entry.isFile() && entry.name.endsWith(JOURNAL_SUFFIX)) {
        found.push(path.join(folder, entry.name.slice(0, -JOURNAL_SUFFIX.length)));
      }
    }
  }
  return found.sort();
}
