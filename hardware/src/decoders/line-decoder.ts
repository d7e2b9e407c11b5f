import { DeviceError } from "../errors.ts";
import { createByteQueue } from "./byte-queue.ts";
import type { Decoded, Decoder } from "./decoded.ts";

export interface LineDecoderOptions {
  /** The reply terminator: "\n" for SCPI instruments, "\r" for the SR830. */
  readonly delimiter: "\n" | "\r";
  /** Longer lines are dropped as `bad_frame` (a lost terminator would otherwise grow forever). */
  readonly maxLength?: number;
}

/** ~100 comma-separated readings of 20 characters: more than any reply we ask for. */
export const DEFAULT_MAX_LINE = 2048;

/** Splits ASCII replies into lines, without the terminator (and a CR before an LF terminator). */
export function createLineDecoder(options: LineDecoderOptions): Decoder<string> {
  const queue = createByteQueue();
  const delimiter = new Uint8Array([options.delimiter.charCodeAt(0)]);
  const maxLength = options.maxLength ?? DEFAULT_MAX_LINE;
  const text = new TextDecoder("latin1");
  let searched = 0;
  /** Inside an over-long line: its bytes are dropped up to and with its terminator. */
  let discarding = false;

  return {
    push(chunk) {
      queue.push(chunk);
      const out: Decoded<string>[] = [];
      const drop = (count: number, message: string) => {
        queue.skip(count);
        out.push({ ok: false, skipped: count, error: new DeviceError("bad_frame", message) });
      };
      for (;;) {
        const end = queue.indexOf(delimiter, searched);
        if (end < 0) {
          searched = queue.length;
          if (queue.length > maxLength || (discarding && queue.length > 0)) {
            discarding = true;
            searched = 0;
            drop(queue.length, `a line longer than ${maxLength} bytes`);
          }
          return out;
        }
        searched = 0;
        if (discarding || end > maxLength) {
          discarding = false;
          drop(end + 1, `a line longer than ${maxLength} bytes`);
          continue;
        }
        const line = queue.take(end + 1);
        let length = end;
        if (options.delimiter === "\n" && length > 0 && line[length - 1] === 0x0d) length--;
        out.push({ ok: true, value: text.decode(line.subarray(0, length)) });
      }
    },
    get pending() {
      return queue.length;
    },
    reset() {
      queue.clear();
      searched = 0;
      discarding = false;
    },
  };
}
