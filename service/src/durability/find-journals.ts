/**
 * The files under a folder that have a crash journal (journal.ts): what a server finds at start
 * when the previous one was killed. Hidden folders (a recovery's scratch folder among them) are
 * not searched.
 */
import { walkFiles } from "../files/walk-files.ts";
import { JOURNAL_SUFFIX } from "./journal.ts";

export async function findJournals(root: string): Promise<string[]> {
  const found: string[] = [];
  for await (const file of walkFiles(root, { skipHiddenFolders: true })) {
    if (file.endsWith(JOURNAL_SUFFIX)) found.push(file.slice(0, -JOURNAL_SUFFIX.length));
  }
  return found.sort();
}
