/**
 * Telling a zlib stream (RFC 1950: what HDF5's deflate filter stores as a chunk) of known bytes
 * from any other write, without inflating it: its two-byte header says deflate, and its last
 * four bytes are the Adler-32 of the bytes it holds.
 */

const ADLER_MOD = 65_521;
/** The most bytes summed before the sums must be reduced (zlib's NMAX: no overflow of 2^53 either way). */
const ADLER_RUN = 5552;

/** Adler-32 (RFC 1950) of `bytes`. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  let i = 0;
  while (i < bytes.length) {
    const end = Math.min(i + ADLER_RUN, bytes.length);
    for (; i < end; i++) {
      a += bytes[i] as number;
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return (b * 65_536 + a) >>> 0;
}

/** The shortest zlib stream: header, an empty final block, Adler-32. */
const MIN_STREAM_BYTES = 2 + 2 + 4;

/**
 * Whether `stream` is a zlib stream whose contents' Adler-32 is `contentAdler`: a deflate header
 * (compression method 8, a window of at most 32 KiB, no preset dictionary, check bits right) and
 * that checksum at its end.
 */
export function isZlibStreamOf(stream: Uint8Array, contentAdler: number): boolean {
  if (stream.length < MIN_STREAM_BYTES) return false;
  const cmf = stream[0] as number;
  const flg = stream[1] as number;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) {
    return false;
  }
  const end = stream.length;
  const trailer =
    (((stream[end - 4] as number) << 24) |
      ((stream[end - 3] as number) << 16) |
      ((stream[end - 2] as number) << 8) |
      (stream[end - 1] as number)) >>>
    0;
  return trailer === contentAdler;
}
