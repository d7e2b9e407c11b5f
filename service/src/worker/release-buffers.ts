/**
 * Giving a stream's frame buffers back to the allocator as soon as the writer thread is done with
 * them, instead of when its garbage collector next runs.
 *
 * The arrays of a frame reach the writer thread as views of grpc-js's buffer for that message,
 * moved there (worker-saver-file.ts). V8 frees such a buffer's memory only when it collects the
 * ArrayBuffer, and it counts that memory lazily: tens of megabytes of frames the writer finished
 * with stay allocated (in glibc's main heap, which then keeps the pages), growing the server's
 * RSS by ~100 MB in a stream of 8 MiB frames. Detaching a buffer (`ArrayBuffer.prototype.transfer`
 * to a length of 0) frees its memory at once.
 */
import v8 from "node:v8";

type Transferable = ArrayBuffer & { transfer(length?: number): ArrayBuffer };

function canTransfer(buffer: ArrayBuffer): buffer is Transferable {
  return typeof (buffer as Partial<Transferable>).transfer === "function";
}

let enabled = false;

/**
 * Makes `ArrayBuffer.prototype.transfer` exist in writer threads started from now on; called
 * before the first writer thread starts. Node 22 has it; Node 20's V8 (11.3) has it behind a flag
 * that only decides whether a new context installs the builtin — a new worker's context reads it
 * at start — so setting it at run time, before any of our threads exists, is safe.
 */
export function enableBufferRelease(): void {
  if (enabled) return;
  enabled = true;
  if (typeof (ArrayBuffer.prototype as Partial<Transferable>).transfer !== "function") {
    v8.setFlagsFromString("--harmony-rab-gsab-transfer");
  }
}

/**
 * Frees the memory of every ArrayBuffer under `value` (views of them, in arrays and objects):
 * only for buffers this thread owns and nothing reads again. Without `transfer` (an older
 * runtime) the buffers are left to the garbage collector. Returns the bytes freed.
 */
export function releaseBuffers(value: unknown): number {
  const seen = new Set<ArrayBuffer>();
  collect(value, seen, 0);
  let freed = 0;
  for (const buffer of seen) {
    if (!canTransfer(buffer)) return freed;
    const bytes = buffer.byteLength;
    try {
      buffer.transfer(0);
      freed += bytes;
    } catch {
      // one that cannot be detached (a WebAssembly memory's) stays: the collector frees it
    }
  }
  return freed;
}

/** Objects nest a few levels (args → block → arrays of arrays); the cap stops a cycle. */
const MAX_DEPTH = 8;

function collect(value: unknown, into: Set<ArrayBuffer>, depth: number): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) into.add(value.buffer);
    return;
  }
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) collect(child, into, depth + 1);
}
