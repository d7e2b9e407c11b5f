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
 * Drops the clean cached pages of the file open as `fd` (after a sync: all of them but those
 * written since it began) and starts the writeback of its dirty ones.
 */
export function releasePages(fd: number): void {
  try {
    dropPageCache(fd);
  } catch {
    // the kernel refuses only descriptors that are not open regular files (EBADF, EINVAL,
    // ESPIPE): a hint about a cache, whose failure loses nothing
  }
}

/**
 * Counts what is written through each descriptor and releases the file's pages every
 * RELEASE_EVERY_BYTES. In the writing thread: released from a thread pool instead, the pages
 * came back later than the writes needed new ones (in-process 2D: 462–735 MB/s against 672–735).
 */
export class WrittenPages {
  readonly #since = new Map<number, number>();

  wrote(fd: number, bytes: number): void {
    if (!pageCacheRelease.on || bytes <= 0) return;
    const since = (this.#since.get(fd) ?? 0) + bytes;
    if (since < RELEASE_EVERY_BYTES) {
      this.#since.set(fd, since);
      return;
    }
    this.#since.set(fd, 0);
    releasePages(fd);
  }
}
