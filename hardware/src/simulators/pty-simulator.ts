import type { DriverName } from "../drivers/driver.ts";
import { createPtyPair, type PtyPair } from "../transport/pty-pair.ts";
import { openSerialTransport } from "../transport/serial-transport.ts";
import { type AnySimulatorOptions, createSimulator } from "./create-simulator.ts";
import type { FaultPlan } from "./fault-plan.ts";
import type { Simulator } from "./simulator.ts";

export interface PtySimulatorOptions {
  readonly faults?: FaultPlan;
  /** Where the port to give the driver appears (a symlink to the pty); default a temporary folder. */
  readonly link?: string;
  readonly simulator?: Omit<AnySimulatorOptions, "faults" | "disconnect">;
}

/** A simulator serving the device end of a socat pty pair; a driver opens `port`. */
export interface PtySimulator {
  readonly name: DriverName;
  /** The path a driver opens. */
  readonly port: string;
  readonly simulator: Simulator;
  readonly pair: PtyPair;
  /** Resolves when the simulator stopped serving (port closed or unplugged). */
  readonly served: Promise<void>;
  /** Kills socat: the driver's port vanishes mid-stream. */
  unplug(): Promise<void>;
  /** Stops the simulator and removes the ptys. */
  close(): Promise<void>;
}

export async function startPtySimulator(
  name: DriverName,
  options: PtySimulatorOptions = {},
): Promise<PtySimulator> {
  const pair = await createPtyPair(options.link ? { hostPath: options.link } : {});
  try {
    const deviceEnd = await openSerialTransport({ path: pair.devicePath });
    const simulator = createSimulator(name, {
      ...options.simulator,
      ...(options.faults ? { faults: options.faults } : {}),
      disconnect: () => pair.unplug(),
    });
    const served = simulator.run(deviceEnd);
    return {
      name,
      port: pair.hostPath,
      simulator,
      pair,
      served,
      unplug: () => pair.unplug(),
      async close() {
        await deviceEnd.close();
        await served;
        await pair.close();
      },
    };
  } catch (error) {
    await pair.close();
    throw error;
  }
}
