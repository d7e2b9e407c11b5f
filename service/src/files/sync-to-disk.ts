import { closeSync, fsyncSync, openSync } from "node:fs";

/**
 * Errors of a folder's fsync that mean "this filesystem cannot sync folders" (some FUSE, 9p and
 * VirtualBox shared folders: EINVAL; Windows cannot open a folder for it): there is nothing more
 * to do there, as PostgreSQL and LevelDB also conclude.
 */
const FOLDER_SYNC_UNSUPPORTED = new Set(["EINVAL", "EBADF", "EISDIR", "EPERM", "ENOTSUP"]);

/**
 * Makes a file's contents survive a power cut (what was written to it before now); `thenWith`
 * runs once it did, on the descriptor the sync went through.
 */
export function syncFile(file: string, thenWith?: (fd: number) => void): void {
  const fd = openSync(file, "r");
  try {
    fsyncSync(fd);
    thenWith?.(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a folder's entries (files created, renamed or removed in it) survive a power cut, where the filesystem can. */
export function syncFolder(folder: string): void {
  try {
    syncFile(folder);
  } catch (error) {
    if (!FOLDER_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
  }
}
