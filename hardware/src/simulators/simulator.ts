import type { DriverName } from "../drivers/driver.ts";
import type { Transport } from "../transport/transport.ts";
import type { FaultPlan } from "./fault-plan.ts";

export interface SimulatorOptions {
  readonly faults?: FaultPlan;
  /** Called for a `disconnect` fault: makes the port vanish (kills socat, pulls the memory link). */
  readonly disconnect?: () => Promise<void> | void;
}

/** A device that speaks a driver's exact wire protocol on the device end of a transport. */
export interface Simulator {
  readonly name: DriverName;
  /** Messages (frames or replies) sent so far, faulty ones included. */
  readonly sent: number;
  /** Serves the transport until it closes or disconnects; never rejects for that. */
  run(transport: Transport): Promise<void>;
}
