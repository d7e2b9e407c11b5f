/**
 * Keeps the page cache of the files h5saver writes small: their clean pages are handed back to
 * the kernel as a file grows, so that a stream writes into a few megabytes of recycled pages
 * instead of taking fresh ones for every byte. On virtual machines whose host takes back the
 * guest's free memory (a balloon, free page reporting) a fresh page costs a fault into the host.
 * Measured here (C, 1 GB in 512 KiB pwrites and a final fdatasync, three runs each): the writes
 * took 1.5–3.6 s and the sync 0.5 s; asking the kernel every 8 MiB to drop the file's clean pages
 * (which also starts the writeback of its dirty ones) made them 0.33–0.36 s and 0.01 s, plus
 * 0.24–0.27 s in the asks. A 4.2 GB stream of 2048² frames end to end: 72–107 → 267–294 MB/s.
 * The cost: a reader of the file soon after reads it from the disk. Needs the native addon
 * (native/build.sh: posix_fadvise); without it, or with H5SAVER_PAGE_CACHE=keep, nothing here
 * does anything.
 */
import { dropPageCache, nativeAddon } from "@h5saver/native";

/** Bytes written to a file between two releases of its pages. */
export const RELEASE_EVERY_BYTES = 8 * 1024 * 1024;

/** Whether pages are released, and if not why not. */
export const pageCacheRelease: { readonly on: boolean; readonly reason: string | undefined } = {
  on: nativeAddon.available,
  reason: nativeAddon.reason,
};

/** For a log event: `page_cache: "released"`, or `"kept"` and why. */
export function pageCacheLogFields():
  | { page_cache: "released" }
  | { page_cache: "kept"; page_cache_why: string } {
  return pageCacheRelease.on
    ? { page_cache: "released" }
    : { page_cache: "kept", page_cache_why: pageCacheRelease.reason ?? "unknown" };
}

/**
 * Drops the clean cached pages of the file open as `fd` from `offset` on, `length` bytes (0: to
 * its end; the kernel keeps pages only partly in the range) and starts the writeback of its dirty
 * ones there.
 */
export function releasePages(fd: number, offset = 0, length = 0): void {
  try {
    dropPageCache(fd, offset, length);
  } catch {
    // the kernel refuses only descriptors that are not open regular files (EBADF, EINVAL,
    // ESPIPE): a hint about a cache, whose failure loses nothing
  }
}

/** Writes shorter than this (HDF5's metadata, rewritten in place) keep their pages. */
export const BULK_WRITE_BYTES = 64 * 1024;

interface Range {
  start: number;
  end: number;
}

/** What one file wrote in bulk since its last release, and the ranges that release left to drop. */
interface FileRanges {
  bytes: number;
  written: Range[];
  previous: Range[];
}

/**
 * Releases the pages of a file's bulk writes (chunks) as it grows, every RELEASE_EVERY_BYTES: the
 * ranges written since the last release are just dirty — asking starts their writeback — and
 * those of the release before are clean by then, so their pages go. Small writes (metadata that
 * HDF5 writes again at every flush) keep their pages: dropped, each rewrite of part of a page
 * would first read it back from the disk. In the writing thread: released from a thread pool
 * instead, the pages came back later than the writes needed new ones (in-process 2D: 462–735
 * MB/s against 672–735).
 */
export class WrittenPages {
  readonly #files = new Map<number, FileRanges>();

  wrote(fd: number, position: number | undefined, bytes: number): void {
    if (!pageCacheRelease.on || position === undefined || bytes < BULK_WRITE_BYTES) return;
    let file = this.#files.get(fd);
    if (file === undefined) {
      file = { bytes: 0, written: [], previous: [] };
      this.#files.set(fd, file);
    }
    const last = file.written.at(-1);
    if (last !== undefined && last.end === position) last.end += bytes;
    else file.written.push({ start: position, end: position + bytes });
    file.bytes += bytes;
    if (file.bytes < RELEASE_EVERY_BYTES) return;
    for (const range of [...file.previous, ...file.written]) {
      releasePages(fd, range.start, range.end - range.start);
    }
    file.previous = file.written;
    file.written = [];
    file.bytes = 0;
  }
}
