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

  return {
    push(chunk) {
      queue.push(chunk);
      const out: Decoded<string>[] = [];
      for (;;) {
        const end = queue.indexOf(delimiter, searched);
        if (end < 0) {
          searched = queue.length;
          if (queue.length > maxLength) {
            const skipped = queue.length;
            queue.clear();
            searched = 0;
            out.push({
              ok: false,
              skipped,
              error: new DeviceError("bad_frame", `${skipped} bytes without a line terminator`),
            });
          }
          return out;
        }
        const line = queue.take(end + 1);
        searched = 0;
        let length = end;
        if (options.delimiter === "\n" && length > 0 && line[length - 1] === 0x0d) length--;
        if (end > maxLength) {
          out.push({
            ok: false,
            skipped: end + 1,
            error: new DeviceError("bad_frame", `a ${end}-byte line, longer than ${maxLength}`),
          });
          continue;
        }
        out.push({ ok: true, value: text.decode(line.subarray(0, length)) });
      }
    },
    get pending() {
      return queue.length;
    },
    reset() {
      queue.clear();
      searched = 0;
    },
  };
}
