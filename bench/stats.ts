/** Order statistics of the benchmark (pure). */

/** The nearest-rank percentile (`p` in 0..100] of `values`: the smallest value with at least p % of them at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/**
 * Send → durable-acknowledgement latencies: `sentAt[s]` is when frame `s` (1-based) was handed to
 * the client, `acks` the (time, durableSequence) of each acknowledgement in arrival order. A frame's
 * latency is the time of the first acknowledgement whose durable sequence reaches it.
 */
export function ackLatencies(
  sentAt: readonly number[],
  acks: readonly { readonly at: number; readonly durableSequence: number }[],
): number[] {
  const latencies: number[] = [];
  let covered = 0;
  for (const ack of acks) {
    const upTo = Math.min(ack.durableSequence, sentAt.length - 1);
    for (let s = covered + 1; s <= upTo; s++) latencies.push(ack.at - (sentAt[s] as number));
    covered = Math.max(covered, upTo);
  }
  return latencies;
}

/**
 * The JSON fields of a paced run's latencies, one list per stream (bench/README.md); none for a
 * run that was not paced. With `warmUpFrames` (a paced run's first second), also the p99 of each
 * stream's frames after its first ones: a stream's first frames meet cold code in both processes
 * (JIT, lazily compiled WebAssembly) and in a run of a few hundred frames they alone can make the
 * p99.
 */
export function latencyFields(
  perStream: readonly (readonly number[])[],
  frames: number,
  warmUpFrames = 0,
): Record<string, number> {
  const latencies = perStream.flat();
  if (latencies.length === 0) return {};
  if (latencies.length !== frames) {
    throw new Error(`${latencies.length} acknowledgement latencies for ${frames} frames`);
  }
  const steady = perStream.flatMap((stream) => stream.slice(warmUpFrames));
  return {
    ack_p50_ms: percentile(latencies, 50),
    ack_p99_ms: percentile(latencies, 99),
    ack_max_ms: percentile(latencies, 100),
    ...(warmUpFrames > 0 && steady.length > 0 ? { ack_p99_after_1s_ms: percentile(steady, 99) } : {}),
  };
}
