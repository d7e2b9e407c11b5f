/**
 * CRC-32 (the IEEE polynomial, zlib's) of bytes, continuing from `previous`: the checksum of every
 * journal record and of every chunk a record points at.
 *
 * Node's own `zlib.crc32` runs at 2.4–4 GB/s on these VMs, which made it ~16 % of a writer
 * thread's time on 512² frames; `@node-rs/crc32` (a prebuilt native addon, carry-less multiply)
 * runs at ~20 GB/s and gives the same values. Where its binary does not load (a platform without
 * one), zlib's is used: the journal reads the same either way.
 */
import { crc32 as zlibCrc32 } from "node:zlib";

type Crc32 = (bytes: Uint8Array, previous?: number) => number;

async function nativeCrc32(): Promise<Crc32 | undefined> {
  try {
    const loaded: { crc32?: unknown; default?: { crc32?: unknown } } = await import("@node-rs/crc32");
    const crc = loaded.crc32 ?? loaded.default?.crc32;
    return typeof crc === "function" ? (crc as Crc32) : undefined;
  } catch {
    return undefined;
  }
}

const native = process.env.H5SAVER_CRC32 === "zlib" ? undefined : await nativeCrc32();

/** Which implementation runs: "native" (@node-rs/crc32) or "zlib" (`H5SAVER_CRC32=zlib` forces it). */
export const crc32Implementation: "native" | "zlib" = native ? "native" : "zlib";

/** CRC-32 of `bytes` continuing from `previous` (0: a new checksum); empty bytes leave it as it is. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  // zlib's forgets `previous` for a view over an empty buffer (gives 0)
  if (bytes.byteLength === 0) return previous;
  return native ? native(bytes, previous) : zlibCrc32(bytes, previous);
}
