import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeviceError } from "../../errors.ts";
import { ptyDriver } from "../../testing/pty-driver.ts";
import { ptySkip } from "../../testing/socat.ts";
import { rejection, take } from "../../testing/take.ts";
import { createMemoryLink } from "../../transport/memory-transport.ts";
import { createLineChannel } from "../line-channel.ts";
import { formatSr830, parseNumbers, SENSITIVITY_VOLTS, TIME_CONSTANT_SECONDS } from "./sr830-protocol.ts";
import { createSr830Simulator, sr830Snapshot } from "./sr830-simulator.ts";

describe("sr830 protocol", () => {
  it("formats numbers as the SR830 does and reads them back", () => {
    assert.equal(formatSr830(-4.17234e-7), "-4.17234e-007");
    assert.equal(formatSr830(1000), "1.00000e+003");
    assert.deepEqual(parseNumbers("-4.17234e-007,-5.9605e-007", 2), [-4.17234e-7, -5.9605e-7]);
    assert.equal(parseNumbers("1,2", 3), undefined);
    assert.equal(parseNumbers("1,B", 2), undefined);
  });

  it("has the manual's sensitivity and time-constant tables", () => {
    assert.equal(SENSITIVITY_VOLTS.length, 27);
    assert.ok(Math.abs((SENSITIVITY_VOLTS[0] as number) - 2e-9) < 1e-21);
    // pymeasure test vector: SENS? → 14 is 100 µV
    assert.ok(Math.abs((SENSITIVITY_VOLTS[14] as number) - 1e-4) < 1e-16);
    assert.equal(SENSITIVITY_VOLTS[26], 1);
    assert.equal(TIME_CONSTANT_SECONDS[0], 1e-5);
    assert.equal(TIME_CONSTANT_SECONDS[10], 1);
    assert.equal(TIME_CONSTANT_SECONDS[19], 3e4);
  });
});

describe("sr830 simulator", () => {
  it("stays silent until OUTX 0, as an SR830 after power-up", async () => {
    const link = createMemoryLink();
    const served = createSr830Simulator().run(link.device);
    const channel = createLineChannel(link.host, {
      device: "sr830 on memory",
      replyTerminator: "\r",
      commandTerminator: "\r",
      timeoutMs: 100,
    });
    const error = await rejection(channel.query("*IDN?"));
    assert.ok(error instanceof DeviceError);
    assert.equal(error.code, "timeout");
    assert.equal(error.details.command, "*IDN?");
    await channel.send("OUTX 0");
    assert.match(await channel.query("*IDN?"), /^Stanford_Research_Systems,SR830,/);
    await link.host.close();
    await served;
  });
});

describe("sr830 driver", () => {
  it("reads X, Y, R, θ and the frequency over a pty with SNAP?", { skip: ptySkip() }, async () => {
    const { driver } = await ptyDriver("sr830");
    const identity = await driver.open();
    assert.match(identity.id, /SR830/);
    await driver.configure({ frequency: 1234.5 });
    await driver.start();
    const frames = await take(driver.frames(), 10);
    assert.equal(frames.length, 10);
    const last = frames[9]?.data;
    const xyr = last?.data.find((d) => d.name === "XYR");
    assert.deepEqual(xyr?.labels, ["X", "Y", "R"]);
    const expected = sr830Snapshot(9);
    const x = xyr?.data[0]?.[0] as number;
    assert.ok(Math.abs(x - expected.x) <= Math.abs(expected.x) * 1e-5, `${x} vs ${expected.x}`);
    assert.equal(last?.data.find((d) => d.name === "theta")?.units, "deg");
    assert.equal(last?.data.find((d) => d.name === "frequency")?.data[0]?.[0], 1234.5);
    assert.match(
      driver.settingsXml(),
      /<frequency type="float" title="Reference frequency \(Hz\)" value="1234.5"\/>/,
    );
    await driver.stop();
  });

  it("times out on a stalled lock-in, naming it and the SNAP? it was asked", {
    skip: ptySkip(),
  }, async () => {
    // replies 1–4 answer *IDN?, FREQ?, SENS?, OFLT? at open; two snapshots, then silence
    const { driver, sim } = await ptyDriver("sr830", { faults: { stallAfter: 6 }, timeoutMs: 1000 });
    await driver.open();
    await driver.start();
    const frames: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const frame of driver.frames()) frames.push(frame.sequence);
      })(),
    );
    assert.deepEqual(frames, [1, 2]);
    assert.ok(error instanceof DeviceError);
    assert.equal(error.code, "timeout");
    assert.equal(error.details.command, "SNAP? 1,2,3,4,9");
    assert.equal(error.message, `sr830 on ${sim.port} did not answer 'SNAP? 1,2,3,4,9' within 1000 ms`);
  });
});
