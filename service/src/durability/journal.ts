/**
 * The crash journal of an open file. HDF5 rewrites a file in place (object headers, chunk
 * indexes, partly filled compressed chunks), so a process killed between two flushes, or during
 * one, can leave the file unreadable or with corrupt rows. The journal is the file's history:
 * every call that changes the file is appended to it — before the call runs, or, for a stream's
 * frames, right after (so that the record can point at what was written) — and every frame
 * acknowledged as durable has its record synced; `recoverFile` rebuilds the file from it, in a
 * new file: the damaged one is only read. It lives beside the file
 * (`<file>.h5saver-journal`, plus `<file>.h5saver-base`: the file as it was when an append session
 * opened it) and is deleted when the file closes cleanly.
 *
 * Records: u32 payload length, u32 CRC-32 of the payload (both little-endian), then the payload:
 * u32 length of a V8-serialised value (the structured clone format, which keeps dates), the value,
 * then the bytes of its typed arrays one after another — the value names each array's type and
 * length only, so a frame's bytes go from its array to the disk without being copied into the
 * record first. An array whose rows the HDF5 file already holds in whole chunks (large frames,
 * blocks of whole chunks of small ones; uncompressed, or deflated), is not copied at all: the value
 * points at those chunks (their place in the file and their CRC-32, and whether they are zlib
 * streams), and syncing the journal syncs the file too. The first record
 * is the header; a torn last record (the writer died inside a write) is ignored, and so is a
 * record pointing at chunks the file does not hold intact (the writer died before they reached
 * the disk: that call was never acknowledged).
 */
import {
  close,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  rmSync,
  writevSync,
} from "node:fs";
import path from "node:path";
import { Deserializer, deserialize, Serializer } from "node:v8";
import { inflateSync } from "node:zlib";
import type { FileExtent } from "../backend/h5-backend.ts";
import { SaverError } from "../errors.ts";
import { fileSynced, fileSyncStarts, releasePages, wholePagesIn } from "../files/page-cache.ts";
import { syncFile, syncFolder } from "../files/sync-to-disk.ts";
import { crc32 } from "./crc32.ts";

export const JOURNAL_SUFFIX = ".h5saver-journal";
export const BASE_SUFFIX = ".h5saver-base";
/**
 * A journal a recovery has replayed in full, renamed so as it swaps the rebuilt file in: its
 * records point at the damaged file's chunks, so it must never be replayed against the rebuilt
 * one. A recovery that finds it finishes the swap (recover.ts).
 */
export const SPENT_JOURNAL_SUFFIX = ".h5saver-spent-journal";
/** A recovery rebuilds the file in the folder `.<name>` + this, beside it. */
export const RECOVERING_SUFFIX = ".h5saver-recovering";
/** A recovery holds the lock `.<name>` + this, beside the file: one recovery of a file at a time. */
export const RECOVERY_LOCK_SUFFIX = ".h5saver-lock";
const MAGIC = "h5saver-journal";
const VERSION = 4;
/**
 * Formats this version reads, all the same way: 2 never points at the file's chunks, 3 points at
 * chunks stored as they are, 4 at deflated ones too.
 */
const READABLE_VERSIONS: readonly number[] = [2, 3, 4];
const RECORD_HEAD = 8;
/** The record's own head: the length of its serialised value (its arrays' bytes follow the value). */
const VALUE_HEAD = 4;

/**
 * The longest file name a journaled file may have: its journal, base copy, spent journal and
 * recovery folder (`.<name>.h5saver-recovering`) add up to 22 bytes at most, and a name has at
 * most 255 on every common filesystem.
 */
export const MAX_JOURNALED_NAME_BYTES =
  255 -
  Math.max(
    JOURNAL_SUFFIX.length,
    BASE_SUFFIX.length,
    SPENT_JOURNAL_SUFFIX.length,
    1 + RECOVERING_SUFFIX.length,
    1 + RECOVERY_LOCK_SUFFIX.length,
  );

