import { endianness } from "node:os";

const HOST_IS_LITTLE_ENDIAN = endianness() === "LE";

/**
 * `count` little-endian uint16 samples starting at `offset` of `bytes`: a view without a copy when
 * the host is little-endian and the offset aligned, else a converted copy.
 */
export function uint16LE(bytes: Uint8Array, offset: number, count: number): Uint16Array {
  const start = bytes.byteOffset + offset;
  if (HOST_IS_LITTLE_ENDIAN && start % 2 === 0) return new Uint16Array(bytes.buffer, start, count);
  const view = new DataView(bytes.buffer, start, count * 2);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true);
  return out;
}

/** Same for uint32. */
export function uint32LE(bytes: Uint8Array, offset: number, count: number): Uint32Array {
  const start = bytes.byteOffset + offset;
  if (HOST_IS_LITTLE_ENDIAN && start % 4 === 0) return new Uint32Array(bytes.buffer, start, count);
  const view = new DataView(bytes.buffer, start, count * 4);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** Same for float32. */
export function float32LE(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const start = bytes.byteOffset + offset;
  if (HOST_IS_LITTLE_ENDIAN && start % 4 === 0) return new Float32Array(bytes.buffer, start, count);
  const view = new DataView(bytes.buffer, start, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** The bytes of a typed array of samples as little-endian (for encoders). */
export function toLittleEndianBytes(
  samples: Uint8Array | Uint16Array | Uint32Array | Float32Array,
): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN || samples.BYTES_PER_ELEMENT === 1) {
    return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  }
  const out = new Uint8Array(samples.byteLength);
  const view = new DataView(out.buffer);
  samples.forEach((v, i) => {
    if (samples instanceof Uint16Array) view.setUint16(i * 2, v, true);
    else if (samples instanceof Uint32Array) view.setUint32(i * 4, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return out;
}
