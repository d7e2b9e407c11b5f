import { crc32 } from "../../decoders/crc.ts";
import { toLittleEndianBytes } from "../../decoders/little-endian.ts";

/**
 * h5saver camera wire protocol, version 1: how a 2D camera's firmware sends frames over a serial
 * or USB CDC link. Every number is little-endian. One message:
 *
 *   off   size  field
 *   0     4     sync: the bytes 0x48 0x35 0x46 0x52 ("H5FR")
 *   4     1     version = 1
 *   5     1     kind: 1 = image, 2 = text (the reply to a command)
 *   6     1     dtype: 1 = uint8, 2 = uint16, 3 = uint32, 4 = float32 (0 for text)
 *   7     1     flags: 0 (reserved)
 *   8     4     sequence: uint32, +1 per image from START, wraps at 2^32
 *   12    8     device timestamp: uint64, nanoseconds of the device clock
 *   20    2     width: pixels per row (0 for text)
 *   22    2     height: rows (0 for text)
 *   24    4     payload length N in bytes (image: width × height × dtype size)
 *   28    4     header CRC-32 over bytes [0, 28)
 *   32    N     payload: image rows top to bottom, each row left to right; text: UTF-8
 *   32+N  4     payload CRC-32 over bytes [32, 32+N)
 *
 * CRC-32 is zlib's (reflected, polynomial 0xEDB88320, initial and final xor 0xFFFFFFFF; check
 * value of "123456789": 0xCBF43926). The header has its own CRC so that a receiver rejects a
 * corrupted length at once instead of waiting for megabytes that will never come.
 *
 * Host → camera: ASCII commands, one per line ending in "\n". Each is answered by one text
 * message: "OK", the value asked for, or "ERR <reason>".
 */
export const CAMERA_SYNC = new Uint8Array([0x48, 0x35, 0x46, 0x52]); // "H5FR"
export const CAMERA_PROTOCOL_VERSION = 1;
export const CAMERA_HEADER_BYTES = 32;
export const CAMERA_CRC_BYTES = 4;
/** 4096 × 4096 uint32: the largest image a receiver must accept; larger lengths are a bad header. */
export const CAMERA_MAX_PAYLOAD = 64 * 1024 * 1024;
export const CAMERA_MAX_TEXT = 4096;

export const CAMERA_KIND = { image: 1, text: 2 } as const;
export type CameraKind = keyof typeof CAMERA_KIND;

export const CAMERA_DTYPES = ["uint8", "uint16", "uint32", "float32"] as const;
export type CameraDType = (typeof CAMERA_DTYPES)[number];
export const CAMERA_DTYPE_CODE: Record<CameraDType, number> = { uint8: 1, uint16: 2, uint32: 3, float32: 4 };
export const CAMERA_DTYPE_BYTES: Record<CameraDType, number> = { uint8: 1, uint16: 2, uint32: 4, float32: 4 };

export type CameraPixels = Uint8Array | Uint16Array | Uint32Array | Float32Array;

export interface CameraImage {
  readonly kind: "image";
  readonly sequence: number;
  /** Nanoseconds of the device clock. */
  readonly deviceTimeNs: bigint;
  readonly width: number;
  readonly height: number;
  readonly dtype: CameraDType;
  readonly pixels: CameraPixels;
}

export interface CameraText {
  readonly kind: "text";
  readonly text: string;
}

export type CameraMessage = CameraImage | CameraText;

/** The commands, one per line; `?` commands answer a value, the others "OK" or "ERR …". */
export const CAMERA_COMMANDS = {
  identify: () => "*IDN?\n",
  /** Image size: "SIZE <width> <height>". */
  size: (width: number, height: number) => `SIZE ${width} ${height}\n`,
  dtype: (dtype: CameraDType) => `DTYPE ${dtype}\n`,
  /** Frames per second; 0 = as fast as the link takes them. */
  rate: (fps: number) => `FPS ${fps}\n`,
  exposure: (microseconds: number) => `EXPOSURE ${Math.round(microseconds)}\n`,
  start: () => "START\n",
  stop: () => "STOP\n",
} as const;

export function encodeCameraMessage(message: CameraMessage): Uint8Array {
  const payload =
    message.kind === "text" ? new TextEncoder().encode(message.text) : toLittleEndianBytes(message.pixels);
  const out = new Uint8Array(CAMERA_HEADER_BYTES + payload.length + CAMERA_CRC_BYTES);
  const view = new DataView(out.buffer);
  out.set(CAMERA_SYNC, 0);
  out[4] = CAMERA_PROTOCOL_VERSION;
  out[5] = CAMERA_KIND[message.kind];
  if (message.kind === "image") {
    out[6] = CAMERA_DTYPE_CODE[message.dtype];
    view.setUint32(8, message.sequence >>> 0, true);
    view.setBigUint64(12, message.deviceTimeNs, true);
    view.setUint16(20, message.width, true);
    view.setUint16(22, message.height, true);
  }
  view.setUint32(24, payload.length, true);
  view.setUint32(28, crc32(out.subarray(0, 28)), true);
  out.set(payload, CAMERA_HEADER_BYTES);
  view.setUint32(CAMERA_HEADER_BYTES + payload.length, crc32(payload), true);
  return out;
}
