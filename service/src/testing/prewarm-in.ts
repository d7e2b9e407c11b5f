import type { WarmUpOutcome } from "../worker/protocol.ts";
import { prewarmWriterThread } from "../worker/worker-saver-file.ts";

/**
 * Starts the ready writer thread with a warm-up, TMPDIR set to `temp` until the warm-up ends (a
 * thread copies the environment when it starts, which is after its bundle is found); resolves
 * with the warm-up's outcome.
 */
export async function prewarmIn(temp: string): Promise<WarmUpOutcome> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = temp;
  try {
    return await new Promise<WarmUpOutcome>((resolve) => prewarmWriterThread(true, resolve));
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}
