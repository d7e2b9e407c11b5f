import { createLineDevice } from "../../simulators/line-device.ts";
import type { Simulator, SimulatorOptions } from "../../simulators/simulator.ts";
import { LINE_FREQUENCY_HZ } from "./dmm-protocol.ts";

export const DMM_SIM_IDENTITY = "Keysight Technologies,34465A,MY60001234,A.03.01-03.15-03.01-00.52-04-02";

/** The k-th reading (k = 0, 1, …) of the simulated DMM, in volts: a slow sine around 1 V. */
export function dmmReading(k: number): number {
  return 1 + 0.25 * Math.sin(k / 20);
}

/**
 * A Keysight 34465A on its SCPI command set (the subset the driver uses): *IDN?, *RST, *CLS,
 * CONF:VOLT:DC, VOLT:DC:NPLC, READ? (takes NPLC power-line cycles), SYST:ERR? with an error queue.
 */
export function createDmmSimulator(options: SimulatorOptions = {}): Simulator {
  let nplc = 1;
  let k = 0;
  const errors: string[] = [];
  return createLineDevice({
    ...options,
    name: "dmm",
    replyTerminator: "\n",
    async handle(command) {
      const upper = command.toUpperCase().replace(/^:/, "");
      if (upper === "*IDN?") return DMM_SIM_IDENTITY;
      if (upper === "*RST" || upper === "*CLS") {
        errors.length = 0;
        return undefined;
      }
      if (upper.startsWith("CONF:VOLT:DC")) return undefined;
      const nplcSet = /^(SENS:)?VOLT:DC:NPLC\s+([0-9.eE+-]+)$/.exec(upper);
      if (nplcSet) {
        nplc = Number(nplcSet[2]);
        return undefined;
      }
      if (upper === "VOLT:DC:NPLC?") return String(nplc);
      if (upper === "READ?") {
        await new Promise((resolve) => setTimeout(resolve, (nplc / LINE_FREQUENCY_HZ) * 1000));
        return formatReading(dmmReading(k++));
      }
      if (upper === "SYST:ERR?") return errors.shift() ?? '+0,"No error"';
      errors.push('-113,"Undefined header"');
      return undefined;
    },
  });
}

/** As the 34465A prints a reading: sign, mantissa with 9 decimals, exponent ("+1.234567890E+00"). */
export function formatReading(value: number): string {
  const [mantissa = "0", exponent = "0"] = value.toExponential(9).split("e");
  const e = Number(exponent);
  const sign = value < 0 ? "" : "+";
  return `${sign}${mantissa}E${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}
