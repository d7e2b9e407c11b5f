import { DeviceError } from "../errors.ts";

/**
 * Faults a simulator injects, counted in the messages it sends (frames or replies), 1-based:
 * deterministic, so a test knows exactly which frames must be missing from the file.
 */
export interface FaultPlan {
  /** Garbage bytes before every n-th message. */
  readonly garbageEvery?: number;
  /** Every n-th message corrupted: a wrong CRC (framed), a wrong sync byte (usb2000), a garbled number (ASCII). */
  readonly corruptEvery?: number;
  /** After n messages, the device goes silent but stays connected. */
  readonly stallAfter?: number;
  /** After n messages, the device disconnects (the pty vanishes). */
  readonly disconnectAfter?: number;
}

export interface FaultAction {
  /** 1-based index of the message. */
  readonly index: number;
  readonly garbage: boolean;
  readonly corrupt: boolean;
  readonly stall: boolean;
  readonly disconnect: boolean;
}

/**
 * Line noise as it looks on a real link: NULs, 0xFF, and pieces of both binary sync words so that
 * decoders meet false starts. No CR or LF, so ASCII replies get garbled rather than split.
 */
export const GARBAGE = new Uint8Array([
  0x00, 0xff, 0x46, 0x52, 0x4d, 0x13, 0x48, 0x35, 0x46, 0x00, 0x7e, 0x69, 0x23, 0x21, 0x80, 0xaa, 0x55, 0x46,
  0x52,
]);

export interface FaultInjector {
  /** The fate of the next message. */
  next(): FaultAction;
  readonly sent: number;
}

export function createFaultInjector(plan: FaultPlan = {}): FaultInjector {
  let index = 0;
  let silent = false;
  return {
    get sent() {
      return index;
    },
    next() {
      const k = index + 1;
      const disconnect = plan.disconnectAfter !== undefined && k > plan.disconnectAfter;
      silent ||= plan.stallAfter !== undefined && k > plan.stallAfter;
      if (!silent && !disconnect) index = k;
      return {
        index: k,
        garbage: plan.garbageEvery !== undefined && k % plan.garbageEvery === 0,
        corrupt: plan.corruptEvery !== undefined && k % plan.corruptEvery === 0,
        stall: silent,
        disconnect,
      };
    },
  };
}

const FAULT_KEYS = {
  garbage: "garbageEvery",
  crc: "corruptEvery",
  stall: "stallAfter",
  disconnect: "disconnectAfter",
} as const;

/** `garbage:10,crc:25,stall:100,disconnect:200` → a FaultPlan (the `--faults` option). */
export function parseFaults(text: string): FaultPlan {
  const plan: Record<string, number> = {};
  for (const part of text.split(",").filter((p) => p.trim() !== "")) {
    const [key, value] = part.split(":").map((s) => s.trim());
    const field = FAULT_KEYS[key as keyof typeof FAULT_KEYS];
    const n = Number(value);
    if (!field || !Number.isInteger(n) || n < 1) {
      throw new DeviceError(
        "invalid_config",
        `bad fault '${part}': use garbage:N, crc:N (every N-th message), stall:N or disconnect:N (after N messages)`,
      );
    }
    plan[field] = n;
  }
  return plan as FaultPlan;
}
