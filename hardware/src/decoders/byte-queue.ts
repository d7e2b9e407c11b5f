/**
 * Received bytes not yet decoded, kept as the chunks they arrived in so that a multi-megabyte
 * frame arriving in hundreds of reads is copied once (when taken), not once per read.
 */
export interface ByteQueue {
  readonly length: number;
  push(chunk: Uint8Array): void;
  /** The byte at `offset` from the front (offset < length). */
  at(offset: number): number;
  /** Offset of the first occurrence of `pattern` at or after `from`, or -1. */
  indexOf(pattern: Uint8Array, from?: number): number;
  /** A copy of bytes [start, end) without consuming them. */
  peek(start: number, end: number): Uint8Array;
  /** Removes and returns the first `count` bytes. */
  take(count: number): Uint8Array;
  /** Removes the first `count` bytes. */
  skip(count: number): void;
  clear(): void;
}

export function createByteQueue(): ByteQueue {
  const chunks: Uint8Array[] = [];
  /** Bytes of chunks[0] already consumed. */
  let head = 0;
  let length = 0;

  const at = (offset: number): number => {
    let i = 0;
    let position = offset + head;
    for (;;) {
      const chunk = chunks[i++];
      if (chunk === undefined) throw new RangeError(`offset ${offset} past ${length} queued bytes`);
      if (position < chunk.length) return chunk[position] as number;
      position -= chunk.length;
    }
  };

  const copy = (start: number, end: number): Uint8Array => {
    const out = new Uint8Array(end - start);
    let written = 0;
    let position = head;
    let remainingSkip = start;
    for (const chunk of chunks) {
      if (written === out.length) break;
      const available = chunk.length - position;
      if (remainingSkip >= available) {
        remainingSkip -= available;
        position = 0;
        continue;
      }
      const from = position + remainingSkip;
      const n = Math.min(chunk.length - from, out.length - written);
      out.set(chunk.subarray(from, from + n), written);
      written += n;
      remainingSkip = 0;
      position = 0;
    }
    return out;
  };

  const skip = (count: number): void => {
    if (count > length) throw new RangeError(`cannot skip ${count} of ${length} queued bytes`);
    length -= count;
    let left = count;
    while (left > 0) {
      const chunk = chunks[0] as Uint8Array;
      const available = chunk.length - head;
      if (left < available) {
        head += left;
        return;
      }
      left -= available;
      chunks.shift();
      head = 0;
    }
  };

  return {
    get length() {
      return length;
    },
    push(chunk) {
      if (chunk.length === 0) return;
      chunks.push(chunk);
      length += chunk.length;
    },
    at(offset) {
      if (offset < 0 || offset >= length) throw new RangeError(`offset ${offset} outside ${length} bytes`);
      return at(offset);
    },
    indexOf(pattern, from = 0) {
      const first = pattern[0];
      if (first === undefined) return from;
      // walk chunk by chunk with the native indexOf for the first byte, then confirm the rest
      let base = 0;
      let position = head;
      for (const chunk of chunks) {
        const view = chunk.subarray(position);
        let i = Math.max(0, from - base);
        while (i < view.length) {
          const hit = view.indexOf(first, i);
          if (hit < 0) break;
          const offset = base + hit;
          if (offset + pattern.length > length) return -1;
          let matches = true;
          for (let k = 1; k < pattern.length; k++) {
            if (at(offset + k) !== pattern[k]) {
              matches = false;
              break;
            }
          }
          if (matches) return offset;
          i = hit + 1;
        }
        base += view.length;
        position = 0;
      }
      return -1;
    },
    peek(start, end) {
      if (start < 0 || end > length || start > end)
        throw new RangeError(`[${start}, ${end}) outside ${length}`);
      return copy(start, end);
    },
    take(count) {
      if (count > length) throw new RangeError(`cannot take ${count} of ${length} queued bytes`);
      // a frame that is exactly the front chunk is handed over without a copy
      const front = chunks[0];
      if (front && head === 0 && front.length === count) {
        chunks.shift();
        length -= count;
        return front;
      }
      const out = copy(0, count);
      skip(count);
      return out;
    },
    skip,
    clear() {
      chunks.length = 0;
      head = 0;
      length = 0;
    },
  };
}
