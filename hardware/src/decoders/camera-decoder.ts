import {
  CAMERA_CRC_BYTES,
  CAMERA_DTYPE_BYTES,
  CAMERA_DTYPES,
  CAMERA_HEADER_BYTES,
  CAMERA_KIND,
  CAMERA_MAX_PAYLOAD,
  CAMERA_MAX_TEXT,
  CAMERA_PROTOCOL_VERSION,
  CAMERA_SYNC,
  type CameraDType,
  type CameraMessage,
  type CameraPixels,
} from "../drivers/camera/camera-protocol.ts";
import { DeviceError } from "../errors.ts";
import { createByteQueue } from "./byte-queue.ts";
import { crc32 } from "./crc.ts";
import type { Decoded, Decoder } from "./decoded.ts";
import { float32LE, uint16LE, uint32LE } from "./little-endian.ts";

/**
 * Messages of the h5saver camera protocol (camera-protocol.ts) out of a byte stream. Garbage
 * before a sync word is skipped and reported; a header whose CRC or fields are wrong is a false
 * sync (one byte skipped, search again); a payload with a wrong CRC is dropped whole and reported.
 */
export function createCameraDecoder(maxPayload = CAMERA_MAX_PAYLOAD): Decoder<CameraMessage> {
  const queue = createByteQueue();
  return {
    push(chunk) {
      queue.push(chunk);
      const out: Decoded<CameraMessage>[] = [];
      const skip = (count: number, error: DeviceError) => {
        queue.skip(count);
        out.push({ ok: false, error, skipped: count });
      };
      for (;;) {
        const start = queue.indexOf(CAMERA_SYNC);
        if (start < 0) {
          const keep = Math.min(queue.length, CAMERA_SYNC.length - 1);
          if (queue.length > keep) {
            const n = queue.length - keep;
            skip(n, new DeviceError("bad_frame", `${n} bytes outside any message`));
          }
          return out;
        }
        if (start > 0) {
          skip(start, new DeviceError("bad_frame", `${start} bytes before a sync word`));
          continue;
        }
        if (queue.length < CAMERA_HEADER_BYTES) return out;
        const header = queue.peek(0, CAMERA_HEADER_BYTES);
        const problem = checkHeader(header, maxPayload);
        if (problem) {
          skip(1, new DeviceError("bad_frame", problem));
          continue;
        }
        const view = new DataView(header.buffer, header.byteOffset, header.length);
        const length = view.getUint32(24, true);
        const total = CAMERA_HEADER_BYTES + length + CAMERA_CRC_BYTES;
        if (queue.length < total) return out;
        const message = queue.take(total);
        const payload = message.subarray(CAMERA_HEADER_BYTES, CAMERA_HEADER_BYTES + length);
        const expected = new DataView(message.buffer, message.byteOffset + total - 4, 4).getUint32(0, true);
        const actual = crc32(payload);
        const kind = header[5];
        const sequence = view.getUint32(8, true);
        if (expected !== actual) {
          out.push({
            ok: false,
            skipped: total,
            error: new DeviceError(
              "crc_mismatch",
              `${kind === CAMERA_KIND.image ? `image ${sequence}` : "text reply"}: payload CRC ` +
                `0x${expected.toString(16).padStart(8, "0")} received, 0x${actual.toString(16).padStart(8, "0")} computed`,
            ),
          });
          continue;
        }
        if (kind === CAMERA_KIND.text) {
          out.push({ ok: true, value: { kind: "text", text: new TextDecoder().decode(payload) } });
          continue;
        }
        const dtype = CAMERA_DTYPES[(header[6] as number) - 1] as CameraDType;
        const width = view.getUint16(20, true);
        const height = view.getUint16(22, true);
        out.push({
          ok: true,
          value: {
            kind: "image",
            sequence,
            deviceTimeNs: view.getBigUint64(12, true),
            width,
            height,
            dtype,
            pixels: pixelsOf(message, dtype, width * height),
          },
        });
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

/** Why a header cannot be one, or undefined when it is. */
function checkHeader(header: Uint8Array, maxPayload: number): string | undefined {
  const view = new DataView(header.buffer, header.byteOffset, header.length);
  if (view.getUint32(28, true) !== crc32(header.subarray(0, 28))) return "a sync word with a bad header CRC";
  if (header[4] !== CAMERA_PROTOCOL_VERSION)
    return `protocol version ${header[4]}, expected ${CAMERA_PROTOCOL_VERSION}`;
  const length = view.getUint32(24, true);
  if (header[5] === CAMERA_KIND.text) {
    return length > CAMERA_MAX_TEXT ? `a ${length}-byte text reply (at most ${CAMERA_MAX_TEXT})` : undefined;
  }
  if (header[5] !== CAMERA_KIND.image) return `message kind ${header[5]}`;
  const dtype = CAMERA_DTYPES[(header[6] as number) - 1];
  if (!dtype) return `dtype code ${header[6]}`;
  const width = view.getUint16(20, true);
  const height = view.getUint16(22, true);
  if (width === 0 || height === 0) return `an empty ${width}×${height} image`;
  if (length !== width * height * CAMERA_DTYPE_BYTES[dtype]) {
    return `payload of ${length} bytes for a ${width}×${height} ${dtype} image`;
  }
  if (length > maxPayload) return `a ${length}-byte image (at most ${maxPayload})`;
  return undefined;
}

function pixelsOf(message: Uint8Array, dtype: CameraDType, count: number): CameraPixels {
  switch (dtype) {
    case "uint8":
      return message.subarray(CAMERA_HEADER_BYTES, CAMERA_HEADER_BYTES + count);
    case "uint16":
      return uint16LE(message, CAMERA_HEADER_BYTES, count);
    case "uint32":
      return uint32LE(message, CAMERA_HEADER_BYTES, count);
    case "float32":
      return float32LE(message, CAMERA_HEADER_BYTES, count);
  }
}
