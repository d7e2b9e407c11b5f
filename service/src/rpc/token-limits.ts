/**
 * A token's rate and storage limits (tokens file: `maxMegabytesPerSecond`, `maxGigabytes`), applied
 * to the array data its calls bring (data, errors, background of every frame, snapshot or point).
 *
 * Rate: a token bucket holding one second of the rate. A call over the rate waits for the bucket,
 * at most a second (a larger call passes once the bucket is full, and empties it): calls are
 * slowed to the rate, never refused for it. The server waits inside the session's call queue, so
 * a stream is paced through gRPC flow control and unary calls that pile up meet the queue limit.
 * Storage: the bytes under the token's folder when the server started, plus the data accepted
 * since; over the quota a call is refused (the folder is measured again first, at most every 10 s,
 * so that files deleted meanwhile count).
 */
import { stat } from "node:fs/promises";
import { SaverError } from "../errors.ts";
import { walkFiles } from "../files/walk-files.ts";

const REMEASURE_MS = 10_000;
const MB = 1_000_000;
const GB = 1_000_000_000;

export interface TokenLimitSettings {
  readonly megabytesPerSecond?: number;
  readonly gigabytes?: number;
  /** How often, at most, the folder is measured again when a call would go over (default 10 s). */
  readonly remeasureMs?: number;
}

export class TokenLimits {
  readonly #name: string;
  readonly #folder: string;
  readonly #rate: number | undefined;
  readonly #quota: number | undefined;
  readonly #remeasureMs: number;
  #bucket: number;
  #filledAt: number;
  #used: Promise<number> | undefined;
  #accepted = 0;
  #measuredAt = 0;
  /** Calls wait their turn for the bucket, in arrival order. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(name: string, folder: string, settings: TokenLimitSettings) {
    this.#name = name;
    this.#folder = folder;
    this.#rate = settings.megabytesPerSecond === undefined ? undefined : settings.megabytesPerSecond * MB;
    this.#quota = settings.gigabytes === undefined ? undefined : settings.gigabytes * GB;
    this.#remeasureMs = settings.remeasureMs ?? REMEASURE_MS;
    this.#bucket = this.#rate ?? 0;
    this.#filledAt = performance.now();
    if (this.#quota !== undefined) this.#measure();
  }

  /** Resolves when `bytes` of data may be saved now; rejects with RESOURCE_EXHAUSTED over the quota. */
  admit(bytes: number): Promise<void> {
    const run = this.#turn.then(async () => {
      await this.#checkQuota(bytes);
      await this.#takeFromBucket(bytes);
      this.#accepted += bytes;
    });
    this.#turn = run.catch(() => undefined);
    return run;
  }

  async #takeFromBucket(bytes: number): Promise<void> {
    const rate = this.#rate;
    if (rate === undefined) return;
    this.#refill(rate);
    // a frame larger than the bucket passes once the bucket is full, then empties it
    const needed = Math.min(bytes, rate);
    const waitMs = needed <= this.#bucket ? 0 : ((needed - this.#bucket) / rate) * 1000;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
    this.#refill(rate);
    this.#bucket -= needed;
  }

  #refill(rate: number): void {
    const now = performance.now();
    this.#bucket = Math.min(rate, this.#bucket + ((now - this.#filledAt) / 1000) * rate);
    this.#filledAt = now;
  }

  async #checkQuota(bytes: number): Promise<void> {
    const quota = this.#quota;
    if (quota === undefined) return;
    let used = (await this.#used) ?? 0;
    if (used + this.#accepted + bytes > quota && performance.now() - this.#measuredAt >= this.#remeasureMs) {
      // files deleted since the last measure free their space
      this.#measure();
      used = (await this.#used) ?? 0;
    }
    if (used + this.#accepted + bytes > quota) {
      throw new SaverError(
        "resource_exhausted",
        `token '${this.#name}' has used ${((used + this.#accepted) / GB).toFixed(3)} GB of its ${quota / GB} GB: nothing was saved; delete or move files out of its folder, or ask for a higher maxGigabytes`,
      );
    }
  }

  #measure(): void {
    this.#measuredAt = performance.now();
    this.#accepted = 0;
    this.#used = folderBytes(this.#folder);
  }
}

/** Bytes of the regular files under `folder` (symbolic links not followed). */
async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for await (const file of walkFiles(folder))
    total += await stat(file).then(
      (s) => s.size,
      () => 0,
    );
  return total;
}
