import {
  FRAME_END,
  FRAME_START,
  frameBytes,
  HEADER_BYTES,
  MAX_PIXELS,
  type Tcd1304Frame,
} from "../drivers/tcd1304/tcd1304-protocol.ts";
import { DeviceError } from "../errors.ts";
import { createByteQueue } from "./byte-queue.ts";
import { crc16Ccitt } from "./crc.ts";
import type { Decoded, Decoder } from "./decoded.ts";
import { uint16LE } from "./little-endian.ts";

/**
 * TCD1304 frames out of a byte stream (layout in tcd1304-protocol.ts). Bytes before a "FRME"
 * marker are skipped and reported; a header with an impossible pixel count or a frame without its
 * "ENDF" marker is a false start: one byte is skipped and the search goes on. A whole frame with a
 * wrong CRC is dropped and reported.
 */
export function createTcd1304Decoder(maxPixels = MAX_PIXELS): Decoder<Tcd1304Frame> {
  const queue = createByteQueue();
  return {
    push(chunk) {
      queue.push(chunk);
      const out: Decoded<Tcd1304Frame>[] = [];
      const skip = (count: number, error: DeviceError) => {
        queue.skip(count);
        out.push({ ok: false, error, skipped: count });
      };
      for (;;) {
        const start = queue.indexOf(FRAME_START);
        if (start < 0) {
          // keep what could be the beginning of a marker split across reads
          const keep = Math.min(queue.length, FRAME_START.length - 1);
          if (queue.length > keep) {
            const n = queue.length - keep;
            skip(n, new DeviceError("bad_frame", `${n} bytes outside any frame`));
          }
          return out;
        }
        if (start > 0) {
          skip(start, new DeviceError("bad_frame", `${start} bytes before a frame marker`));
          continue;
        }
        if (queue.length < HEADER_BYTES) return out;
        const header = queue.peek(0, HEADER_BYTES);
        const n = (header[6] as number) | ((header[7] as number) << 8);
        if (n === 0 || n > maxPixels) {
          skip(
            1,
            new DeviceError("bad_frame", `a frame header announcing ${n} pixels (at most ${maxPixels})`),
          );
          continue;
        }
        const total = frameBytes(n);
        if (queue.length < total) return out;
        const endAt = HEADER_BYTES + 2 * n;
        const end = queue.peek(endAt, endAt + FRAME_END.length);
        if (!end.every((b, i) => b === FRAME_END[i])) {
          skip(1, new DeviceError("bad_frame", `no ENDF marker after a ${n}-pixel frame header`));
          continue;
        }
        const frame = queue.take(total);
        const expected = (frame[total - 2] as number) | ((frame[total - 1] as number) << 8);
        const actual = crc16Ccitt(frame.subarray(0, total - 2));
        const counter = (frame[4] as number) | ((frame[5] as number) << 8);
        if (expected !== actual) {
          out.push({
            ok: false,
            skipped: total,
            error: new DeviceError(
              "crc_mismatch",
              `frame ${counter}: CRC 0x${expected.toString(16).padStart(4, "0")} received, ` +
                `0x${actual.toString(16).padStart(4, "0")} computed`,
            ),
          });
          continue;
        }
        out.push({ ok: true, value: { counter, pixels: uint16LE(frame, HEADER_BYTES, n) } });
      }
    },
    get pending() {
      return queue.length;
    },
    reset() {
      queue.clear();
    },
  };
}
