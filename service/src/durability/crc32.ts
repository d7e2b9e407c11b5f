/**
 * CRC-32 (the IEEE polynomial, zlib's) of bytes, continuing from `previous`: the checksum of every
 * journal record and of every chunk a record points at.
 *
 * Node's own `zlib.crc32` runs at 2.4–4 GB/s on these VMs, which made it ~16 % of a writer
 * thread's time on 512² frames; `@node-rs/crc32` (a prebuilt native addon, carry-less multiply)
 * runs at ~21 GB/s and gives the same values. It is loaded in the background when this module is
 * first imported (no top-level await: importers stay synchronous); zlib's serves until it is
 * there, and wherever its binary does not load. The journal reads the same either way.
 */
import { crc32 as zlibCrc32 } from "node:zlib";

type Crc32 = (bytes: Uint8Array, previous?: number) => number;
export type Crc32Implementation = "native" | "zlib";

let native: Crc32 | undefined;

async function loadNative(): Promise<Crc32Implementation> {
  if (process.env.H5SAVER_CRC32 === "zlib") return "zlib";
  try {
    const loaded: { crc32?: unknown; default?: { crc32?: unknown } } = await import("@node-rs/crc32");
    const crc = loaded.crc32 ?? loaded.default?.crc32;
    if (typeof crc !== "function") return "zlib";
    native = crc as Crc32;
    return "native";
  } catch {
    return "zlib";
  }
}

/**
 * Which implementation serves from now on, once known: "native" (@node-rs/crc32) or "zlib"
 * (its binary did not load, or `H5SAVER_CRC32=zlib`). Servers log it when they start.
 */
export const crc32Ready: Promise<Crc32Implementation> = loadNative();

/** CRC-32 of `bytes` continuing from `previous` (0: a new checksum); empty bytes leave it as it is. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  // zlib's forgets `previous` for a view over an empty buffer (gives 0)
  if (bytes.byteLength === 0) return previous;
  return native ? native(bytes, previous) : zlibCrc32(bytes, previous);
}
