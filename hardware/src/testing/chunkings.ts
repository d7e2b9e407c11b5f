/**
 * Ways to cut a byte stream into reads: every two-piece split (each possible chunk boundary), one
 * byte at a time, and a fixed pseudo-random chunking. Decoders must give the same results for all.
 */
export function* everySplit(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 0; i <= bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
}

export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

/** Chunks of 1 … max bytes from a fixed-seed generator (reproducible). */
export function randomChunks(bytes: Uint8Array, max: number, seed = 1): Uint8Array[] {
  const out: Uint8Array[] = [];
  let state = seed;
  let at = 0;
  while (at < bytes.length) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31; // glibc's LCG constants
    const n = 1 + (state % max);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