export function journalPathOf(file: string): string {
  return file + JOURNAL_SUFFIX;
}

export function basePathOf(file: string): string {
  return file + BASE_SUFFIX;
}

export function spentJournalPathOf(file: string): string {
  return file + SPENT_JOURNAL_SUFFIX;
}

/** Whether a path is one of the files (or folders) the journal and its recovery use. */
export function isCrashJournalPath(file: string): boolean {
  return (
    file.endsWith(JOURNAL_SUFFIX) ||
    file.endsWith(BASE_SUFFIX) ||
    file.endsWith(SPENT_JOURNAL_SUFFIX) ||
    file.split(/[\\/]/).some((part) => part.endsWith(RECOVERING_SUFFIX))
  );
}

/** Whether the file has a journal to replay, or a recovery of it to finish. */
export function hasJournal(file: string): boolean {
  return existsSync(journalPathOf(file)) || existsSync(spentJournalPathOf(file));
}

/** What a journal starts with: how to open the file again, and from what. */
export interface JournalHeader {
  readonly magic: typeof MAGIC;
  readonly version: number;
  /** The options the file was opened with (path, mode and journal left out). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The moment of the open: the root's date and time attributes of a new file. */
  readonly openedAt: Date;
  /** The session added to an existing file: the journal replays onto `<file>.h5saver-base`. */
  readonly fromBase: boolean;
}

/** One call that changed the file: a SaverFile method and its (normalised) arguments. */
export interface JournalCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

/**
 * Arrays of a call whose rows the file holds already, each row a whole chunk: where (in row
 * order). A view of such an array's whole rows (a frame block's first frame) points there too.
 */
export type ChunkPlaces = ReadonlyMap<NodeJS.ArrayBufferView, readonly FileExtent[]>;

/** Appends calls to a file's journal; `sync` makes what was appended survive a power cut too. */
export class JournalWriter {
  readonly path: string;
  readonly #file: string;
  #fd: number | undefined;
  #size: number;
  #unsynced = false;
  /** The HDF5 file, read-only, once a record points at its chunks: synced with the journal. */
  #fileFd: number | undefined;
  #fileUnsynced = false;
  /** The sync running in libuv's threads, if any: the descriptors stay open until it ends. */
  #syncing: Promise<void> | undefined;

  private constructor(file: string, fd: number, size: number) {
    this.#file = file;
    this.path = journalPathOf(file);
    this.#fd = fd;
    this.#size = size;
  }

