/**
 * Frames of a continuous upload gathered into one StreamRequest (StreamRequest.frames): at high
 * frame rates the costs per message — on the wire, in the server's decoding, its writer thread
 * and its journal — are then paid once per batch. Frames join a batch while they have the layout
 * of its first (names, dtypes, shapes, number of arrays); each keeps its own sequence number and
 * timestamp.
 */
import { create } from "@bufbuild/protobuf";
import type * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";

export interface BatchOptions {
  /** Frames in one message at most (1: no batching). Default 1024. */
  readonly maxFrames?: number;
  /** Array bytes in one message at most; a frame this large goes alone. Default 1 MiB. */
  readonly maxBytes?: number;
}

export const DEFAULT_BATCH: Required<BatchOptions> = { maxFrames: 1024, maxBytes: 1 << 20 };

export class FrameBatch {
  readonly #options: Required<BatchOptions>;
  #frames: data.DataToExport[] = [];
  #bytes = 0;
  #firstSequence = 0;

  constructor(options: BatchOptions = {}) {
    this.#options = { ...DEFAULT_BATCH, ...options };
    if (!(this.#options.maxFrames >= 1) || !(this.#options.maxBytes >= 1)) {
      throw new RangeError("batch maxFrames and maxBytes must be at least 1");
    }
  }

  get size(): number {
    return this.#frames.length;
  }

  /** Whether `frame` can join the frames waiting (same layout, within the limits). */
  accepts(frame: data.DataToExport): boolean {
    const first = this.#frames[0];
    if (!first) return true;
    return (
      this.#frames.length < this.#options.maxFrames &&
      this.#bytes + arrayBytes(frame) <= this.#options.maxBytes &&
      sameLayout(first, frame)
    );
  }

  add(frame: data.DataToExport, sequence: number): void {
    if (this.#frames.length === 0) this.#firstSequence = sequence;
    this.#frames.push(frame);
    this.#bytes += arrayBytes(frame);
  }

  /** Whether the waiting frames should go now rather than wait for more. */
  get full(): boolean {
    return this.#frames.length >= this.#options.maxFrames || this.#bytes >= this.#options.maxBytes;
  }

  /** The waiting frames as one request (empty ids: set them on the first message of a call). */
  take(): svc.StreamRequest | undefined {
    const frames = this.#frames;
    const first = frames[0];
    if (!first) return undefined;
    this.#frames = [];
    this.#bytes = 0;
    const sequence = BigInt(this.#firstSequence);
    if (frames.length === 1) return create(svc.StreamRequestSchema, { sequence, data: first });
    const joined = (pick: (dwa: data.DataWithAxes) => Uint8Array[], d: number, i: number) =>
      concat(frames.map((frame) => pick(frame.data[d] as data.DataWithAxes)[i] as Uint8Array));
    return create(svc.StreamRequestSchema, {
      sequence,
      frames: frames.length,
      timestamps: frames.map((frame) => frame.timestamp ?? Date.now() / 1000),
      data: {
        ...first,
        data: first.data.map((dwa, d) => ({
          ...dwa,
          data: dwa.data.map((_, i) => joined((x) => x.data, d, i)),
          errors: dwa.errors.map((_, i) => joined((x) => x.errors, d, i)),
          background: [],
        })),
      },
    });
  }
}

function arrayBytes(frame: data.DataToExport): number {
  let bytes = 0;
  for (const dwa of frame.data) {
    for (const array of dwa.data) bytes += array.byteLength;
    for (const array of dwa.errors) bytes += array.byteLength;
  }
  return bytes;
}

function sameLayout(a: data.DataToExport, b: data.DataToExport): boolean {
  if (a.data.length !== b.data.length) return false;
  return a.data.every((x, d) => {
    const y = b.data[d] as data.DataWithAxes;
    return (
      x.name === y.name &&
      x.dtype === y.dtype &&
      x.errorsDtype === y.errorsDtype &&
      x.shape.length === y.shape.length &&
      x.shape.every((n, i) => n === y.shape[i]) &&
      x.data.length === y.data.length &&
      x.errors.length === y.errors.length &&
      x.data.every((array, i) => array.byteLength === y.data[i]?.byteLength)
    );
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
