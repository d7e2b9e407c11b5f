/**
 * Gives the memory free in the C library's heaps back to the kernel after files close. Node
 * allocates the buffers that frames arrive in with malloc, and glibc's heaps shrink only from
 * their top: after 16 streams at once (hundreds of megabytes of message buffers in flight), the
 * server's main heap kept ~120 MB it had freed below blocks still in use, for good — resident,
 * until malloc_trim gave it back (measured 2026-12-04 on the 2-vCPU VM: the idle server's RSS
 * 286 → 135 MB; in the benchmark, the stream after the 16-stream scenario started at 147 MB
 * instead of 207).
 *
 * Two trims per burst of closes: one shortly after the first close, and one after the first full
 * garbage collection of V8's that finds no frames streaming — the buffers of the last messages are freed only when V8 collects them,
 * which an idle server does some seconds later (its memory reducer). Trimming runs in one of
 * libuv's threads, but takes the heaps' locks in turn (~15 ms in all for 100 MB free): files
 * closing within a quarter of a second share one, and none runs while frames stream (their writes
 * and acknowledgements would wait on those locks). Needs the native addon (native/build.sh);
 * without it, or with H5SAVER_HEAP_TRIM=off, nothing here does anything.
 */
import { constants, type PerformanceEntry, PerformanceObserver, performance } from "node:perf_hooks";
import { heapTrim, trimHeap } from "@h5saver/native";

/** How long after a file closes the heap is trimmed: files closing together share one trim. */
export const HEAP_TRIM_DELAY_MS = 250;

export interface HeapTrimmed {
  /** Resident memory given back, in MB (10^6 bytes); below 0 if other threads allocated meanwhile. */
  readonly releasedMb: number;
  readonly rssMb: number;
  /** From the request to trim to its end (in a libuv thread). */
  readonly ms: number;
  /** `close`: shortly after files closed; `gc`: after the garbage collection that followed. */
  readonly after: "close" | "gc";
}

/** For a log event: `heap_trim: "on"`, or `"off"` and why. */
export function heapTrimLogFields(): { heap_trim: "on" } | { heap_trim: "off"; heap_trim_why: string } {
  return heapTrim.available
    ? { heap_trim: "on" }
    : { heap_trim: "off", heap_trim_why: heapTrim.reason ?? "unknown" };
}

/**
 * Trims the heap `delayMs` after the first of a series of requests if `idle()` then, and after
 * the first full GC that finds it idle.
 */
export class HeapTrimmer {
  readonly #delayMs: number;
  readonly #onTrimmed: (trimmed: HeapTrimmed) => void;
  readonly #idle: () => boolean;
  #timer: NodeJS.Timeout | undefined;
  #gcWatch: PerformanceObserver | undefined;
  #stopped = false;
  /** The trim running, which later ones wait for (one at a time). */
  #running: Promise<void> = Promise.resolve();

  /**
   * `idle`: whether a trim may run now — a server says no while frames stream, whose writes would
   * wait for the heaps' locks (the trim after closes is then skipped; the one after a full
   * collection waits for a collection once they have stopped).
   */
  constructor(
    onTrimmed: (trimmed: HeapTrimmed) => void = () => {},
    idle: () => boolean = () => true,
    delayMs = HEAP_TRIM_DELAY_MS,
  ) {
    this.#onTrimmed = onTrimmed;
    this.#idle = idle;
    this.#delayMs = delayMs;
  }

  /** Asks for a trim; a pending one takes this request too. */
  request(): void {
    if (!heapTrim.available || this.#stopped) return;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#trim("close");
    }, this.#delayMs).unref();
    if (this.#gcWatch === undefined) {
      const watch = new PerformanceObserver((entries) => {
        const major = entries
          .getEntries()
          .some((entry) => gcKind(entry) === constants.NODE_PERFORMANCE_GC_MAJOR);
        // while frames stream, the watch waits for a full collection after they stop
        if (!major || this.#gcWatch !== watch || !this.#idle()) return;
        this.#stopWatching();
        this.#trim("gc");
      });
      watch.observe({ entryTypes: ["gc"] });
      this.#gcWatch = watch;
    }
  }

  /** Drops the pending trims, and takes no more requests. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopWatching();
  }

  #stopWatching(): void {
    this.#gcWatch?.disconnect();
    this.#gcWatch = undefined;
  }

  #trim(after: HeapTrimmed["after"]): void {
    this.#running = this.#running
      .then(async () => {
        if (this.#stopped || !this.#idle()) return;
        const before = process.memoryUsage.rss();
        const started = performance.now();
        if (!(await trimHeap())) return;
        const ms = performance.now() - started;
        const rss = process.memoryUsage.rss();
        this.#onTrimmed({ releasedMb: (before - rss) / 1e6, rssMb: rss / 1e6, ms, after });
      })
      // a trim is a hint: one that fails (the addon out of memory) must neither end the process
      // nor stop the trims after it
      .catch(() => undefined);
  }
}

/** The kind of a `gc` performance entry (Node's typings leave `detail` out of PerformanceEntry). */
function gcKind(entry: PerformanceEntry): number | undefined {
  return (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
}
