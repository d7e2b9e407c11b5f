import { DeviceError } from "../errors.ts";

/**
 * Decoded frames waiting for the consumer. Bounded: when full the oldest frame is dropped and
 * counted (a device does not wait for a slow saver; a counted drop beats a silent loss in the
 * kernel's tty buffer).
 */
export interface FrameQueue<T> {
  readonly length: number;
  readonly dropped: number;
  push(item: T): void;
  /** No more items: `next` drains what is queued, then resolves undefined. */
  end(): void;
  /** `next` drains what is queued, then rejects with `error`. */
  fail(error: DeviceError): void;
  /** The next item; rejects with `onTimeout()` when none comes within `timeoutMs`. */
  next(timeoutMs?: number, onTimeout?: () => DeviceError): Promise<T | undefined>;
}

export function createFrameQueue<T>(capacity: number, onDrop?: (item: T) => void): FrameQueue<T> {
  const items: T[] = [];
  let dropped = 0;
  let ended = false;
  let failure: DeviceError | undefined;
  let waiter: ((settled: { item?: T; error?: DeviceError }) => void) | undefined;

  const wake = () => {
    if (!waiter) return;
    if (items.length > 0) {
      const w = waiter;
      waiter = undefined;
      w({ item: items.shift() as T });
    } else if (failure || ended) {
      const w = waiter;
      waiter = undefined;
      w(failure ? { error: failure } : {});
    }
  };

  return {
    get length() {
      return items.length;
    },
    get dropped() {
      return dropped;
    },
    push(item) {
      if (ended || failure) return;
      items.push(item);
      if (items.length > capacity) {
        dropped++;
        onDrop?.(items.shift() as T);
      }
      wake();
    },
    end() {
      ended = true;
      wake();
    },
    fail(error) {
      if (ended || failure) return;
      failure = error;
      wake();
    },
    next(timeoutMs, onTimeout) {
      if (waiter) return Promise.reject(new DeviceError("internal", "two consumers of one frame queue"));
      return new Promise<T | undefined>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        waiter = ({ item, error }) => {
          if (timer) clearTimeout(timer);
          if (error) reject(error);
          else resolve(item);
        };
        wake();
        if (waiter && timeoutMs !== undefined) {
          const pending = waiter;
          timer = setTimeout(() => {
            if (waiter !== pending) return;
            waiter = undefined;
            reject(onTimeout?.() ?? new DeviceError("timeout", `no frame within ${timeoutMs} ms`));
          }, timeoutMs);
        }
      });
    },
  };
}
