import { after } from "node:test";
import { createDriver } from "../drivers/create-driver.ts";
import type { Driver, DriverName } from "../drivers/driver.ts";
import {
  type PtySimulator,
  type PtySimulatorOptions,
  startPtySimulator,
} from "../simulators/pty-simulator.ts";
import { openSerialTransport } from "../transport/serial-transport.ts";

/** A simulator on a socat pty pair and its driver on the other end, both closed after the test file. */
export async function ptyDriver(
  name: DriverName,
  options: PtySimulatorOptions & { readonly timeoutMs?: number; readonly queueFrames?: number } = {},
): Promise<{ driver: Driver; sim: PtySimulator }> {
  const sim = await startPtySimulator(name, options);
  const transport = await openSerialTransport({ path: sim.port });
  const driver = createDriver(name, {
    transport,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.queueFrames !== undefined ? { queueFrames: options.queueFrames } : {}),
  });
  after(async () => {
    await driver.close().catch(() => undefined);
    await sim.close();
  });
  return { driver, sim };
}
