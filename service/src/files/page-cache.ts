/**
 * Keeps the page cache of the files h5saver writes small: the pages of their chunks are handed
 * back to the kernel once on the disk, so that a stream writes into a few megabytes of recycled
 * pages instead of taking fresh ones for every byte. On virtual machines whose host takes back
 * the guest's free memory (a balloon, free page reporting) a fresh page costs a fault into the
 * host. Measured here (C, 1 GB in 512 KiB pwrites and a final fdatasync, three runs each): the
 * writes took 1.5–3.6 s and the sync 0.5 s; dropping the file's pages every 8 MiB made them
 * 0.33–0.36 s and 0.01 s. End to end, 2 000 512² frames into a disk holding earlier runs' files:
 * 71–346 MB/s keeping the pages, 316–378 releasing them. The cost: a reader of the file soon
 * after reads it from the disk. Needs the native addon (native/build.sh: posix_fadvise); without
 * it, or with H5SAVER_PAGE_CACHE=keep, nothing here does anything.
 */
import { dropPageCache, dropPageCacheInBackground, nativeAddon, pageSize } from "@h5saver/native";

/** For a log event: `page_cache: "released"`, or `"kept"` and why. */
export function pageCacheLogFields():
  | { page_cache: "released" }
  | { page_cache: "kept"; page_cache_why: string } {
  return nativeAddon.available
    ? { page_cache: "released" }
    : { page_cache: "kept", page_cache_why: nativeAddon.reason ?? "unknown" };
}

/**
 * Drops the clean cached pages of the file open as `fd` from `offset` on, `length` bytes (0: to
 * its end) and starts the writeback of its dirty ones there. A page the range covers only in
 * part is kept, unless the range reaches the file's end: round such ranges (`wholePagesIn`).
 */
export function releasePages(fd: number, offset = 0, length = 0): void {
  try {
    dropPageCache(fd, offset, length);
  } catch {
    // the kernel refuses only descriptors that are not open regular files (EBADF, EINVAL,
    // ESPIPE): a hint about a cache, whose failure loses nothing
  }
}

/** The pages wholly inside [start, end): the range rounded inwards to the kernel's pages. */
export function wholePagesIn(start: number, end: number): { offset: number; length: number } {
  const offset = Math.ceil(start / pageSize) * pageSize;
  const last = Math.floor(end / pageSize) * pageSize;
  return { offset, length: Math.max(0, last - offset) };
}

/** Writes shorter than this (HDF5's metadata, rewritten in place) keep their pages. */
export const BULK_WRITE_BYTES = 64 * 1024;

/**
 * Bulk writes of a file not yet covered by a sync after which their pages were released. Past
 * this, they are released anyway, in one of libuv's threads: their writeback starts, and the next
 * two releases ask again for what is clean by then (a file nobody syncs: no journal, or a journal
 * that copies its frames). Nothing waits for a writeback: waiting (sync_file_range) would mark a
 * writeback error as seen, and a descriptor opened later to sync the file would not hear of it. A
 * range still not written back two releases later (a disk slower than the writer) stays cached.
 * About twice this stays cached while the file is open. In-process, 2 000 512² frames without a
 * journal (3 runs): with files of earlier runs kept, 62–69 MB/s keeping the pages, 489–766
 * releasing every 16 MiB (225–750 every 64 MiB); files deleted between runs, 695–809 against
 * 680–730. From the writing thread itself every 64 MiB: 548–628 with files deleted.
 */
export const UNSYNCED_RELEASE_BYTES = 16 * 1024 * 1024;

interface Range {
  start: number;
  end: number;
  /** Its place among the file's writes: a sync covers those before its mark. */
  readonly serial: number;
  /** A sync began after it: later writes start a range of their own. */
  sealed?: boolean;
}

/** A file's bulk writes: those since the last release, and those the last two releases asked about. */
export interface FileWrites {
  readonly fd: number;
  written: Range[];
  bytes: number;
  /** The last release's ranges, then the one's before: their writeback was started. */
  releasing: [Range[], Range[]];
  serial: number;
}

