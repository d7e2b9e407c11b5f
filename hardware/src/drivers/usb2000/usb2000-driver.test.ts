import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GARBAGE } from "../../simulators/fault-plan.ts";
import { ptyDriver } from "../../testing/pty-driver.ts";
import { ptySkip } from "../../testing/socat.ts";
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
    assert.deepEqual(
      spectrum?.data[0],
      Uint16Array.from({ length: 2048 }, (_, i) => usb2000Count(0, i)),
    );
    const axis = spectrum?.axes[0];
    assert.equal(axis?.units, "nm");
    assert.ok(
      Math.abs((axis?.data[2047] as number) - (wavelengths([...USB2000_SIM_COEFFICIENTS])[2047] as number)) <
        1e-9,
    );
    await driver.close();
    await served;
  });

  it("streams spectra over a pty", { skip: ptySkip() }, async () => {
    const { driver } = await ptyDriver("usb2000");
    await driver.open();
    await driver.configure({ integrationTimeUs: 1000 });
    await driver.start();
    const frames = await take(driver.frames(), 5);
    frames.forEach((frame, k) => {
      assert.deepEqual(
        frame.data.data[0]?.data[0],
        Uint16Array.from({ length: 2048 }, (_, i) => usb2000Count(k, i)),
        `spectrum ${k}`,
      );
    });
    assert.equal(driver.counters.badFrames, 0);
  });

  it("drops a spectrum misaligned by garbage or with a wrong sync byte, and realigns (pty)", {
    skip: ptySkip(),
  }, async () => {
    // replies 1–5 answer the slot queries at open; then spectra: 6, 7, 8 (garbage), 9, 10 (bad sync) …
    const { driver } = await ptyDriver("usb2000", { faults: { garbageEvery: 8, corruptEvery: 10 } });
    await driver.open();
    await driver.configure({ integrationTimeUs: 1000 });
    await driver.start();
    const frames = await take(driver.frames(), 6);
    // spectrum k is reply k + 6: k = 2 (garbage) and k = 4 (sync byte) must be missing, the others exact
    const ks = frames.map((frame) => {
      const counts = frame.data.data[0]?.data[0] as Uint16Array;
      // whole spectra compared: away from the peak every spectrum is the same background
      const k = Array.from({ length: 30 }, (_, j) => j).find((j) =>
        counts.every((value, i) => value === usb2000Count(j, i)),
      );
      assert.ok(k !== undefined, "a spectrum that is no simulator spectrum");
      return k;
    });
    assert.equal(ks[0], 0);
    assert.ok(!ks.includes(2) && !ks.includes(4), `spectra ${ks}`);
    assert.deepEqual(
      ks,
      [...ks].sort((a, b) => a - b),
    );
    assert.ok(driver.counters.badFrames >= 2, `${driver.counters.badFrames} bad frames`);
    // the garbage and the whole misaligned reply are counted as skipped
    assert.ok(driver.counters.garbageBytes >= GARBAGE.length + 4097, `${driver.counters.garbageBytes}`);
  });
});
