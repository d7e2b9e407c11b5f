/**
 * Frames of a continuous upload gathered into one StreamRequest (StreamRequest.frames): at high
 * frame rates the costs per message — protobuf, the wire, the server's decoding, its writer
 * thread and its journal — are then paid once per batch. A frame joins the batch while it has the
 * layout of the batch's first (arrays of the same types and lengths, shapes, names); the first is
 * validated in full and describes them all, and each frame keeps its own sequence number and
 * timestamp. Only arrays are copied: once, into the message's bytes (stream-encoding.ts).
 */
import { create } from "@bufbuild/protobuf";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { invalidData } from "@h5saver/service";
import {
  createDataToExport,
  type DataToExport,
  type DataToExportInput,
  type DataWithAxes,
  type DataWithAxesInput,
  isNumericArray,
  MAX_BLOCK_FRAMES,
  type NumericArray,
} from "@h5saver/service/model";
import { dataToExportToProto } from "@h5saver/service/rpc/convert";
import { withEncoding } from "@h5saver/service/rpc/grpc-glue";
import type { MessageAllocator } from "./grpc-framing.ts";
import { type DataWithAxesParts, encodeStreamRequest } from "./stream-encoding.ts";

export interface BatchOptions {
  /** Frames in one message at most (1: no batching). Default 1024. */
  readonly maxFrames?: number;
  /** Array bytes in one message at most; a frame this large goes alone. Default 4 MiB. */
  readonly maxBytes?: number;
}

/**
 * 4 MiB: one HTTP/2 window of the server's, 8 camera frames of 512², 256 spectra of 16 KiB. Large
 * frames gain from joining as much as small ones: each is copied into the message once either
 * way, and the server's costs per message (a hop to the writer thread, an HDF5 call, a journal
 * record) are paid once per batch — 512² frames 230 → 350–390 MB/s end to end, 1 MiB → 4 MiB
 * batches of spectra +20 %.
 */
export const DEFAULT_BATCH: Required<BatchOptions> = { maxFrames: 1024, maxBytes: 4 << 20 };

interface Waiting {
  readonly timestamp: number;
  /** Per DataWithAxes: its data arrays, then its error arrays. */
  readonly arrays: ReadonlyArray<readonly NumericArray[]>;
}

export class FrameBatch {
  readonly #options: Required<BatchOptions>;
  #first: DataToExport | undefined;
  #frameBytes = 0;
  /** The largest power of two of this batch's frames that fits a message (its frames are alike). */
  #powerOfTwoFrames = 1;
  #frames: Waiting[] = [];
  #firstSequence = 0;
  /** Undefined until the server tells it. */
  #framesPerChunk: number | undefined;

