import { crc16Ccitt } from "../../decoders/crc.ts";
import { toLittleEndianBytes } from "../../decoders/little-endian.ts";

/**
 * The TCD1304 linear-CCD board's frame, as the open STM32 "blackpill" firmware sends it over USB
 * CDC (pavelstephan/tcd1304_blackpill_firmware, Core/Inc/ccd_data_layer.h), all little-endian:
 *
 *   off        size  field
 *   0          4     "FRME" (ASCII, sent as bytes — never as a 32-bit integer)
 *   4          2     frame counter, wraps at 65535
 *   6          2     pixel count n (3694 on the TCD1304: 32 dummy + 3648 active + 14 dummy)
 *   8          2n    pixels, 12-bit ADC values in uint16
 *   8+2n       4     "ENDF"
 *   12+2n      2     CRC-16/CCITT-FALSE over bytes [0, 12+2n)
 */
export const FRAME_START = new Uint8Array([0x46, 0x52, 0x4d, 0x45]); // "FRME"
export const FRAME_END = new Uint8Array([0x45, 0x4e, 0x44, 0x46]); // "ENDF"
export const HEADER_BYTES = 8;
/** Trailer: "ENDF" and the CRC. */
export const TRAILER_BYTES = 6;
/** Pixels of the TCD1304 (Toshiba datasheet: 32 dummy + 3648 effective + 14 dummy outputs). */
export const TCD1304_PIXELS = 3694;
/** The effective pixels start after the 32 leading dummy outputs. */
export const FIRST_ACTIVE_PIXEL = 32;
export const ACTIVE_PIXELS = 3648;
/** A board sending more pixels than this is not a TCD1304 board: its header is garbage. */
export const MAX_PIXELS = 8192;
/** 12-bit ADC. */
export const MAX_VALUE = 4095;

export function frameBytes(pixels: number): number {
  return HEADER_BYTES + 2 * pixels + TRAILER_BYTES;
}

/**
 * Host → board commands: ASCII lines ending in "\n", no reply (the board only ever sends frames).
 * Our simulator's command set; firmwares differ, so this map is the one place to adapt.
 */
export const TCD1304_COMMANDS = {
  start: () => "START\n",
  stop: () => "STOP\n",
  /** Integration (shutter) time in microseconds; the board runs at 1 / integration frames per second. */
  integration: (microseconds: number) => `INT ${Math.round(microseconds)}\n`,
} as const;

export interface Tcd1304Frame {
  readonly counter: number;
  readonly pixels: Uint16Array;
}

export function encodeTcd1304Frame(frame: Tcd1304Frame): Uint8Array {
  const n = frame.pixels.length;
  const out = new Uint8Array(frameBytes(n));
  const view = new DataView(out.buffer);
  out.set(FRAME_START, 0);
  view.setUint16(4, frame.counter & 0xffff, true);
  view.setUint16(6, n, true);
  out.set(toLittleEndianBytes(frame.pixels), HEADER_BYTES);
  out.set(FRAME_END, HEADER_BYTES + 2 * n);
  view.setUint16(HEADER_BYTES + 2 * n + 4, crc16Ccitt(out.subarray(0, HEADER_BYTES + 2 * n + 4)), true);
  return out;
}
