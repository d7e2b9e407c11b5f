import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeviceError } from "../errors.ts";
import { createFaultInjector, parseFaults } from "./fault-plan.ts";

describe("parseFaults()", () => {
  it("reads the --faults list", () => {
    assert.deepEqual(parseFaults("garbage:10, crc:25,stall:100,disconnect:200"), {
      garbageEvery: 10,
      corruptEvery: 25,
      stallAfter: 100,
      disconnectAfter: 200,
    });
    assert.deepEqual(parseFaults(""), {});
  });

  it("refuses unknown faults and counts below 1", () => {
    for (const bad of ["smoke:1", "crc:0", "crc", "stall:2.5"]) {
      assert.throws(
        () => parseFaults(bad),
        (e: unknown) => e instanceof DeviceError && e.code === "invalid_config",
      );
    }
  });
});

describe("createFaultInjector()", () => {
  it("marks every n-th message and goes silent or away after n", () => {
    const faults = createFaultInjector({ garbageEvery: 2, corruptEvery: 3, stallAfter: 4 });
    const actions = Array.from({ length: 6 }, () => faults.next());
    assert.deepEqual(
      actions.map((a) => [a.index, a.garbage, a.corrupt, a.stall]),
      [
        [1, false, false, false],
        [2, true, false, false],
        [3, false, true, false],
        [4, true, false, false],
        [5, false, false, true],
        [5, false, false, true],
      ],
    );
    assert.equal(faults.sent, 4);
    const unplug = createFaultInjector({ disconnectAfter: 1 });
    assert.equal(unplug.next().disconnect, false);
    assert.equal(unplug.next().disconnect, true);
  });
});