  constructor(options: BatchOptions = {}) {
    this.#options = { ...DEFAULT_BATCH, ...options };
    if (!(this.#options.maxFrames >= 1) || !(this.#options.maxBytes >= 1)) {
      throw new RangeError("batch maxFrames and maxBytes must be at least 1");
    }
  }

  get size(): number {
    return this.#frames.length;
  }

  /**
   * Takes the next frame: into the waiting batch when it fits (returns true), else returns false
   * and the caller must `take()` the batch first. A frame that starts a batch is validated in full
   * (throws InvalidData as createDataToExport does).
   */
  add(input: DataToExport | DataToExportInput, sequence: number): boolean {
    const first = this.#first;
    if (first) {
      const arrays = sameLayoutArrays(first, input);
      if (!arrays || this.full) return false;
      const timestamp = input.timestamp ?? Date.now() / 1000;
      if (!Number.isFinite(timestamp)) return false; // the full check says why
      this.#frames.push({ timestamp, arrays });
      return true;
    }
    const dte = createDataToExport(input);
    this.#first = dte;
    this.#firstSequence = sequence;
    this.#frameBytes = 0;
    const arrays = dte.data.map(streamedArrays);
    for (const list of arrays) for (const array of list) this.#frameBytes += array.byteLength;
    this.#powerOfTwoFrames = this.#mostFramesPowerOfTwo();
    this.#frames.push({ timestamp: dte.timestamp, arrays });
    return true;
  }

  /**
   * The server's Ack.framesPerChunk (0: none): batches then end on multiples of it, counted from
   * sequence 1, so that the server writes them as whole chunks its crash journal points at
   * rather than copies. Until it is heard, batches end on multiples of the largest power of two
   * of frames that fits a message: h5saver's chunks of small rows are a power of two of rows.
   */
  set framesPerChunk(frames: number) {
    this.#framesPerChunk = frames;
  }

  /**
   * Whether the waiting frames should go now rather than wait for more: when one more frame would
   * not fit, or when they end on a chunk boundary and either started inside a chunk (this batch
   * realigns the next ones) or another chunk's worth would not fit.
   */
  /** The most bytes of arrays one message carries (BatchOptions.maxBytes). */
  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  get full(): boolean {
    const size = this.#frames.length;
    if (!this.#fits(size + 1)) return true;
    const perChunk = this.#framesPerChunk ?? this.#powerOfTwoFrames;
    if (perChunk <= 1 || !this.#fits(perChunk)) return false;
    const start = this.#firstSequence - 1;
    if ((start + size) % perChunk !== 0) return false;
    // the server writes whole chunks straight from a message only when it starts on a boundary
    return start % perChunk !== 0 || !this.#fits(size + perChunk);
  }

  #fits(frames: number): boolean {
    return frames <= this.#options.maxFrames && frames * this.#frameBytes <= this.#options.maxBytes;
  }

  #mostFramesPowerOfTwo(): number {
    return this.mostFramesOf(this.#frameBytes);
  }

  /**
   * The waiting frames as one request, encoded already (grpc-glue's `withEncoding`: the object
   * returned holds the request's fields but its DataToExport, which is in its bytes only). `ids`:
   * for the first message of a call.
   */
  take(ids?: StreamIds, allocate?: MessageAllocator): svc.StreamRequest | undefined {
    const first = this.#first;
    const frames = this.#frames;
    if (!first) return undefined;
    this.#first = undefined;
    this.#frames = [];
    return encodeFrames(
      first,
      this.#firstSequence,
      frames.map((frame) => frame.timestamp),
      (d, i) => frames.map((frame) => (frame.arrays[d] as NumericArray[])[i] as NumericArray),
      ids,
      allocate,
    );
  }

  /**
   * The most frames of `frameBytes` bytes each one message takes, as a power of two: at most
   * `maxFrames` (the batch's; a block's messages are bounded by bytes alone).
   */
  mostFramesOf(frameBytes: number, maxFrames = this.#options.maxFrames): number {
    let frames = 1;
    // (bounded: maxFrames and maxBytes may both be Infinity)
    while (
      frames < MAX_BLOCK_FRAMES &&
      frames * 2 <= maxFrames &&
      frames * 2 * frameBytes <= this.#options.maxBytes
    ) {
      frames *= 2;
    }
    return frames;
  }

  /** The server's Ack.framesPerChunk, once heard. */
  get framesPerChunk(): number | undefined {
    return this.#framesPerChunk;
  }
}

export interface StreamIds {
  readonly sessionId: string;
  readonly streamId: string;
}

/**
 * One request of frames numbered from `sequence` that have the layout of `first`, with their
 * timestamps; `arraysOf(d, i)` gives, for DataWithAxes `d`, its data arrays then its error
 * arrays (`i`), the frames' arrays in order — encoded one after another into the message's bytes.
 */
function encodeFrames(
  first: DataToExport,
  sequence: number,
  timestamps: readonly number[],
  arraysOf: (d: number, i: number) => NumericArray[],
  ids: StreamIds | undefined,
  allocate: MessageAllocator | undefined,
): svc.StreamRequest {
  const batched = timestamps.length > 1;
  const request = create(svc.StreamRequestSchema, {
    ...ids,
    sequence: BigInt(sequence),
    ...(batched ? { frames: timestamps.length, timestamps: [...timestamps] } : {}),
  });
  const dte = dataToExportToProto(first);
  const parts = dte.data.map((skeleton, d): DataWithAxesParts => {
    const dwa = first.data[d] as DataWithAxes;
    const count = dwa.data.length;
    const parts = {
      skeleton,
      data: dwa.data.map((_, i) => arraysOf(d, i)),
      errors: (dwa.errors ?? []).map((_, i) => arraysOf(d, count + i)),
      // a batch's frames share the first one's background
      background: batched ? [] : (dwa.background ?? []).map((array) => [array]),
    };
    skeleton.data = [];
    skeleton.errors = [];
    skeleton.background = [];
    return parts;
  });
  dte.data = [];
  return withEncoding(request, encodeStreamRequest(request, dte, parts, allocate));
}

/**
 * A block of frames (ContinuousUpload.sendBlock): `input` describes one frame (names, shapes,
 * axes) while each of its arrays holds `timestamps.length` frames' values one after another.
 * Validated once, in full, as its first frame; refuses, naming the field, arrays that do not hold
 * a whole number of values per frame, timestamps that are not finite, and a background.
 */
export class FrameBlock {
  readonly frames: number;
  /** A message's bytes per frame of the block: its arrays' share, and its time in `timestamps`. */
  readonly frameBytes: number;
  /** The first frame, validated; undefined for a block of no frames. */
  readonly #first: DataToExport | undefined;
  readonly #timestamps: readonly number[];
  /** Per DataWithAxes: its data arrays, then its error arrays, whole (all frames). */
  readonly #arrays: NumericArray[][];

  constructor(input: DataToExportInput, timestamps: ArrayLike<number>) {
    const times = Array.from(timestamps, Number);
    this.frames = times.length;
    times.forEach((time, k) => {
      if (!Number.isFinite(time)) {
        throw invalidData(`timestamps[${k}]`, `must be a finite number of seconds, got ${time}`);
      }
    });
    const frames = this.frames;
    this.#timestamps = times;
    this.#arrays = input.data.map((dwa) => [...dwa.data, ...(dwa.errors ?? [])]);
    if (frames === 0) {
      // a read that returned no samples: nothing to send, nothing to describe
      input.data.forEach((dwa, d) => {
        if ((this.#arrays[d] ?? []).some((array) => array.length > 0)) {
          throw invalidData(`DataWithAxes '${dwa.name}'`, "holds values, but the block has no timestamps");
        }
      });
      this.#first = undefined;
      this.frameBytes = 0;
      return;
    }
    const firstFrame = input.data.map((dwa) => {
      if ((dwa.background ?? []).length > 0) {
        throw invalidData(
          `DataWithAxes '${dwa.name}' background`,
          "is not sent in blocks: send a frame with it",
        );
      }
      const frameOf = (what: string) => (array: NumericArray, i: number) => {
        if (!isNumericArray(array)) {
          throw invalidData(`DataWithAxes '${dwa.name}' ${what}[${i}]`, "must be a numeric typed array");
        }
        if (array.length === 0 || array.length % frames !== 0) {
          throw invalidData(
            `DataWithAxes '${dwa.name}' ${what}[${i}]`,
            `holds ${array.length} values: a block of ${frames} frames holds the same number of values for each`,
          );
        }
        return array.subarray(0, array.length / frames) as NumericArray;
      };
      if (!Array.isArray(dwa.data)) {
        throw invalidData(`DataWithAxes '${dwa.name}' data`, "must be an array of numeric typed arrays");
      }
      return {
        ...dwa,
        data: dwa.data.map(frameOf("data")),
        ...(dwa.errors ? { errors: dwa.errors.map(frameOf("errors")) } : {}),
      };
    });
    this.#first = createDataToExport({ ...input, timestamp: times[0] ?? 0, data: firstFrame });
    // a message's bytes per frame: its arrays' share and its timestamp (8 bytes in `timestamps`)
    this.frameBytes = this.#arrays.flat().reduce((sum, array) => sum + array.byteLength / frames, 8);
  }

  /** Frames `from` … `from + count - 1` of the block as one request, numbered from `sequence`. */
  request(
    from: number,
    count: number,
    sequence: number,
    ids?: StreamIds,
    allocate?: MessageAllocator,
  ): svc.StreamRequest {
    const frames = this.frames;
    const timestamps = this.#timestamps.slice(from, from + count);
    if (this.#first === undefined || count < 1 || from + count > frames) {
      throw new RangeError(`frames ${from}+${count} of a block of ${frames}`);
    }
    const first = { ...this.#first, timestamp: timestamps[0] ?? this.#first.timestamp };
    return encodeFrames(
      first,
      sequence,
      timestamps,
      (d, i) => {
        const array = (this.#arrays[d] as NumericArray[])[i] as NumericArray;
        const values = array.length / frames;
        return [array.subarray(from * values, (from + count) * values) as NumericArray];
      },
      ids,
      allocate,
    );
  }
}

/**
 * Frames of a block's next message, numbered from `firstSequence`: at most `most`, up to the last
 * boundary of the server's chunks within reach (all of them when none is), so that the server
 * writes whole chunks straight from the message and its crash journal points at them.
 */
export function blockPart(
  firstSequence: number,
  remaining: number,
  most: number,
  framesPerChunk: number,
): number {
  const count = Math.min(remaining, most);
  if (framesPerChunk <= 1 || count === remaining) return count;
  const toBoundary = framesPerChunk - ((firstSequence - 1) % framesPerChunk);
  if (toBoundary > count) return count;
  return toBoundary + Math.floor((count - toBoundary) / framesPerChunk) * framesPerChunk;
}

function streamedArrays(dwa: DataWithAxes): NumericArray[] {
  return [...dwa.data, ...(dwa.errors ?? [])];
}

/**
 * The arrays of `input` when it has the layout of `first` (same DataWithAxes names and shapes,
 * arrays of the same types and lengths), else undefined. Cheap: no copy, no full validation.
 */
function sameLayoutArrays(
  first: DataToExport,
  input: DataToExport | DataToExportInput,
): NumericArray[][] | undefined {
  if (input.name !== first.name || input.data.length !== first.data.length) return undefined;
  const out: NumericArray[][] = [];
  for (let d = 0; d < first.data.length; d++) {
    const want = first.data[d] as DataWithAxes;
    const got = input.data[d] as DataWithAxes | DataWithAxesInput;
    if (got.name !== want.name || !sameShape(got, want)) return undefined;
    const arrays = [...got.data, ...(got.errors ?? [])];
    const expected = streamedArrays(want);
    if (arrays.length !== expected.length) return undefined;
    for (let i = 0; i < arrays.length; i++) {
      const a = arrays[i] as NumericArray;
      const b = expected[i] as NumericArray;
      if (a.constructor !== b.constructor || a.length !== b.length) return undefined;
    }
    out.push(arrays);
  }
  return out;
}

function sameShape(got: DataWithAxes | DataWithAxesInput, want: DataWithAxes): boolean {
  const shape = got.shape;
  if (shape === undefined) return want.shape.length === 1;
  return shape.length === want.shape.length && shape.every((n, i) => n === want.shape[i]);
}
