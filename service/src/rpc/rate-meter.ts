/**
 * Events per second over a sliding window of one-second buckets, for GetStatus' frame rates:
 * recent enough to show a stall within seconds, smooth enough not to jump frame by frame.
 */
export class RateMeter {
  readonly #windowSeconds: number;
  readonly #buckets = new Map<number, number>();
  readonly #now: () => number;

  constructor(windowSeconds = 5, now: () => number = Date.now) {
    this.#windowSeconds = windowSeconds;
    this.#now = now;
  }

  add(count = 1): void {
    const second = Math.floor(this.#now() / 1000);
    this.#buckets.set(second, (this.#buckets.get(second) ?? 0) + count);
    for (const key of this.#buckets.keys()) if (key < second - this.#windowSeconds) this.#buckets.delete(key);
  }

  /** The mean rate over the complete seconds of the window (the current second is still filling). */
  perSecond(): number {
    const current = Math.floor(this.#now() / 1000);
    let total = 0;
    for (const [second, count] of this.#buckets) {
      if (second < current && second >= current - this.#windowSeconds) total += count;
    }
    return total / this.#windowSeconds;
  }
}
