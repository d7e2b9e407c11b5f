import type { DeviceError } from "../errors.ts";

/**
 * What a decoder makes of the bytes pushed into it: whole values, and the errors met on the way
 * (garbage skipped, CRC mismatches) with the number of bytes each one threw away, so a driver
 * can count them and the stream resynchronises on its own.
 */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DeviceError; readonly skipped: number };

export interface Decoder<T> {
  push(chunk: Uint8Array): Decoded<T>[];
  /** Bytes held, waiting for the rest of a frame. */
  readonly pending: number;
  reset(): void;
}
