import { createLineDevice } from "../../simulators/line-device.ts";
import type { Simulator, SimulatorOptions } from "../../simulators/simulator.ts";
import { formatSr830 } from "./sr830-protocol.ts";

export const SR830_SIM_IDENTITY = "Stanford_Research_Systems,SR830,s/n48351,ver1.07";

/** The k-th snapshot (k = 0, 1, …): a signal of ~1 µV whose phase turns slowly. */
export function sr830Snapshot(k: number): { x: number; y: number; r: number; theta: number } {
  const amplitude = 1e-6 * (1 + 0.1 * Math.sin(k / 15));
  const phase = k * 0.05;
  const x = amplitude * Math.cos(phase);
  const y = amplitude * Math.sin(phase);
  return { x, y, r: Math.hypot(x, y), theta: (Math.atan2(y, x) * 180) / Math.PI };
}

/**
 * An SR830 on RS-232: silent until `OUTX 0` (as after power-up), then *IDN?, FREQ, SENS, OFLT,
 * OUTP? and SNAP? with X, Y, R, θ from a slowly rotating signal.
 */
export function createSr830Simulator(options: SimulatorOptions = {}): Simulator {
  let serialOutput = false;
  let frequency = 1000;
  let sensitivity = 22;
  let timeConstant = 10;
  let k = 0;
  return createLineDevice({
    ...options,
    name: "sr830",
    replyTerminator: "\r",
    handle(command) {
      const [head = "", arg] = command.toUpperCase().split(/\s+/, 2);
      if (head === "OUTX") {
        serialOutput = arg === "0";
        return undefined;
      }
      const answer = (text: string) => (serialOutput ? text : undefined);
      switch (head) {
        case "*IDN?":
          return answer(SR830_SIM_IDENTITY);
        case "FREQ":
          frequency = Number(arg);
          return undefined;
        case "FREQ?":
          return answer(formatSr830(frequency));
        case "SENS":
          sensitivity = Number(arg);
          return undefined;
        case "SENS?":
          return answer(String(sensitivity));
        case "OFLT":
          timeConstant = Number(arg);
          return undefined;
        case "OFLT?":
          return answer(String(timeConstant));
        case "SNAP?":
        case "OUTP?": {
          const snap = sr830Snapshot(k++);
          const byIndex: Record<string, number> = {
            "1": snap.x,
            "2": snap.y,
            "3": snap.r,
            "4": snap.theta,
            "9": frequency,
          };
          const values = (arg ?? "").split(",").map((i) => byIndex[i.trim()] ?? 0);
          return answer(values.map(formatSr830).join(","));
        }
        default:
          return undefined;
      }
    },
  });
}
