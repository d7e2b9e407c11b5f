import { createRequire } from "node:module";

/**
 * grpc-js (1.14) frames every message it sends into a new buffer: a 5-byte header (compressed
 * flag, length) and a copy of the message. For the continuous upload's messages — up to 4 MiB of
 * frames, encoded by stream-encoding.ts into a buffer of its own — that is a second copy of every
 * frame, into fresh memory the garbage collector then chases. Messages encoded with
 * `framableBuffer` leave 5 bytes free before them; grpc-js' identity (uncompressed) framing is
 * taught to write its header there and send the buffer as it is. Any other message, and any
 * compressed one, is framed as before. When grpc-js is not laid out as expected, nothing is
 * changed (`framingInPlace` false) and messages are copied as before.
 */
const HEADER_BYTES = 5;
const framable = new WeakSet<ArrayBuffer>();
const FRAMABLE_BYTES = 64 * 1024;

interface IdentityHandler {
  writeMessage(message: Buffer, compress: boolean): Promise<Buffer>;
}

function patchIdentityFraming(): boolean {
  if (process.env.H5SAVER_FRAME_IN_PLACE === "off") return false;
  try {
    const require = createRequire(import.meta.url);
    const { CompressionFilter } = require("@grpc/grpc-js/build/src/compression-filter") as {
      CompressionFilter: new (options: object, shared: object) => { sendCompression: IdentityHandler };
    };
    const identity = Object.getPrototypeOf(new CompressionFilter({}, {}).sendCompression) as IdentityHandler;
    const original = identity.writeMessage;
    if (typeof original !== "function" || original.length !== 2) return false;
    identity.writeMessage = function (this: IdentityHandler, message: Buffer, compress: boolean) {
      if (message.byteOffset >= HEADER_BYTES && framable.has(message.buffer as ArrayBuffer)) {
        framable.delete(message.buffer as ArrayBuffer); // framed once: a message is written once
        const framed = Buffer.from(
          message.buffer,
          message.byteOffset - HEADER_BYTES,
          message.byteLength + HEADER_BYTES,
        );
        framed.writeUInt8(0, 0);
        framed.writeUInt32BE(message.byteLength, 1);
        return Promise.resolve(framed);
      }
      return original.call(this, message, compress);
    };
    return true;
  } catch {
    return false;
  }
}

export const framingInPlace = patchIdentityFraming();

/** Gives a buffer of `size` bytes to encode one message into. */
export type MessageAllocator = (size: number) => Buffer;

/** Whether a message of `size` bytes gets a buffer of its own (a small one is copied in no time). */
export function ownBufferFor(size: number): boolean {
  return size >= FRAMABLE_BYTES;
}

/** The bytes a buffer of its own needs for a message of `size` bytes: the message and grpc-js' header. */
export function wholeBytesFor(size: number): number {
  return size + HEADER_BYTES;
}

/** A buffer of `size` bytes to encode a message into, with room before it for grpc-js' header. */
export const framableBuffer: MessageAllocator = (size) => {
  // (a small message comes from Node's shared pool)
  if (!ownBufferFor(size)) return Buffer.allocUnsafe(size);
  return framableIn(unfilledArrayBuffer(wholeBytesFor(size)), size);
};

/** An ArrayBuffer of `bytes` bytes not zeroed first (the encoder writes every byte of a message). */
export function unfilledArrayBuffer(bytes: number): ArrayBuffer {
  return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
}

/**
 * The first `size` bytes after the header's room in `whole` (at least `wholeBytesFor(size)`
 * long, and used by nothing else), to encode one message into and send once.
 */
export function framableIn(whole: ArrayBuffer, size: number): Buffer {
  if (whole.byteLength < wholeBytesFor(size)) {
    throw new RangeError(`a buffer of ${whole.byteLength} bytes cannot frame a message of ${size}`);
  }
  if (framingInPlace) framable.add(whole);
  return Buffer.from(whole, HEADER_BYTES, size);
}
