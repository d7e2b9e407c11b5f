import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ptyDriver } from "../../testing/pty-driver.ts";
import { ptySkip } from "../../testing/socat.ts";
import { take } from "../../testing/take.ts";
import { TCD1304_PIXELS } from "./tcd1304-protocol.ts";
import { tcd1304Pixel } from "./tcd1304-simulator.ts";

describe("tcd1304 driver", { skip: ptySkip() }, () => {
  it("streams 3694-pixel frames over a pty with their counters and pixel axis", async () => {
    const { driver } = await ptyDriver("tcd1304");
    await driver.open();
    await driver.configure({ integrationUs: 2000 });
    await driver.start();
    const frames = await take(driver.frames(), 30);
    await driver.stop();
    const counters = frames.map((f) => f.deviceSequence as number);
    assert.deepEqual(
      counters,
      counters.map((_, i) => (counters[0] as number) + i),
    );
    const last = frames[29];
    const ccd = last?.data.data.find((d) => d.name === "CCD");
    assert.equal(ccd?.dim, "Data1D");
    assert.equal(ccd?.data[0]?.length, TCD1304_PIXELS);
    const k = last?.deviceSequence as number;
    assert.deepEqual(
      ccd?.data[0],
      Uint16Array.from({ length: TCD1304_PIXELS }, (_, i) => tcd1304Pixel(k, i)),
    );
    assert.equal(ccd?.axes[0]?.label, "pixel");
    assert.equal(last?.data.data.find((d) => d.name === "frame_counter")?.data[0]?.[0], k);
    assert.equal(driver.counters.crcErrors, 0);
    assert.equal(driver.counters.missed, 0);
  });
});