/**
 * The pages of a file's chunks leave the page cache once they are on the disk. The crash journal
 * says when: a sync of the file that began after a chunk's write (fileSyncStarts, then
 * fileSynced) leaves its pages clean, and dropping clean pages costs next to nothing. The first
 * way tried, asking every 8 MiB written, made the writing thread start the writeback itself
 * (~0.25 ms per MB here): the in-process 2D benchmark lost 10–20 % while memory was warm. A file
 * that nobody syncs has its chunks released past UNSYNCED_RELEASE_BYTES, from a thread pool. Small
 * writes (metadata HDF5 writes again at every flush) keep their pages: dropped, each rewrite of
 * part of a page would first read it back from the disk. Keyed by the file's absolute path, which
 * is how Emscripten names the streams the writes go through; one table per thread, as the writer
 * thread holds both the file and its journal.
 */
const files = new Map<string, FileWrites>();

/** A write to `file` (absolute path) through `fd`, of `bytes` at `position`. */
export function noteFileWrite(file: string, fd: number, position: number | undefined, bytes: number): void {
  if (!nativeAddon.available || position === undefined || bytes < BULK_WRITE_BYTES) return;
  let writes = files.get(file);
  if (writes === undefined || writes.fd !== fd) {
    writes = { fd, written: [], bytes: 0, releasing: [[], []], serial: 0 };
    files.set(file, writes);
  }
  const last = writes.written.at(-1);
  if (last !== undefined && !last.sealed && last.end === position) last.end += bytes;
  else writes.written.push({ start: position, end: position + bytes, serial: writes.serial++ });
  writes.bytes += bytes;
  if (writes.bytes < UNSYNCED_RELEASE_BYTES) return;
  // nobody synced them: start their writeback, and ask again for what the last two releases
  // began (fadvise drops clean pages only) — in a thread of libuv's, as starting the writeback
  // costs ~0.25 ms per MB
  for (const range of notedRanges(writes)) releaseRange(writes.fd, range, true);
  writes.releasing = [writes.written, writes.releasing[0]];
  writes.written = [];
  writes.bytes = 0;
}

/** What a sync covers: the writes of one opening of the file made before it began. */
export interface SyncMark {
  readonly writes: FileWrites | undefined;
  readonly serial: number;
}

/** A sync of `file` (absolute path) begins: what it will cover, for fileSynced. */
export function fileSyncStarts(file: string): SyncMark {
  const writes = files.get(file);
  const last = writes?.written.at(-1);
  if (last !== undefined) last.sealed = true;
  return { writes, serial: writes?.serial ?? 0 };
}

/**
 * The sync begun at `mark` ended: the bulk writes made before it leave the page cache — unless
 * the file was closed (and maybe opened again) meanwhile.
 */
export function fileSynced(file: string, mark: SyncMark): void {
  const writes = files.get(file);
  if (writes === undefined || writes !== mark.writes) return;
  const covered = (range: Range) => range.serial < mark.serial;
  const done = notedRanges(writes).filter(covered);
  const kept = (ranges: Range[]) => ranges.filter((range) => !covered(range));
  writes.releasing = [kept(writes.releasing[0]), kept(writes.releasing[1])];
  writes.written = kept(writes.written);
  for (const range of done) releaseRange(writes.fd, range);
  writes.bytes = writes.written.reduce((sum, range) => sum + range.end - range.start, 0);
}

/**
 * The file is about to be closed: what is clean of its bulk writes leaves the page cache, their
 * writeback starts (in libuv's threads, through copies of its descriptor, which outlive the
 * file's), and the file is forgotten. The crash journal, which syncs the closed file once more,
 * drops all of it then (JournalWriter.discard).
 */
export function releaseFileWrites(file: string): void {
  const writes = files.get(file);
  files.delete(file);
  if (writes === undefined) return;
  for (const range of notedRanges(writes)) releaseRange(writes.fd, range, true);
}

/** Every range noted of a file, oldest first: those the last two releases asked about, then the newer. */
function notedRanges(writes: FileWrites): Range[] {
  const [last, before] = writes.releasing;
  return [...before, ...last, ...writes.written];
}

/** In this thread (pages a sync left clean), or in one of libuv's threads (dirty pages: their writeback starts). */
function releaseRange(fd: number, range: Range, inBackground = false): void {
  // a chunk shares its first and last pages with HDF5's metadata, rewritten in place
  const { offset, length } = wholePagesIn(range.start, range.end);
  if (length === 0) return;
  if (!inBackground) releasePages(fd, offset, length);
  else {
    try {
      dropPageCacheInBackground(fd, offset, length);
    } catch {
      // only a wrong argument throws (the kernel's answer is not waited for): nothing is lost
    }
  }
}
