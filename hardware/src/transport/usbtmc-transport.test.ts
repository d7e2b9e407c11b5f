import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDmmDriver } from "../drivers/dmm/dmm-driver.ts";
import { dmmReading, formatReading } from "../drivers/dmm/dmm-simulator.ts";
import { DeviceError } from "../errors.ts";
import { startPtySimulator } from "../simulators/pty-simulator.ts";
import { ptySkip } from "../testing/socat.ts";
import { take } from "../testing/take.ts";
import { openUsbtmcTransport } from "./usbtmc-transport.ts";

describe("usbtmc transport", () => {
  it("drives a SCPI DMM through plain reads and writes of a character device (a pty here)", {
    skip: ptySkip(),
  }, async () => {
    const sim = await startPtySimulator("dmm");
    const transport = await openUsbtmcTransport(sim.port);
    const driver = createDmmDriver({ transport });
    const identity = await driver.open();
    assert.equal(identity.title, "Keysight 34465A");
    await driver.configure({ nplc: 0.02 });
    await driver.start();
    const frames = await take(driver.frames(), 3);
    assert.deepEqual(
      frames.map((f) => f.data.data[0]?.data[0]?.[0]),
      [0, 1, 2].map((k) => Number(formatReading(dmmReading(k)))),
    );
    await driver.close();
    // the read still pending on the pty ends when the pty goes
    await sim.close();
  });

  it("says not_found for a device file that does not exist", async () => {
    await assert.rejects(openUsbtmcTransport("/dev/usbtmc-none"), (error: unknown) => {
      assert.ok(error instanceof DeviceError);
      assert.equal(error.code, "not_found");
      return true;
    });
  });
});
