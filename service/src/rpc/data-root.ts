/**
 * Where a client's file goes: every path a client names is resolved under the server's data
 * root, and anything that would leave it — an absolute path, a `..` component, a symlink that
 * leads outside — is refused before any file is touched. Called by OpenFile.
 */
import { lstatSync, realpathSync } from "node:fs";
import path from "node:path";
import { invalidData, SaverError } from "../errors.ts";
import { pymodaqFilePath } from "../layout/file-naming.ts";
import type { SaveType } from "../layout/pymodaq-tree.ts";

export interface ResolvedFile {
  /** The path to open: the real path of its deepest existing folder, then the rest as asked. */
  readonly absolute: string;
  /** Relative to the data root, with "/" separators: what clients are told. */
  readonly relative: string;
}

export interface DataRoot {
  /** The root's real path (symlinks resolved). */
  readonly root: string;
  resolve(clientPath: string, naming: { saveType: SaveType; now?: Date }): ResolvedFile;
}

/** The data root `dir` (which must exist), resolved once. */
export function createDataRoot(dir: string): DataRoot {
  const root = realpathSync(dir);
  return {
    root,
    resolve(clientPath, naming) {
      const wanted =
        clientPath === ""
          ? pymodaqFilePath({
              basePath: root,
              saveType: naming.saveType,
              // the proto names non-scan files after their save type: Detector_20261125_14_38_36.h5
              baseName: naming.saveType.charAt(0).toUpperCase() + naming.saveType.slice(1),
              ...(naming.now ? { now: naming.now } : {}),
            })
          : path.join(root, ...checkedSegments(clientPath));
      const absolute = insideRoot(root, wanted, clientPath);
      return { absolute, relative: path.relative(root, absolute).split(path.sep).join("/") };
    },
  };
}

function outside(clientPath: string, why: string): SaverError {
  return new SaverError(
    "permission_denied",
    `path '${clientPath}' ${why}: give a path relative to the data root, e.g. "2026/20261125/run_001.h5"`,
  );
}

/** The components of a client path, refusing what could leave the root or mean different things on other systems. */
function checkedSegments(clientPath: string): string[] {
  if (clientPath.includes("\0")) throw invalidData("path", "contains a NUL character");
  if (clientPath.includes("\\")) {
    throw invalidData("path", `'${clientPath}' contains '\\': separate folders with '/'`);
  }
  if (clientPath.startsWith("/") || /^[A-Za-z]:/.test(clientPath)) {
    throw outside(clientPath, "is absolute");
  }
  const segments = clientPath.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw outside(clientPath, "contains '..'");
  if (segments.length === 0) throw invalidData("path", `'${clientPath}' names no file`);
  return segments;
}

/**
 * `wanted` with its deepest existing ancestor replaced by that ancestor's real path, which must
 * be inside `root`: a symlink anywhere along the way (the file itself included) is followed and
 * judged by where it leads.
 */
function insideRoot(root: string, wanted: string, clientPath: string): string {
  let existing = wanted;
  const rest: string[] = [];
  while (!exists(existing)) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    // lstat found it but realpath cannot follow it: a dangling symlink, whose target we cannot judge
    throw outside(clientPath, "goes through a symlink whose target does not exist");
  }
  if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
    throw outside(clientPath, "leads outside the data root through a symlink");
  }
  return path.join(real, ...rest);
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
