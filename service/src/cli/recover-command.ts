/**
 * `h5saver recover FILE… | --root DIR`: rebuilds files left by a killed writer from their crash
 * journals, in this thread, with a progress line per file on stderr and one result line per file
 * on stdout. Resolves false when a file could not be rebuilt.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { findJournals } from "../durability/find-journals.ts";
import { recoverFile } from "../durability/recover.ts";
import { SaverError } from "../errors.ts";
import { acquireRootLock } from "../files/root-lock.ts";
import type { RecoverConfig } from "./config.ts";
import { ProgressLine } from "./progress-line.ts";

export async function recoverCommand(config: RecoverConfig): Promise<boolean> {
  // a server of that root would be writing the files being rebuilt (a root that does not exist
  // has nothing to recover: recoverAll says so)
  const root = config.root === undefined ? undefined : path.resolve(config.root);
  const lock = root && existsSync(root) ? acquireRootLock(root, "recover") : undefined;
  try {
    return await recoverAll(root, config.files);
  } finally {
    lock?.release();
  }
}

/** Every file with a journal under `root` (when given), else `files`. */
async function recoverAll(root: string | undefined, listed: readonly string[]): Promise<boolean> {
  const files = root === undefined ? listed : await findJournals(root);
  if (root !== undefined && files.length === 0) {
    console.log(`no crash journal under ${root}: nothing to recover`);
    return true;
  }
  let ok = true;
  for (const file of files) {
    const progress = new ProgressLine();
    try {
      const report = await recoverFile(file, {
        onProgress: (done, total) =>
          progress.update(
            `recovering ${file}: ${Math.floor((100 * done) / Math.max(1, total))} % of its journal`,
          ),
      });
      progress.done(`recovering ${file}: ${report.calls} calls replayed`);
      const torn = report.tornBytes
        ? `, ${report.tornBytes} bytes of unacknowledged calls the crash cut short dropped`
        : "";
      const refused = report.refused ? `, ${report.refused} refused: ${report.refusals.join(" | ")}` : "";
      console.log(
        `${report.file}: rebuilt from its journal — ${report.frames} frames, ${report.calls} calls in ${report.seconds.toFixed(2)} s${torn}${refused}`,
      );
      if (report.refused) ok = false;
    } catch (error) {
      progress.done(`recovering ${file}: failed`);
      console.error(`${file}: ${SaverError.from(error).message}`);
      ok = false;
    }
  }
  return ok;
}
