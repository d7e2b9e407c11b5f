import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateMeter } from "./rate-meter.ts";

describe("RateMeter", () => {
  it("averages complete seconds of the window and forgets older ones", () => {
    let now = 10_000;
    const meter = new RateMeter(5, () => now);
    for (let s = 0; s < 5; s++) {
      meter.add(100);
      now += 1000;
    }
    assert.equal(meter.perSecond(), 100);
    meter.add(1000); // the current second does not count until it is over
    assert.equal(meter.perSecond(), 100);
    now += 10_000; // idle: everything has left the window
    assert.equal(meter.perSecond(), 0);
  });
});
