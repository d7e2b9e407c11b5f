import {
  framableBuffer,
  framableIn,
  type MessageAllocator,
  ownBufferFor,
  unfilledArrayBuffer,
  wholeBytesFor,
} from "./grpc-framing.ts";

/** Buffers held for reuse, at most (an upload's messages are at most 4 MiB by default). */
const MAX_FREE_BYTES = 32 << 20;
/** Buffers of messages sent and not yet acknowledged that are kept for reuse, at most. */
const MAX_SENT_BYTES = 64 << 20;
/** New buffers are rounded up to this, so that messages whose sizes differ a little share them. */
const GRANULE_BYTES = 64 << 10;

/**
 * The buffers one upload encodes its large messages into, reused once the server has
 * acknowledged every frame a message carried. A new buffer for each message is external memory
 * to V8, which starts a full garbage collection every few tens of MB of it: at 100 Hz of 1 MiB
 * frames the client spent 1.3–9.8 ms in one every 110–330 ms (`--trace-gc`), delays that land
 * on frames' acknowledgement latency; and fresh memory costs page faults. An acknowledgement
 * (of frames appended) proves the server received the whole message, so neither grpc-js nor the
 * socket reads its buffer any more — a signal of the protocol, not of grpc-js' internals.
 * Messages under grpc-framing's threshold come from Node's shared pool as before; buffers of
 * messages beyond MAX_SENT_BYTES not yet acknowledged are left to the garbage collector (a
 * stream without a journal is acknowledged at its flushes only); the bounds are per upload.
 */
export class MessageBuffers {
  readonly #free: ArrayBuffer[] = [];
  #freeBytes = 0;
  /** Buffers of messages written, oldest first, with the last sequence number each carried. */
  readonly #sent: { readonly last: number; readonly buffer: ArrayBuffer }[] = [];
  #sentBytes = 0;
  readonly #ours = new WeakSet<ArrayBuffer>();

  /** A buffer for a message of `size` bytes: a free one large enough (not more than twice), or a new one. */
  readonly allocate: MessageAllocator = (size) => {
    if (!ownBufferFor(size)) return framableBuffer(size);
    const need = wholeBytesFor(size);
    const index = this.#free.findIndex(
      (buffer) => buffer.byteLength >= need && buffer.byteLength <= 2 * need,
    );
    if (index >= 0) {
      const [buffer] = this.#free.splice(index, 1) as [ArrayBuffer];
      this.#freeBytes -= buffer.byteLength;
      return framableIn(buffer, size);
    }
    const buffer = unfilledArrayBuffer(Math.ceil(need / GRANULE_BYTES) * GRANULE_BYTES);
    this.#ours.add(buffer);
    return framableIn(buffer, size);
  };

  /** The message encoded in `bytes`, whose frames end at sequence `last`, was written to the call. */
  sent(bytes: Uint8Array | undefined, last: number): void {
    const buffer = bytes?.buffer as ArrayBuffer | undefined;
    if (buffer === undefined || !this.#ours.has(buffer)) return;
    if (this.#sentBytes + buffer.byteLength > MAX_SENT_BYTES) return;
    this.#sent.push({ last, buffer });
    this.#sentBytes += buffer.byteLength;
  }

  /**
   * The server has appended every frame up to `appendedSequence`: their messages' buffers are
   * free. (An upload's frames are numbered from 1 on a stream of its own, over one call: no
   * acknowledgement counts frames another call carried — an upload that resumed a stream on a new
   * call would have to release only what this call's own messages carried.)
   */
  acknowledged(appendedSequence: number): void {
    while (this.#sent.length > 0 && (this.#sent[0]?.last as number) <= appendedSequence) {
      const { buffer } = this.#sent.shift() as { buffer: ArrayBuffer };
      this.#sentBytes -= buffer.byteLength;
      // the oldest free buffers give way: ones of an earlier message size would otherwise stay, unused
      while (this.#free.length > 0 && this.#freeBytes + buffer.byteLength > MAX_FREE_BYTES) {
        this.#freeBytes -= (this.#free.shift() as ArrayBuffer).byteLength;
      }
      if (buffer.byteLength > MAX_FREE_BYTES) continue;
      this.#free.push(buffer);
      this.#freeBytes += buffer.byteLength;
    }
  }

  /** The call is over: nothing is reused any more (a buffer may be in the transport still). */
  clear(): void {
    this.#free.length = 0;
    this.#sent.length = 0;
    this.#freeBytes = 0;
    this.#sentBytes = 0;
  }

  /** Bytes held for reuse and bytes of messages awaiting their acknowledgement. */
  get held(): { free: number; sent: number } {
    return { free: this.#freeBytes, sent: this.#sentBytes };
  }
}
