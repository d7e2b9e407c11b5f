import { DeviceError } from "../errors.ts";

/**
 * The receive side shared by the serial and in-memory transports: chunks pushed by the port's
 * event handlers wait here until a `read()` takes them, so no byte is lost between reads.
 */
export interface Inbox {
  push(chunk: Uint8Array): void;
  /** No more bytes: pending and later reads resolve `undefined` (after the queued bytes). */
  end(): void;
  /** The port failed: pending and later reads reject with `error` (after the queued bytes). */
  fail(error: DeviceError): void;
  read(timeoutMs: number | undefined, describe: () => string): Promise<Uint8Array | undefined>;
  discard(): number;
}

interface Waiter {
  resolve(chunk: Uint8Array | undefined): void;
  reject(error: DeviceError): void;
}

export function createInbox(): Inbox {
  const chunks: Uint8Array[] = [];
  let waiter: Waiter | undefined;
  let ended = false;
  let failure: DeviceError | undefined;

  const settle = () => {
    if (!waiter) return;
    const w = waiter;
    const chunk = chunks.shift();
    if (chunk) {
      waiter = undefined;
      w.resolve(chunk);
    } else if (failure) {
      waiter = undefined;
      w.reject(failure);
    } else if (ended) {
      waiter = undefined;
      w.resolve(undefined);
    }
  };

  return {
    push(chunk) {
      if (ended || failure || chunk.length === 0) return;
      chunks.push(chunk);
      settle();
    },
    end() {
      ended = true;
      settle();
    },
    fail(error) {
      if (ended || failure) return;
      failure = error;
      settle();
    },
    read(timeoutMs, describe) {
      if (waiter) {
        return Promise.reject(new DeviceError("internal", `${describe()}: two reads at once`));
      }
      return new Promise<Uint8Array | undefined>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          if (timer) clearTimeout(timer);
        };
        waiter = {
          resolve: (chunk) => {
            done();
            resolve(chunk);
          },
          reject: (error) => {
            done();
            reject(error);
          },
        };
        settle();
        if (waiter && timeoutMs !== undefined) {
          const pending = waiter;
          timer = setTimeout(() => {
            if (waiter !== pending) return;
            waiter = undefined;
            reject(new DeviceError("timeout", `${describe()}: no byte within ${timeoutMs} ms`));
          }, timeoutMs);
        }
      });
    },
    discard() {
      let n = 0;
      for (const chunk of chunks) n += chunk.length;
      chunks.length = 0;
      return n;
    },
  };
}