  /**
   * Starts the journal of `file`. With `fromBase`, the file exists and is copied first (a
   * copy-on-write clone where the filesystem can): the journal then replays onto that copy.
   */
  static start(file: string, header: Omit<JournalHeader, "magic" | "version">): JournalWriter {
    const journal = journalPathOf(file);
    const nameBytes = Buffer.byteLength(path.basename(file));
    if (nameBytes > MAX_JOURNALED_NAME_BYTES) {
      throw new SaverError(
        "invalid_data",
        `the file name is ${nameBytes} bytes long; with its crash journal beside it, a file name may have at most ${MAX_JOURNALED_NAME_BYTES}: choose a shorter one`,
        { field: "path" },
      );
    }
    let madeBase = false;
    let fd: number | undefined;
    let writer: JournalWriter | undefined;
    try {
      if (header.fromBase) {
        const base = basePathOf(file);
        // EXCL: a base copy is only ever made here, after the stale one was removed (SaverFile.open)
        copyFileSync(file, base, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
        madeBase = true;
        syncFile(base);
      }
      fd = openSync(journal, "wx");
      writer = new JournalWriter(file, fd, 0);
      writer.#append({ magic: MAGIC, version: VERSION, ...header } satisfies JournalHeader);
      writer.sync();
      // the journal's (and the base copy's) names: fdatasync of a file does not promise them
      syncFolder(path.dirname(file));
      return writer;
    } catch (error) {
      // what this start made goes (a disk too full for the header, say): a journal left here
      // would make the file look unrecoverable from a crash that never happened
      if (writer) writer.#closeFd();
      else if (fd !== undefined) closeQuietly(fd);
      if (fd !== undefined) rmSync(journal, { force: true });
      if (madeBase) rmSync(basePathOf(file), { force: true });
      // the header's write or sync meeting a full disk says so as a start, not as lost frames
      if (error instanceof SaverError && error.code === "resource_exhausted")
        throw journalFullAtStart(journal);
      if (error instanceof SaverError) throw error;
      throw journalError(error, journal, "start");
    }
  }

  /**
   * Appends one call; `places` lets it point at chunks the file holds instead of copying them.
   * On failure the journal is cut back to its last whole record (and the call counts as not made).
   */
  record(call: JournalCall, places?: ChunkPlaces): void {
    const pointsAtFile = this.#append([call.method, call.args], places);
    this.#unsynced = true;
    if (pointsAtFile) this.#fileUnsynced = true;
  }

  get unsynced(): boolean {
    return this.#unsynced;
  }

  sync(): void {
    const fd = this.#open();
    try {
      // the chunks first: a record is worth nothing without them
      if (this.#fileUnsynced && this.#fileFd !== undefined) {
        const file = path.resolve(this.#file);
        const mark = fileSyncStarts(file);
        fdatasyncSync(this.#fileFd);
        fileSynced(file, mark);
      }
      this.#fileUnsynced = false;
      fdatasyncSync(fd);
      this.#releaseSynced(fd, this.#size);
    } catch (error) {
      throw journalError(error, this.path, "sync");
    }
    this.#unsynced = false;
  }

  /**
   * Syncs in the background (in libuv's threads), so that the caller goes on writing meanwhile;
   * resolves once every record appended before the call is on the disk. At most one such sync runs
   * at a time: while one runs this starts none and returns undefined (start the next when it ends).
   */
  syncInBackground(): Promise<void> | undefined {
    if (this.#syncing) return undefined;
    const fds = [this.#open()];
    // both at once: a record whose chunks missed the disk reads back as torn, and was not acknowledged
    if (this.#fileUnsynced && this.#fileFd !== undefined) fds.push(this.#fileFd);
    const file = path.resolve(this.#file);
    const fileMark = fds.length > 1 ? fileSyncStarts(file) : undefined;
    this.#unsynced = false;
    this.#fileUnsynced = false;
    const size = this.#size;
    const syncing = Promise.all(
      fds.map(
        (fd) =>
          new Promise<void>((resolve, reject) =>
            fdatasync(fd, (error) => (error ? reject(error) : resolve())),
          ),
      ),
    ).then(
      () => {
        if (fileMark !== undefined) fileSynced(file, fileMark);
        if (this.#fd !== undefined) this.#releaseSynced(this.#fd, size);
        this.#syncing = undefined;
      },
      (error: unknown) => {
        this.#syncing = undefined;
        this.#unsynced = true;
        throw journalError(error, this.path, "sync");
      },
    );
    this.#syncing = syncing;
    return syncing;
  }

  /**
   * The file closed cleanly: the journal (and the base copy) are not needed any more — once the
   * file itself is on the disk, or a power cut could take both its last writes and the journal.
   */
  discard(): void {
    this.#closeFd();
    // closed and clean once synced: none of its pages is needed in memory any more
    if (existsSync(this.#file)) syncFile(this.#file, (fd) => releasePages(fd));
    rmSync(this.path, { force: true });
    rmSync(basePathOf(this.#file), { force: true });
    syncFolder(path.dirname(this.#file));
  }

  /** Stops writing but keeps the journal (the file did not close cleanly: recovery will need it). */
  abandon(): void {
    this.#closeFd();
  }

  /** Writes one record; true if it points at chunks of the file. */
  #append(value: unknown, places?: ChunkPlaces): boolean {
    const fd = this.#open();
    const { value: serialised, arrays, pointsAtFile } = serialiseRecord(value, places);
    if (pointsAtFile) this.#openFile();
    const head = Buffer.allocUnsafe(RECORD_HEAD + VALUE_HEAD);
    head.writeUInt32LE(serialised.length, RECORD_HEAD);
    const body = [serialised, ...arrays];
    let payloadLength = VALUE_HEAD;
    let crc = crc32(head.subarray(RECORD_HEAD));
    for (const part of body) {
      payloadLength += part.byteLength;
      crc = crc32(bytesOf(part), crc);
    }
    head.writeUInt32LE(payloadLength, 0);
    head.writeUInt32LE(crc, 4);
    const parts = [head, ...body];
    const total = RECORD_HEAD + payloadLength;
    try {
      // every part in one system call where the kernel takes it whole, without joining them first
      let written = 0;
      while (written < total) written += this.#writeFrom(fd, parts, written);
      this.#size += total;
      return pointsAtFile;
    } catch (error) {
      // a record cut short would hide every later one from recovery: cut it off
      try {
        ftruncateSync(fd, this.#size);
      } catch {
        this.#closeFd();
      }
      throw journalError(error, this.path, "write");
    }
  }

  /** Writes the record's parts from its byte `from` on (0, or after a short write); returns the bytes written. */
  #writeFrom(fd: number, parts: readonly NodeJS.ArrayBufferView[], from: number): number {
    let skip = from;
    const rest: Uint8Array[] = [];
    for (const part of parts) {
      const bytes = bytesOf(part);
      if (skip >= bytes.length) {
        skip -= bytes.length;
        continue;
      }
      rest.push(bytes.subarray(skip));
      skip = 0;
    }
    return writevSync(fd, rest, this.#size + from);
  }

  /**
   * The journal's whole pages up to `size` are on the disk and never written again (records are
   * only appended): they leave the page cache (files/page-cache.ts), as the HDF5 file's chunks do
   * once a sync covered them (fileSynced). The page `size` falls in stays: the next record goes on
   * filling it.
   */
  #releaseSynced(fd: number, size: number): void {
    const { length } = wholePagesIn(0, size);
    if (length > 0) releasePages(fd, 0, length);
  }

  /** The HDF5 file, opened to sync it (fdatasync through any descriptor syncs the file). */
  #openFile(): void {
    if (this.#fileFd !== undefined) return;
    try {
      this.#fileFd = openSync(this.#file, "r");
    } catch (error) {
      throw journalError(error, this.path, "write");
    }
  }

  #open(): number {
    if (this.#fd === undefined) {
      throw new SaverError(
        "io_error",
        `the crash journal '${this.path}' is closed after a failed write; close the file and open it again (it is recovered from the journal)`,
      );
    }
    return this.#fd;
  }

  #closeFd(): void {
    const fds = [this.#fd, this.#fileFd].filter((fd): fd is number => fd !== undefined);
    this.#fd = undefined;
    this.#fileFd = undefined;
    const syncing = this.#syncing;
    for (const fd of fds) {
      if (syncing) {
        // a sync still running on this descriptor: close it after (its number must not be reused before)
        const closeAfter = () => close(fd, () => undefined);
        syncing.then(closeAfter, closeAfter);
        continue;
      }
      closeQuietly(fd);
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing can only fail on a descriptor that is gone already
  }
}

/** A journal as read back: its header, its whole records, and the bytes of a torn last one. */
export interface JournalContents {
  readonly header: JournalHeader;
  readonly calls: JournalCall[];
  /** Bytes after the last whole record (a write the dying process did not finish); 0 normally. */
  readonly tornBytes: number;
}

/** A whole journal in memory (tests, small journals); recovery reads it record by record. */
export function readJournal(file: string): JournalContents {
  const reader = JournalReader.open(file);
  try {
    const calls: JournalCall[] = [];
    for (let call = reader.next(); call; call = reader.next()) calls.push(call);
    return { header: reader.header, calls, tornBytes: reader.tornBytes };
  } finally {
    reader.close();
  }
}

/** Bytes read from the journal at a time: records up to this size share one read. */
const READ_WINDOW = 1 << 20;

/**
 * Reads a journal one record at a time: a journal holds a whole session's frames, far more than
 * memory (and than the 2 GiB one read may return). The arrays of a record that points at the
 * file's chunks are read from the file and checked against their CRC-32.
 */
export class JournalReader {
  readonly header: JournalHeader;
  /** The journal's size in bytes. */
  readonly bytes: number;
  readonly #file: string;
  readonly #path: string;
  readonly #fd: number;
  #fileFd: number | undefined;
  #offset = 0;
  #ended = false;
  #records = 0;
  #window: Buffer = Buffer.alloc(0);
  #windowStart = 0;

  private constructor(file: string, fd: number) {
    this.#file = file;
    this.#path = journalPathOf(file);
    this.#fd = fd;
    this.bytes = fstatSync(fd).size;
    const header = this.#nextValue(true);
    if (!isHeader(header)) {
      throw new SaverError(
        "file_unavailable",
        `'${this.#path}' is not an h5saver crash journal (or its header was never written): it cannot rebuild '${file}'; move it away to open the file as it is`,
      );
    }
    if (!READABLE_VERSIONS.includes(header.version)) {
      throw new SaverError(
        "file_unavailable",
        `'${this.#path}' is a journal of format ${header.version}; this h5saver reads formats ${READABLE_VERSIONS.slice(0, -1).join(", ")} and ${READABLE_VERSIONS.at(-1)}: recover it with the h5saver version that wrote it`,
      );
    }
    this.header = header;
  }

  static open(file: string): JournalReader {
    const journal = journalPathOf(file);
    let fd: number;
    try {
      fd = openSync(journal, "r");
    } catch (error) {
      throw journalError(error, journal, "read");
    }
    try {
      return new JournalReader(file, fd);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Bytes of whole records read so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Once next() has returned undefined: the bytes after the last whole record (0 normally). */
  get tornBytes(): number {
    return this.bytes - this.#offset;
  }

  /**
   * The next call; undefined at the end, or at the first record that is torn — cut short, failing
   * its CRC, or pointing at chunks the file does not hold intact: every later record is dropped.
   */
  next(): JournalCall | undefined {
    const record = this.#nextValue(false);
    if (record === undefined) return undefined;
    this.#records++;
    if (!Array.isArray(record) || typeof record[0] !== "string" || !Array.isArray(record[1])) {
      throw new SaverError("file_unavailable", `record ${this.#records} of '${this.#path}' is not a call`);
    }
    return { method: record[0], args: record[1] as unknown[] };
  }

  close(): void {
    closeSync(this.#fd);
    if (this.#fileFd !== undefined) closeSync(this.#fileFd);
    this.#fileFd = undefined;
  }

  #nextValue(header: boolean): unknown {
    if (this.#ended) return undefined;
    const head = this.#read(this.#offset, RECORD_HEAD);
    // read before the payload's read, which may reuse the memory the head is in
    const length = head?.readUInt32LE(0) ?? 0;
    const crc = head?.readUInt32LE(4);
    const payload = head && this.#read(this.#offset + RECORD_HEAD, length);
    // a tail of zeros (a filesystem's after a crash) reads as an empty record whose CRC-32 is 0
    // too: no record is shorter than its value's length field
    if (!payload || length < VALUE_HEAD || crc32(payload) !== crc) {
      this.#ended = true;
      return undefined;
    }
    let value: unknown;
    try {
      value = header
        ? headerRecord(payload)
        : deserialiseRecord(payload, (extent) => this.#readChunk(extent));
    } catch (error) {
      if (!(error instanceof ChunkMissing)) throw error;
      this.#ended = true;
      return undefined;
    }
    this.#offset += RECORD_HEAD + payload.length;
    return value;
  }

  /** `length` bytes of the journal from `at`, or undefined past its end. Valid until the next read. */
  #read(at: number, length: number): Buffer | undefined {
    if (at + length > this.bytes) return undefined;
    const from = at - this.#windowStart;
    if (from >= 0 && from + length <= this.#window.length) return this.#window.subarray(from, from + length);
    try {
      if (length > READ_WINDOW) return readFully(this.#fd, Buffer.allocUnsafe(length), at);
      if (this.#window.length < READ_WINDOW) this.#window = Buffer.allocUnsafe(READ_WINDOW);
      this.#window = readFully(this.#fd, this.#window, at, Math.min(READ_WINDOW, this.bytes - at));
    } catch (error) {
      throw journalError(error, this.#path, "read");
    }
    this.#windowStart = at;
    return this.#window.subarray(0, length);
  }

  /** A chunk of the HDF5 file a record points at, as it was written (else ChunkMissing). */
  #readChunk(extent: FileExtent): Uint8Array {
    if (this.#fileFd === undefined) {
      try {
        this.#fileFd = openSync(this.#file, "r");
      } catch {
        throw new ChunkMissing();
      }
    }
    const bytes = readFully(this.#fileFd, Buffer.allocUnsafe(extent.length), extent.offset);
    if (bytes.length < extent.length) throw new ChunkMissing();
    if (crc32(bytes) !== extent.crc32) throw new ChunkMissing();
    return bytes;
  }
}

/** Reads `length` bytes (default: the buffer's) at `at` into `into`; returns the part filled (less at the end of the file). */
function readFully(fd: number, into: Buffer, at: number, length = into.length): Buffer {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, done, length - done, at + done);
    if (n === 0) break;
    done += n;
  }
  return into.subarray(0, done);
}

/** A record points at chunks that are not in the file as they were written: it is torn. */
class ChunkMissing extends Error {}

/**
 * A deflated chunk's bytes. Its stored bytes are as written (their CRC-32 matched), so a stream
 * that does not inflate to the chunk is no torn record but a journal that misnamed it: recovery
 * stops there, saying so, rather than drop this record and every acknowledged one after it.
 */
function inflatedChunk(stored: Uint8Array, chunkBytes: number, extent: FileExtent): Uint8Array {
  let bytes: Buffer | undefined;
  try {
    bytes = inflateSync(stored, { maxOutputLength: chunkBytes });
  } catch {
    // (a stream of more than chunkBytes fails here too)
  }
  if (bytes?.length !== chunkBytes) {
    throw new SaverError(
      "file_unavailable",
      `a journal record points at a deflated chunk (${extent.length} bytes at ${extent.offset} in the file) that is intact but does not inflate to its ${chunkBytes} bytes: the journal is inconsistent; recovery stops before it rather than drop it and the records after it`,
    );
  }
  return bytes;
}

/**
 * Typed arrays are written by reference: the serialised value holds each one's type and byte
 * length, and its bytes follow the value in the record (V8's own serialiser would copy them into
 * the value first: a copy of every frame) — or, for arrays the file holds in chunks, where those
 * chunks are.
 */
const ARRAY_TYPES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as const;

/** Added to an array's type index when the value points at the file instead of carrying its bytes. */
const POINTED = 0x100;
/** The same, for chunks stored as zlib streams (format 4). */
const POINTED_DEFLATED = 0x200;

type ArrayViewConstructor = (typeof ARRAY_TYPES)[number];

interface HostObjectHooks {
  _setTreatArrayBufferViewsAsHostObjects(flag: boolean): void;
}

/** Where a placed array lies, by the memory it views. */
interface Placement {
  readonly array: NodeJS.ArrayBufferView;
  readonly extents: readonly FileExtent[];
}

class RecordSerializer extends Serializer {
  readonly arrays: NodeJS.ArrayBufferView[] = [];
  pointsAtFile = false;
  readonly #placements = new Map<ArrayBufferLike, Placement[]>();

  constructor(places: ChunkPlaces | undefined) {
    super();
    (this as unknown as HostObjectHooks)._setTreatArrayBufferViewsAsHostObjects(true);
    for (const [array, extents] of places ?? []) {
      const list = this.#placements.get(array.buffer) ?? [];
      list.push({ array, extents });
      this.#placements.set(array.buffer, list);
    }
  }

  _writeHostObject(object: object): void {
    const view = object as NodeJS.ArrayBufferView;
    const exact = (ARRAY_TYPES as readonly unknown[]).indexOf(view.constructor);
    // a subclass (Node's Buffer is a Uint8Array) is kept as its base type
    const index = exact >= 0 ? exact : ARRAY_TYPES.findIndex((type) => view instanceof type);
    if (!ArrayBuffer.isView(object) || index < 0) {
      throw new TypeError(`a journal record cannot hold a ${object.constructor.name}`);
    }
    const extents = this.#extentsOf(view);
    if (extents) {
      this.writeUint32((extents[0]?.encoding === "deflate" ? POINTED_DEFLATED : POINTED) + index);
      this.writeUint32(view.byteLength);
      this.writeUint32(extents.length);
      for (const extent of extents) {
        this.writeDouble(extent.offset);
        this.writeUint32(extent.length);
        this.writeUint32(extent.crc32);
      }
      this.pointsAtFile = true;
      return;
    }
    this.writeUint32(index);
    this.writeUint32(view.byteLength);
    this.arrays.push(view);
  }

  /** The chunks holding exactly the bytes of `view` (whole chunks of a placed array), if any. */
  #extentsOf(view: NodeJS.ArrayBufferView): readonly FileExtent[] | undefined {
    if (view.byteLength === 0) return undefined;
    for (const { array, extents } of this.#placements.get(view.buffer) ?? []) {
      // the extents must hold the whole array, in chunks of one size: a slice of fewer would read back short
      const chunkBytes = extents.length === 0 ? 0 : array.byteLength / extents.length;
      const encoding = extents[0]?.encoding;
      const from = view.byteOffset - array.byteOffset;
      if (
        !Number.isInteger(chunkBytes) ||
        chunkBytes === 0 ||
        from < 0 ||
        from + view.byteLength > array.byteLength ||
        from % chunkBytes !== 0 ||
        view.byteLength % chunkBytes !== 0 ||
        extents.some((extent) =>
          encoding === "deflate"
            ? extent.encoding !== "deflate"
            : extent.encoding !== undefined || extent.length !== chunkBytes,
        )
      ) {
        continue;
      }
      return extents.slice(from / chunkBytes, (from + view.byteLength) / chunkBytes);
    }
    return undefined;
  }
}

class RecordDeserializer extends Deserializer {
  readonly #arrays: Buffer;
  readonly #readChunk: ((extent: FileExtent) => Uint8Array) | undefined;
  #offset = 0;

  constructor(value: Buffer, arrays: Buffer, readChunk: ((extent: FileExtent) => Uint8Array) | undefined) {
    super(value);
    this.#arrays = arrays;
    this.#readChunk = readChunk;
  }

  _readHostObject(): NodeJS.ArrayBufferView {
    const tag = this.readUint32();
    const how = tag >= POINTED_DEFLATED ? "deflated" : tag >= POINTED ? "pointed" : "carried";
    const base = how === "deflated" ? POINTED_DEFLATED : how === "pointed" ? POINTED : 0;
    const type = ARRAY_TYPES[tag - base] as ArrayViewConstructor | undefined;
    const byteLength = this.readUint32();
    if (!type) throw new RangeError("a journal record names an array type this version does not know");
    const bytes =
      how === "carried" ? this.#carriedBytes(byteLength) : this.#pointedBytes(byteLength, how === "deflated");
    if (type === DataView) return new DataView(bytes);
    const typed = type as Exclude<ArrayViewConstructor, typeof DataView>;
    return new typed(bytes, 0, byteLength / typed.BYTES_PER_ELEMENT);
  }

  /** An array whose bytes follow the value: a copy (aligned, and not holding the journal). */
  #carriedBytes(byteLength: number): ArrayBuffer {
    if (this.#offset + byteLength > this.#arrays.length) {
      throw new RangeError("a journal record's arrays do not match its value");
    }
    const bytes = (this.#arrays.buffer as ArrayBuffer).slice(
      this.#arrays.byteOffset + this.#offset,
      this.#arrays.byteOffset + this.#offset + byteLength,
    );
    this.#offset += byteLength;
    return bytes;
  }

  /** An array the file holds in chunks (as they are, or deflated): read from there. */
  #pointedBytes(byteLength: number, deflated: boolean): ArrayBuffer {
    const count = this.readUint32();
    const extents: FileExtent[] = [];
    for (let i = 0; i < count; i++) {
      extents.push({ offset: this.readDouble(), length: this.readUint32(), crc32: this.readUint32() });
    }
    const chunkBytes = byteLength / count;
    const readChunk = this.#readChunk;
    if (
      !readChunk ||
      !Number.isInteger(chunkBytes) ||
      (!deflated && extents.some((extent) => extent.length !== chunkBytes))
    ) {
      throw new RangeError("a journal record's chunks do not match its value");
    }
    const bytes = new Uint8Array(byteLength);
    extents.forEach((extent, k) => {
      const stored = readChunk(extent);
      bytes.set(deflated ? inflatedChunk(stored, chunkBytes, extent) : stored, k * chunkBytes);
    });
    return bytes.buffer;
  }
}

function serialiseRecord(
  value: unknown,
  places: ChunkPlaces | undefined,
): { value: Buffer; arrays: NodeJS.ArrayBufferView[]; pointsAtFile: boolean } {
  const serializer = new RecordSerializer(places);
  serializer.writeHeader();
  serializer.writeValue(value);
  return {
    value: serializer.releaseBuffer(),
    arrays: serializer.arrays,
    pointsAtFile: serializer.pointsAtFile,
  };
}

function deserialiseRecord(payload: Buffer, readChunk?: (extent: FileExtent) => Uint8Array): unknown {
  const length = payload.readUInt32LE(0);
  const value = payload.subarray(VALUE_HEAD, VALUE_HEAD + length);
  const deserializer = new RecordDeserializer(value, payload.subarray(VALUE_HEAD + length), readChunk);
  deserializer.readHeader();
  return deserializer.readValue();
}

/**
 * The first record. Format 1 stored a plain V8-serialised value, which this format cannot parse:
 * such a header is read the old way, so that the version check names the format it is.
 */
function headerRecord(payload: Buffer): unknown {
  try {
    return deserialiseRecord(payload);
  } catch (error) {
    try {
      return deserialize(payload);
    } catch {
      throw error;
    }
  }
}

function bytesOf(view: NodeJS.ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function isHeader(value: unknown): value is JournalHeader {
  if (value === null || typeof value !== "object") return false;
  const header = value as Partial<JournalHeader>;
  return (
    header.magic === MAGIC &&
    typeof header.version === "number" &&
    header.openedAt instanceof Date &&
    typeof header.fromBase === "boolean" &&
    typeof header.options === "object"
  );
}

function journalFullAtStart(journal: string, code = "ENOSPC"): SaverError {
  return new SaverError(
    "resource_exhausted",
    `the disk is full: the crash journal '${journal}' could not be started (${code}), so the file was not opened. Free space on that disk (or use another data root), then open it again`,
  );
}

function journalError(
  error: unknown,
  journal: string,
  doing: "start" | "write" | "sync" | "read",
): SaverError {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  if (code === "ENOSPC" || code === "EDQUOT") {
    if (doing === "start") return journalFullAtStart(journal, code);
    return new SaverError(
      "resource_exhausted",
      `the disk is full: the crash journal '${journal}' could not ${doing} (${code}); frames acknowledged as durable are kept. Free space on that disk (or use another data root), then open the file again or a new one`,
    );
  }
  if (code === "EEXIST") {
    return new SaverError(
      "failed_precondition",
      `'${journal}' exists: the file was not closed cleanly; recover it first (h5saver recover, or open it through the server)`,
    );
  }
  return new SaverError("io_error", `the crash journal '${journal}' could not ${doing}: ${message}`);
}
