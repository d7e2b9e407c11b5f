import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { SaverError } from "../errors.ts";
import { zeroPad } from "../model/text.ts";
import type { SaveType } from "./pymodaq-tree.ts";

export interface FileNamingOptions {
  /** The folder PyMoDAQ calls `base_path`. */
  readonly basePath: string;
  readonly saveType: SaveType;
  /** `base_name` of non-scan files (PyMoDAQ: 'Scan' by default, 'Data' for DAQ_Viewer continuous saving). */
  readonly baseName?: string;
  /** PyMoDAQ's `addhoc_file_path`: use exactly this file (relative to basePath when relative). */
  readonly addhocFilePath?: string;
  readonly now?: Date;
}

/**
 * PyMoDAQ's automatic file naming (`H5SaverBase.update_file_paths`): scans go to
 * `<base>/<YYYY>/<YYYYMMDD>/Dataset_<YYYYMMDD>_<iii>.h5` with the next free index, everything else
 * to `<base>/<YYYY>/<YYYYMMDD>/<base_name>_<YYYYMMDD>_<HH>_<MM>_<SS>.h5`.
 */
export function pymodaqFilePath(options: FileNamingOptions): string {
  if (options.addhocFilePath) return path.resolve(options.basePath, options.addhocFilePath);
  const now = options.now ?? new Date();
  const yyyy = `${now.getFullYear()}`;
  const day = `${yyyy}${two(now.getMonth() + 1)}${two(now.getDate())}`;
  const folder = path.join(options.basePath, yyyy, day);
  if (options.saveType === "scan") {
    const prefix = `Dataset_${day}_`;
    let next = 0;
    for (const name of safeList(folder)) {
      const match = new RegExp(`^${prefix}(\\d{3})\\.h5$`).exec(name);
      if (match) next = Math.max(next, Number(match[1]) + 1);
    }
    return path.join(folder, `${prefix}${next.toString().padStart(3, "0")}.h5`);
  }
  const time = `${two(now.getHours())}_${two(now.getMinutes())}_${two(now.getSeconds())}`;
  return path.join(folder, `${options.baseName ?? "Scan"}_${day}_${time}.h5`);
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

const two = (n: number): string => zeroPad(n, 2);

/** Creates the folders a new file goes in, or says why it cannot (a file in the way, no permission). */
export function ensureFolderOf(filePath: string): void {
  try {
    mkdirSync(path.dirname(filePath), { recursive: true });
  } catch (error) {
    throw new SaverError(
      "file_unavailable",
      `cannot create the folder of '${filePath}': ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
}
