/**
 * The crash journal of an open file. HDF5 rewrites a file in place (object headers, chunk
 * indexes, partly filled compressed chunks), so a process killed between two flushes, or during
 * one, can leave the file unreadable or with corrupt rows. The journal is the file's history:
 * every call that changes the file is appended to it before the call runs, so a killed writer
 * loses nothing it has started; `recoverFile` rebuilds the file from it. It lives beside the file
 * (`<file>.h5saver-journal`, plus `<file>.h5saver-base`: the file as it was when an append session
 * opened it) and is deleted when the file closes cleanly.
 *
 * Records: u32 payload length, u32 CRC-32 of the payload (both little-endian), then the payload:
 * u32 length of a V8-serialised value (the structured clone format, which keeps dates), the value,
 * then the bytes of its typed arrays one after another — the value names each array's type and
 * length only, so a frame's bytes go from its array to the disk without being copied into the
 * record first. The first record is the header; a torn last record (the writer died inside a
 * write) is ignored.
 */
import {
  close,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  rmSync,
  writevSync,
} from "node:fs";
import path from "node:path";
import { Deserializer, deserialize, Serializer } from "node:v8";
import { crc32 } from "node:zlib";
import { SaverError } from "../errors.ts";

export const JOURNAL_SUFFIX = ".h5saver-journal";
export const BASE_SUFFIX = ".h5saver-base";
const MAGIC = "h5saver-journal";
const VERSION = 2;
const RECORD_HEAD = 8;
/** The record's own head: the length of its serialised value (its arrays' bytes follow the value). */
const VALUE_HEAD = 4;

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
  /** The sync running in libuv's threads, if any: the descriptor stays open until it ends. */
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

  /**
   * Syncs in the background (in libuv's threads), so that the caller goes on writing meanwhile;
   * resolves once every record appended before the call is on the disk. At most one such sync runs
   * at a time: while one runs this starts none and returns undefined (start the next when it ends).
   */
  syncInBackground(): Promise<void> | undefined {
    if (this.#syncing) return undefined;
    const fd = this.#open();
    this.#unsynced = false;
    const syncing = new Promise<void>((resolve, reject) => {
      fdatasync(fd, (error) => {
        this.#syncing = undefined;
        if (error) {
          this.#unsynced = true;
          reject(journalError(error, this.path, "sync"));
        } else resolve();
      });
    });
    this.#syncing = syncing;
    return syncing;
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
    const { value: serialised, arrays } = serialiseRecord(value);
    const head = Buffer.allocUnsafe(RECORD_HEAD + VALUE_HEAD);
    head.writeUInt32LE(serialised.length, RECORD_HEAD);
    const body = [serialised, ...arrays];
    let payloadLength = VALUE_HEAD;
    let crc = crc32(head.subarray(RECORD_HEAD));
    for (const part of body) {
      payloadLength += part.byteLength;
      // an empty view is skipped: Node's crc32 of a view over an empty buffer forgets `crc` (gives 0)
      if (part.byteLength > 0) crc = crc32(bytesOf(part), crc);
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
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    if (this.#syncing) {
      // a sync still running on this descriptor: close it after (its number must not be reused before)
      const closeAfter = () => close(fd, () => undefined);
      this.#syncing.then(closeAfter, closeAfter);
      return;
    }
    try {
      closeSync(fd);
    } catch {
      // closing can only fail on a descriptor that is gone already
    }
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
    values.push(values.length === 0 ? headerRecord(payload) : deserialiseRecord(payload));
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

/**
 * Typed arrays are written by reference: the serialised value holds each one's type and byte
 * length, and its bytes follow the value in the record (V8's own serialiser would copy them into
 * the value first: a copy of every frame).
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

type ArrayViewConstructor = (typeof ARRAY_TYPES)[number];

interface HostObjectHooks {
  _setTreatArrayBufferViewsAsHostObjects(flag: boolean): void;
}

class RecordSerializer extends Serializer {
  readonly arrays: NodeJS.ArrayBufferView[] = [];

  constructor() {
    super();
    (this as unknown as HostObjectHooks)._setTreatArrayBufferViewsAsHostObjects(true);
  }

  _writeHostObject(object: object): void {
    const view = object as NodeJS.ArrayBufferView;
    const exact = (ARRAY_TYPES as readonly unknown[]).indexOf(view.constructor);
    // a subclass (Node's Buffer is a Uint8Array) is kept as its base type
    const index = exact >= 0 ? exact : ARRAY_TYPES.findIndex((type) => view instanceof type);
    if (!ArrayBuffer.isView(object) || index < 0) {
      throw new TypeError(`a journal record cannot hold a ${object.constructor.name}`);
    }
    this.writeUint32(index);
    this.writeUint32(view.byteLength);
    this.arrays.push(view);
  }
}

class RecordDeserializer extends Deserializer {
  readonly #arrays: Buffer;
  #offset = 0;

  constructor(value: Buffer, arrays: Buffer) {
    super(value);
    this.#arrays = arrays;
  }

  _readHostObject(): NodeJS.ArrayBufferView {
    const type = ARRAY_TYPES[this.readUint32()] as ArrayViewConstructor | undefined;
    const byteLength = this.readUint32();
    if (!type || this.#offset + byteLength > this.#arrays.length) {
      throw new RangeError("a journal record's arrays do not match its value");
    }
    // a copy: aligned for its type, and not holding the whole journal in memory
    const bytes = (this.#arrays.buffer as ArrayBuffer).slice(
      this.#arrays.byteOffset + this.#offset,
      this.#arrays.byteOffset + this.#offset + byteLength,
    );
    this.#offset += byteLength;
    if (type === DataView) return new DataView(bytes);
    const typed = type as Exclude<ArrayViewConstructor, typeof DataView>;
    return new typed(bytes, 0, byteLength / typed.BYTES_PER_ELEMENT);
  }
}

function serialiseRecord(value: unknown): { value: Buffer; arrays: NodeJS.ArrayBufferView[] } {
  const serializer = new RecordSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return { value: serializer.releaseBuffer(), arrays: serializer.arrays };
}

function deserialiseRecord(payload: Buffer): unknown {
  const length = payload.readUInt32LE(0);
  const value = payload.subarray(VALUE_HEAD, VALUE_HEAD + length);
  const deserializer = new RecordDeserializer(value, payload.subarray(VALUE_HEAD + length));
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
