import { DeviceError } from "../errors.ts";

export interface ReconnectOptions {
  /** Attempts before giving up (each one reopens the port and redoes the device's handshake). */
  readonly attempts: number;
  /** First wait; doubled after each failure up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** 0.5 s → 10 s: a USB-serial adapter re-enumerates within a second or two once plugged back. */
export const DEFAULT_INITIAL_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 10_000;

/**
 * Calls `connect` until it succeeds, waiting with exponential backoff between attempts. Resolves
 * undefined when `signal` aborts; rejects with a `disconnected` error (the cause: the last
 * failure) when the attempts are spent.
 */
export async function reconnectWithBackoff<T>(
  connect: () => Promise<T>,
  options: ReconnectOptions,
  signal: AbortSignal | undefined,
  lost: DeviceError,
): Promise<T | undefined> {
  let delay = options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const maxDelay = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  let last: unknown = lost;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const aborted = await sleep(delay, signal);
    if (aborted) return undefined;
    try {
      return await connect();
    } catch (error) {
      last = error;
      delay = Math.min(delay * 2, maxDelay);
    }
  }
  throw new DeviceError(
    "disconnected",
    `${lost.message}; ${options.attempts} reconnection attempts failed (last: ${DeviceError.from(last).message})`,
    lost.details,
    { cause: last },
  );
}

/** Resolves true when aborted before `ms` passed. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (aborted: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(aborted);
    };
    const onAbort = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener("abort", onAbort);
  });
}
