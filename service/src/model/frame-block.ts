import { invalidData } from "../errors.ts";
import type { DataToExport } from "./data-to-export.ts";
import type { DataWithAxes } from "./data-with-axes.ts";
import { type NumericArray, product } from "./dtype.ts";

/**
 * Consecutive frames of one continuous stream, sent together: at high frame rates the per-frame
 * costs (a message, a validation, a thread hop, a journal record, an acknowledgement) would
 * otherwise dominate. `first` describes every frame (names, dtypes, shapes, axes: the frames of a
 * stream share them); `arrays` hold the values of all frames, one frame after the other.
 */
export interface FrameBlock {
  readonly frames: number;
  /** One per frame: the time axis. */
  readonly timestamps: Float64Array;
  /** The first frame, whose arrays are views of the first frame's values in `arrays`. */
  readonly first: DataToExport;
  /** Per DataWithAxes of `first`: its data arrays, then its error arrays, each holding every frame. */
  readonly arrays: ReadonlyArray<readonly NumericArray[]>;
}

/** Frames in one block at most: bounds the memory a block may pin. */
export const MAX_BLOCK_FRAMES = 1 << 20;

/** The arrays of one DataWithAxes that a stream appends: data, then errors. */
export function streamedArrays(dwa: DataWithAxes): readonly NumericArray[] {
  return dwa.errors ? [...dwa.data, ...dwa.errors] : dwa.data;
}

/** One frame as a block (the single-frame case of the same path). */
export function singleFrameBlock(dte: DataToExport): FrameBlock {
  return {
    frames: 1,
    timestamps: Float64Array.of(dte.timestamp),
    first: dte,
    arrays: dte.data.map(streamedArrays),
  };
}

/**
 * A block from its first frame (already validated as a DataToExport) and the arrays of all its
 * frames: each array must hold `frames` times the first frame's values, in the same dtype.
 * `timestamps` absent: every frame gets the first frame's timestamp.
 */
export function createFrameBlock(
  first: DataToExport,
  frames: number,
  arrays: ReadonlyArray<readonly NumericArray[]>,
  timestamps?: ArrayLike<number>,
): FrameBlock {
  if (!Number.isInteger(frames) || frames < 1 || frames > MAX_BLOCK_FRAMES) {
    throw invalidData("frames", `${frames} frames in one block: send 1 to ${MAX_BLOCK_FRAMES}`);
  }
  let times: Float64Array;
  if (timestamps === undefined || timestamps.length === 0) {
    times = new Float64Array(frames).fill(first.timestamp);
  } else if (timestamps.length !== frames) {
    throw invalidData(
      "timestamps",
      `${timestamps.length} timestamps for ${frames} frames: give one per frame`,
    );
  } else {
    times = Float64Array.from(timestamps);
    const bad = times.findIndex((t) => !Number.isFinite(t));
    if (bad >= 0) throw invalidData(`timestamps[${bad}]`, "must be a finite number of seconds");
  }
  if (arrays.length !== first.data.length) {
    throw invalidData(
      "data",
      `${arrays.length} DataWithAxes in the block's arrays, ${first.data.length} in its frame`,
    );
  }
  first.data.forEach((dwa, d) => {
    const expected = streamedArrays(dwa);
    const given = arrays[d] ?? [];
    if (given.length !== expected.length) {
      throw invalidData(`data[${d}]`, `${given.length} arrays for a block, the frame has ${expected.length}`);
    }
    const values = product(dwa.shape);
    given.forEach((array, i) => {
      const like = expected[i] as NumericArray;
      if (array.constructor !== like.constructor || array.length !== frames * values) {
        throw invalidData(
          `data[${d}]`,
          `array ${i} of the block holds ${array.length} values (${array.constructor.name}); ${frames} frames of shape [${dwa.shape}] need ${frames * values} in a ${like.constructor.name}`,
        );
      }
    });
  });
  return { frames, timestamps: times, first, arrays };
}

/** The frames `from` … end of a block (a resent block partly appended already). */
export function blockFrom(block: FrameBlock, from: number): FrameBlock {
  if (from === 0) return block;
  const arrays = block.arrays.map((list, d) => {
    const values = product((block.first.data[d] as DataWithAxes).shape);
    return list.map((array) => array.subarray(from * values) as NumericArray);
  });
  return {
    frames: block.frames - from,
    timestamps: block.timestamps.subarray(from),
    first: frameOf(block, from),
    arrays,
  };
}

/** Bytes of array data in a block (what the token limits and the status count). */
export function blockBytes(block: FrameBlock): number {
  let bytes = 0;
  for (const list of block.arrays) for (const array of list) bytes += array.byteLength;
  return bytes;
}

/** Frame `k` of a block, as a DataToExport of views. */
export function frameOf(block: FrameBlock, k: number): DataToExport {
  return {
    name: block.first.name,
    timestamp: block.timestamps[k] as number,
    data: block.first.data.map((dwa, d) => {
      const values = product(dwa.shape);
      const list = block.arrays[d] as readonly NumericArray[];
      const view = (array: NumericArray) => array.subarray(k * values, (k + 1) * values) as NumericArray;
      return {
        ...dwa,
        data: list.slice(0, dwa.data.length).map(view),
        ...(dwa.errors ? { errors: list.slice(dwa.data.length).map(view) } : {}),
      };
    }),
  };
}
