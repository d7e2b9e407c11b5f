import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createLineDevice } from "../../simulators/line-device.ts";
import { ptySkip } from "../../testing/socat.ts";
import { createMemoryLink } from "../../transport/memory-transport.ts";
import { createPtyPair } from "../../transport/pty-pair.ts";
import { openSerialTransport } from "../../transport/serial-transport.ts";
import { createDmmDriver } from "./dmm-driver.ts";
import { parseReading } from "./dmm-protocol.ts";
import { createDmmSimulator, dmmReading, formatReading } from "./dmm-simulator.ts";

async function take<T>(iterable: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length === n) break;
  }
  return out;
}

describe("parseReading()", () => {
  it("reads SCPI numbers and maps the ±9.9E37 overload to ±Infinity", () => {
    assert.equal(parseReading("+1.234567890E+00"), 1.23456789);
    assert.equal(parseReading("-4.17234e-007"), -4.17234e-7);
    assert.equal(parseReading("+9.90000000E+37"), Number.POSITIVE_INFINITY);
    assert.equal(parseReading("-9.9E37"), Number.NEGATIVE_INFINITY);
    assert.equal(parseReading("+B.CDEFGHIJAE+AA"), undefined);
    assert.equal(formatReading(1.5), "+1.500000000E+00");
    assert.equal(formatReading(-0.00123), "-1.230000000E-03");
  });
});

describe("dmm driver", () => {
  it("identifies the 34465A and reads its values over an in-memory link", async () => {
    const link = createMemoryLink({ maxChunk: 3 });
    const sim = createDmmSimulator();
    const served = sim.run(link.device);
    const driver = createDmmDriver({ transport: link.host });
    const identity = await driver.open();
    assert.equal(identity.title, "Keysight 34465A");
    await driver.configure({ nplc: 0.02 });
    await driver.start();
    const frames = await take(driver.frames(), 5);
    assert.deepEqual(
      frames.map((f) => f.data.data[0]?.data[0]?.[0]),
      [0, 1, 2, 3, 4].map((k) => Number(formatReading(dmmReading(k)))),
    );
    assert.deepEqual(
      frames.map((f) => f.sequence),
      [1, 2, 3, 4, 5],
    );
    assert.equal(frames[0]?.data.data[0]?.units, "V");
    assert.match(driver.settingsXml(), /<nplc type="float" title="Integration \(NPLC\)" value="0.02"\/>/);
    await driver.stop();
    await driver.close();
    await served;
  });

  it("talks to its simulator through the kernel's tty layer (socat pty pair)", {
    skip: ptySkip(),
  }, async () => {
    const pair = await createPtyPair();
    after(() => pair.close());
    const deviceEnd = await openSerialTransport({ path: pair.devicePath });
    const served = createDmmSimulator().run(deviceEnd);
    const driver = createDmmDriver({ transport: await openSerialTransport({ path: pair.hostPath }) });
    await driver.open();
    await driver.configure({ nplc: 0.02 });
    await driver.start();
    const frames = await take(driver.frames(), 20);
    assert.equal(frames.length, 20);
    assert.equal(frames[19]?.data.data[0]?.data[0]?.[0], Number(formatReading(dmmReading(19))));
    await driver.close();
    await deviceEnd.close();
    await served;
  });

  it("speaks the Keithley 2000 command set to an instrument that says it is a Keithley", async () => {
    const link = createMemoryLink();
    const heard: string[] = [];
    const served = createLineDevice({
      name: "dmm",
      replyTerminator: "\n",
      handle(command) {
        heard.push(command);
        if (command === "*IDN?") return "KEITHLEY INSTRUMENTS INC.,MODEL 2000,1234567,A19 /A02";
        if (command === ":SYST:ERR?") return '0,"No error"';
        if (command === ":READ?") return "+1.00000000E-03";
        return undefined;
      },
    }).run(link.device);
    const driver = createDmmDriver({ transport: link.host });
    assert.equal((await driver.open()).title, "KEITHLEY MODEL 2000");
    await driver.start();
    const [frame] = await take(driver.frames(), 1);
    assert.equal(frame?.data.data[0]?.data[0]?.[0], 0.001);
    assert.deepEqual(heard, [
      "*IDN?",
      "*CLS",
      ":CONF:VOLT:DC",
      ":SENS:VOLT:DC:NPLC 1",
      ":SYST:ERR?",
      ":READ?",
    ]);
    await driver.close();
    await served;
  });
});
