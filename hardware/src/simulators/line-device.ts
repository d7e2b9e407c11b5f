import type { DriverName } from "../drivers/driver.ts";
import type { Transport } from "../transport/transport.ts";
import { createFaultInjector, GARBAGE } from "./fault-plan.ts";
import type { Simulator, SimulatorOptions } from "./simulator.ts";

export interface LineDeviceOptions extends SimulatorOptions {
  readonly name: DriverName;
  readonly replyTerminator: "\n" | "\r";
  /** Answers one command (already split at ';' and trimmed): a reply line, or undefined for none. */
  readonly handle: (command: string) => string | undefined | Promise<string | undefined>;
}

/**
 * The device side of an ASCII instrument: commands end in CR or LF and may be chained with ';',
 * each query gets one reply line. Faults apply to replies.
 */
export function createLineDevice(options: LineDeviceOptions): Simulator {
  const faults = createFaultInjector(options.faults);
  const text = new TextDecoder("latin1");
  let gone = false;

  const reply = async (transport: Transport, line: string) => {
    const fault = faults.next();
    if (fault.disconnect) {
      gone = true;
      await options.disconnect?.();
      return;
    }
    if (fault.stall) return;
    if (fault.garbage) await transport.write(GARBAGE);
    await transport.write(`${fault.corrupt ? garble(line) : line}${options.replyTerminator}`);
  };

  return {
    name: options.name,
    get sent() {
      return faults.sent;
    },
    async run(transport) {
      let buffer = "";
      try {
        for (;;) {
          const chunk = await transport.read();
          if (chunk === undefined || gone) return;
          buffer += text.decode(chunk);
          const parts = buffer.split(/\r|\n/);
          buffer = parts.pop() ?? "";
          for (const line of parts) {
            for (const command of line.split(";").map((c) => c.trim())) {
              if (command === "") continue;
              const answer = await options.handle(command);
              if (answer !== undefined && !gone) await reply(transport, answer);
            }
          }
        }
      } catch {
        // the host went away or the port was pulled: the device simply stops
      }
    },
  };
}

/** A reply with its digits swapped for letters: what line noise does to a number. */
function garble(line: string): string {
  return line.replace(/[0-9]/g, (d) => String.fromCharCode(0x41 + Number(d)));
}
