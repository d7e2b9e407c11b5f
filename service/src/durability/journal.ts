/**
 * The crash journal of an open file. HDF5 rewrites a file in place (object headers, chunk
 * indexes, partly filled compressed chunks), so a process killed between two flushes, or during
 * one, can leave the file unreadable or with corrupt rows. The journal is the file's history:
 * every call that changes the file is appended to it before the call runs, so a killed writer
 * loses nothing it has started; `recoverFile` rebuilds the file from it. It lives beside the file
 * (`<file>.h5saver-journal`, plus `<file>.h5saver-base`: the file as it was when an append session
 * opened it) and is deleted when the file closes cleanly.
 *
 * Records: u32 payload length, u32 CRC-32 of the payload (both little-endian), then the payload,
 * a V8-serialised value (the structured clone format, which keeps typed arrays and dates). The
 * first record is the header; a torn last record (the writer died inside a write) is ignored.
 */
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
  writevSync,
} from "node:fs";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { crc32 } from "node:zlib";
import { SaverError } from "../errors.ts";

export const JOURNAL_SUFFIX = ".h5saver-journal";
export const BASE_SUFFIX = ".h5saver-base";
const MAGIC = "h5saver-journal";
const VERSION = 1;
const RECORD_HEAD = 8;

/**
 * The longest file name a journaled file may have: its journal, base copy and recovery folder
 * (`.<name>.h5saver-recovering`) add up to 20 bytes, and a name has at most 255 on every common
 * filesystem.
 */
export const MAX_JOURNALED_NAME_BYTES = 255 - 20;

export function journalPathOf(file: string): string {
  return file + JOURNAL_SUFFIX;
}

export function basePathOf(file: string): string {
  return file + BASE_SUFFIX;
}

/** Whether a path is one of the files (or folders) the journal and its recovery use. */
export function isCrashJournalPath(file: string): boolean {
  return (
    file.endsWith(JOURNAL_SUFFIX) ||
    file.endsWith(BASE_SUFFIX) ||
    file.split(/[\\/]/).some((part) => part.endsWith(".h5saver-recovering"))
  );
}

export function hasJournal(file: string): boolean {
  return existsSync(journalPathOf(file));
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

/** Appends calls to a file's journal; `sync` makes what was appended survive a power cut too. */
export class JournalWriter {
  readonly path: string;
  readonly #file: string;
  #fd: number | undefined;
  #size: number;
  #unsynced = false;

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
    try {
      if (header.fromBase) {
        const base = basePathOf(file);
        copyFileSync(file, base, constants.COPYFILE_FICLONE);
        const fd = openSync(base, "r");
        try {
          fdatasyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      const fd = openSync(journal, "wx");
      const writer = new JournalWriter(file, fd, 0);
      writer.#append({ magic: MAGIC, version: VERSION, ...header } satisfies JournalHeader);
      writer.sync();
      return writer;
    } catch (error) {
      if (error instanceof SaverError) throw error;
      throw journalError(error, journal, "start");
    }
  }

  /** Appends one call. On failure the journal is cut back to its last whole record, and the call must not run. */
  record(call: JournalCall): void {
    this.#append([call.method, call.args]);
    this.#unsynced = true;
  }

  get unsynced(): boolean {
    return this.#unsynced;
  }

  sync(): void {
    const fd = this.#open();
    try {
      fdatasyncSync(fd);
    } catch (error) {
      throw journalError(error, this.path, "sync");
    }
    this.#unsynced = false;
  }

  /** The file closed cleanly: the journal (and the base copy) are not needed any more. */
  discard(): void {
    this.#closeFd();
    rmSync(this.path, { force: true });
    rmSync(basePathOf(this.#file), { force: true });
  }

  /** Stops writing but keeps the journal (the file did not close cleanly: recovery will need it). */
  abandon(): void {
    this.#closeFd();
  }

  #append(value: unknown): void {
    const fd = this.#open();
    const payload = serialize(value);
    const head = Buffer.allocUnsafe(RECORD_HEAD);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    try {
      // head and payload in one system call, without copying the payload behind the head
      let written = writevSync(fd, [head, payload], this.#size);
      const total = RECORD_HEAD + payload.length;
      while (written < total) {
        const rest =
          written < RECORD_HEAD
            ? Buffer.concat([head.subarray(written), payload])
            : payload.subarray(written - RECORD_HEAD);
        written += writeSync(fd, rest, 0, rest.length, this.#size + written);
      }
      this.#size += total;
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
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // closing can only fail on a descriptor that is gone already
    }
    this.#fd = undefined;
  }
}

/** A journal as read back: its header, its whole records, and the bytes of a torn last one. */
export interface JournalContents {
  readonly header: JournalHeader;
  readonly calls: JournalCall[];
  /** Bytes after the last whole record (a write the dying process did not finish); 0 normally. */
  readonly tornBytes: number;
}

export function readJournal(file: string): JournalContents {
  const journal = journalPathOf(file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(journal);
  } catch (error) {
    throw journalError(error, journal, "read");
  }
  const values: unknown[] = [];
  let offset = 0;
  while (offset + RECORD_HEAD <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const end = offset + RECORD_HEAD + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + RECORD_HEAD, end);
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) break;
    values.push(deserialize(payload));
    offset = end;
  }
  const [header, ...records] = values;
  if (!isHeader(header)) {
    throw new SaverError(
      "file_unavailable",
      `'${journal}' is not an h5saver crash journal (or its header was never written): it cannot rebuild '${file}'; move it away to open the file as it is`,
    );
  }
  if (header.version !== VERSION) {
    throw new SaverError(
      "file_unavailable",
      `'${journal}' is a journal of format ${header.version}; this h5saver reads format ${VERSION}: recover it with the h5saver version that wrote it`,
    );
  }
  const calls = records.map((record, i) => {
    if (!Array.isArray(record) || typeof record[0] !== "string" || !Array.isArray(record[1])) {
      throw new SaverError("file_unavailable", `record ${i + 1} of '${journal}' is not a call`);
    }
    return { method: record[0], args: record[1] as unknown[] };
  });
  return { header, calls, tornBytes: bytes.length - offset };
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

function journalError(
  error: unknown,
  journal: string,
  doing: "start" | "write" | "sync" | "read",
): SaverError {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  if (code === "ENOSPC" || code === "EDQUOT") {
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
