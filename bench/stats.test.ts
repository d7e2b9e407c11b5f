import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ackLatencies, latencyFields, percentile } from "./stats.ts";

describe("bench stats", () => {
  it("percentile is nearest-rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([1, 2, 3], 50), 2);
    assert.throws(() => percentile([], 50));
    assert.throws(() => percentile([1], 0));
  });

  it("a frame's latency ends at the first acknowledgement that covers it", () => {
    // sentAt is 1-based: index 0 unused
    const sentAt = [Number.NaN, 0, 10, 20, 30];
    const acks = [
      { at: 5, durableSequence: 1 },
      { at: 25, durableSequence: 3 }, // covers 2 and 3 at once
      { at: 26, durableSequence: 3 }, // repeated: nothing new
      { at: 31, durableSequence: 4 },
    ];
    assert.deepEqual(ackLatencies(sentAt, acks), [5, 15, 5, 1]);
  });

  it("the p99 after the first second leaves the warm-up frames out", () => {
    const latencies = [90, 40, 30, ...Array.from({ length: 100 }, (_, i) => 1 + i / 100)];
    const fields = latencyFields([latencies], latencies.length, 3);
    assert.equal(fields.ack_max_ms, 90);
    assert.equal(fields.ack_p99_ms, 40); // the cold frames make the p99 of the whole run
    assert.equal(fields.ack_p99_after_1s_ms, 1.98);
    assert.equal(latencyFields([latencies], latencies.length).ack_p99_after_1s_ms, undefined);
  });

  it("leaves out the first frames of every stream, not only of the first", () => {
    const stream = (cold: number) => [cold, ...Array.from({ length: 99 }, () => 1)];
    const fields = latencyFields([stream(50), stream(60)], 200, 1);
    assert.equal(fields.ack_p99_after_1s_ms, 1);
    assert.equal(fields.ack_max_ms, 60);
  });
});
