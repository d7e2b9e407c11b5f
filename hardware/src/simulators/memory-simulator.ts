import type { DriverName } from "../drivers/driver.ts";
import { createMemoryLink } from "../transport/memory-transport.ts";
import type { Transport } from "../transport/transport.ts";
import { createSimulator } from "./create-simulator.ts";
import type { FaultPlan } from "./fault-plan.ts";
import type { Simulator } from "./simulator.ts";

/**
 * A simulator on an in-memory link, for where socat is missing: `acquire({ port, openTransport })`
 * reaches it exactly as a serial port, without the kernel's tty layer in between.
 */
export interface MemorySimulator {
  readonly name: DriverName;
  readonly port: string;
  readonly simulator: Simulator;
  /** Give this to `acquire` as `openTransport`; the device can be opened once. */
  openTransport(port: string): Promise<Transport>;
  close(): Promise<void>;
}

export function startMemorySimulator(
  name: DriverName,
  options: { readonly faults?: FaultPlan } = {},
): MemorySimulator {
  const link = createMemoryLink();
  const simulator = createSimulator(name, {
    ...(options.faults ? { faults: options.faults } : {}),
    disconnect: () => link.disconnect(),
  });
  const served = simulator.run(link.device);
  const port = `memory:${name}`;
  let opened = false;
  return {
    name,
    port,
    simulator,
    async openTransport(path) {
      if (path !== port || opened) throw new Error(`${path}: only ${port} can be opened, once`);
      opened = true;
      return link.host;
    },
    async close() {
      await link.device.close();
      await served;
    },
  };
}
