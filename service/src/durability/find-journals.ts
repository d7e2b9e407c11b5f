/**
 * The files under a folder that have a crash journal (journal.ts): what a server finds at start
 * when the previous one was killed. Hidden folders (a recovery's scratch folder among them) are
 * not searched.
 */
import { walkFiles } from "../files/walk-files.ts";
import { JOURNAL_SUFFIX, SPENT_JOURNAL_SUFFIX } from "./journal.ts";

/** The files with a journal, or with a recovery stopped as it swapped the rebuilt file in. */
export async function findJournals(root: string): Promise<string[]> {
  const found = new Set<string>();
  for await (const file of walkFiles(root, { skipHiddenFolders: true })) {
    for (const suffix of [JOURNAL_SUFFIX, SPENT_JOURNAL_SUFFIX]) {
      if (file.endsWith(suffix)) found.add(file.slice(0, -suffix.length));
    }
  }
  return [...found].sort();
}
