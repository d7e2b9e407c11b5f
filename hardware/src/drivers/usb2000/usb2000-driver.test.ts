import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GARBAGE } from "../../simulators/fault-plan.ts";
import { ptyDriver } from "../../testing/pty-driver.ts";
import { take } from "../../testing/take.ts";
import { createMemoryLink } from "../../transport/memory-transport.ts";
import { createUsb2000Driver } from "./usb2000-driver.ts";
import { USB2000_COMMANDS, wavelengths } from "./usb2000-protocol.ts";
import { createUsb2000Simulator, USB2000_SIM_COEFFICIENTS, usb2000Count } from "./usb2000-simulator.ts";

describe("usb2000 protocol", () => {
  it("encodes the integration time as opcode 0x02 and a little-endian uint32 of µs", () => {
    assert.deepEqual([...USB2000_COMMANDS.integrationTime(100_000)], [0x02, 0xa0, 0x86, 0x01, 0x00]);
    assert.deepEqual([...USB2000_COMMANDS.queryInformation(3)], [0x05, 0x03]);
  });

  it("turns calibration coefficients into wavelengths", () => {
    const w = wavelengths([400, 0.5, 0.001, 0], 3);
    assert.deepEqual([...w], [400, 400.501, 401.004]);
  });
});

describe("usb2000 driver", () => {
  it("reads the calibration at open and gives each spectrum its wavelength axis (in-memory link)", async () => {
    const link = createMemoryLink({ maxChunk: 512 });
    const served = createUsb2000Simulator().run(link.device);
    const driver = createUsb2000Driver({ transport: link.host });
    const identity = await driver.open();
    assert.equal(identity.id, "USB2+H01234");
    await driver.configure({ integrationTimeUs: 1000 });
    await driver.start();
    const [frame] = await take(driver.frames(), 1);
    const spectrum = frame?.data.data[0];
    assert.equal(spectrum?.dim, "Data1D");
    assert.equal(spectrum?.dtype, "uint16");
    assert.equal(spectrum?.data[0]?.length, 2048);
    assert.equal(spectrum?.data[0]?.[1000], usb2000Count(0, 1000));
    const axis = spectrum?.axes[0];
    assert.equal(axis?.units, "nm");
    assert.ok(
      Math.abs((axis?.data[2047] as number) - (wavelengths([...USB2000_SIM_COEFFICIENTS])[2047] as number)) <
        1e-9,
    );
    await driver.close();
    await served;
  });

  it("streams spectra over a pty", async () => {
    const { driver } = await ptyDriver("usb2000");
    await driver.open();
    await driver.configure({ integrationTimeUs: 1000 });
    await driver.start();
    const frames = await take(driver.frames(), 5);
    assert.deepEqual(
      frames.map((f) => f.data.data[0]?.data[0]?.[700]),
      [0, 1, 2, 3, 4].map((k) => usb2000Count(k, 700)),
    );
    assert.equal(driver.counters.badFrames, 0);
  });

  it("drops a spectrum misaligned by garbage or with a wrong sync byte, and realigns (pty)", async () => {
    // replies 1–5 answer the slot queries at open; then spectra: 6, 7, 8 (garbage), 9, 10 (bad sync) …
    const { driver } = await ptyDriver("usb2000", { faults: { garbageEvery: 8, corruptEvery: 10 } });
    await driver.open();
    await driver.configure({ integrationTimeUs: 1000 });
    await driver.start();
    const frames = await take(driver.frames(), 6);
    // spectrum k is reply k + 6: k = 2 (garbage) and k = 4 (sync byte) are dropped
    const ks = [0, 1, 3, 5, 6, 7];
    frames.forEach((frame, row) => {
      const counts = frame.data.data[0]?.data[0];
      assert.deepEqual(
        [counts?.[0], counts?.[1024], counts?.[2047]],
        [0, 1024, 2047].map((i) => usb2000Count(ks[row] as number, i)),
        `frame ${row}`,
      );
    });
    assert.ok(driver.counters.badFrames >= 2, `${driver.counters.badFrames} bad frames`);
    // the garbage and the whole misaligned reply are counted as skipped
    assert.ok(driver.counters.garbageBytes >= GARBAGE.length + 4097, `${driver.counters.garbageBytes}`);
  });
});
