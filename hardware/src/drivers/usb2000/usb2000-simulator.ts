import { toLittleEndianBytes } from "../../decoders/little-endian.ts";
import { createFaultInjector, GARBAGE } from "../../simulators/fault-plan.ts";
import type { Simulator, SimulatorOptions } from "../../simulators/simulator.ts";
import {
  INFO_REPLY_BYTES,
  MIN_INTEGRATION_US,
  OOI_OPCODES,
  SPECTRUM_SYNC_BYTE,
  USB2000_PIXELS,
} from "./usb2000-protocol.ts";

export const USB2000_SIM_SERIAL = "USB2+H01234";
/** A grating spectrometer's calibration, as stored in EEPROM slots 1–4 (nm, nm/px, nm/px², nm/px³). */
export const USB2000_SIM_COEFFICIENTS = [339.6, 0.3815, -1.58e-5, -2.1e-10] as const;

/** Counts of pixel i in the k-th spectrum (k = 0, 1, …): a peak wandering over a flat background. */
export function usb2000Count(k: number, i: number): number {
  const center = 1024 + 400 * Math.sin(k / 10);
  return Math.round(1500 * Math.exp(-(((i - center) / 25) ** 2)) + 100 + (i % 7));
}

const COMMAND_LENGTH: Record<number, number> = {
  [OOI_OPCODES.initialize]: 1,
  [OOI_OPCODES.setIntegrationTime]: 5,
  [OOI_OPCODES.queryInformation]: 2,
  [OOI_OPCODES.requestSpectrum]: 1,
};

/**
 * A USB2000+ on the OOI protocol: answers slot queries (serial number, calibration) and spectrum
 * requests after the integration time. Faults: garbage before a reply, a corrupted sync byte.
 */
export function createUsb2000Simulator(options: SimulatorOptions = {}): Simulator {
  const faults = createFaultInjector(options.faults);
  let integrationUs = 10_000;
  let k = 0;
  let gone = false;

  const slot = (n: number): string => {
    if (n === 0) return USB2000_SIM_SERIAL;
    const c = USB2000_SIM_COEFFICIENTS[n - 1];
    return c === undefined ? "" : String(c);
  };

  const send = async (transport: Parameters<Simulator["run"]>[0], bytes: Uint8Array, corrupt: () => void) => {
    const fault = faults.next();
    if (fault.disconnect) {
      gone = true;
      await options.disconnect?.();
      return;
    }
    if (fault.stall) return;
    if (fault.garbage) await transport.write(GARBAGE);
    if (fault.corrupt) corrupt();
    await transport.write(bytes);
  };

  return {
    name: "usb2000",
    get sent() {
      return faults.sent;
    },
    async run(transport) {
      let pending = new Uint8Array(0);
      try {
        for (;;) {
          const chunk = await transport.read();
          if (chunk === undefined || gone) return;
          const joined = new Uint8Array(pending.length + chunk.length);
          joined.set(pending);
          joined.set(chunk, pending.length);
          let at = 0;
          while (at < joined.length && !gone) {
            const opcode = joined[at] as number;
            const length = COMMAND_LENGTH[opcode] ?? 1;
            if (at + length > joined.length) break;
            const args = new DataView(joined.buffer, joined.byteOffset + at + 1, length - 1);
            at += length;
            if (opcode === OOI_OPCODES.setIntegrationTime) {
              integrationUs = Math.max(MIN_INTEGRATION_US, args.getUint32(0, true));
            } else if (opcode === OOI_OPCODES.queryInformation) {
              const n = args.getUint8(0);
              const reply = new Uint8Array(INFO_REPLY_BYTES);
              reply[0] = OOI_OPCODES.queryInformation;
              reply[1] = n;
              reply.set(new TextEncoder().encode(slot(n)).subarray(0, INFO_REPLY_BYTES - 3), 2);
              await send(transport, reply, () => {
                reply[1] = (n + 1) & 0xff;
              });
            } else if (opcode === OOI_OPCODES.requestSpectrum) {
              await new Promise((resolve) => setTimeout(resolve, integrationUs / 1000));
              const index = k++;
              const counts = Uint16Array.from({ length: USB2000_PIXELS }, (_, i) => usb2000Count(index, i));
              const reply = new Uint8Array(2 * USB2000_PIXELS + 1);
              reply.set(toLittleEndianBytes(counts));
              reply[2 * USB2000_PIXELS] = SPECTRUM_SYNC_BYTE;
              await send(transport, reply, () => {
                reply[2 * USB2000_PIXELS] = SPECTRUM_SYNC_BYTE ^ 0x01;
              });
            }
          }
          pending = joined.slice(at);
        }
      } catch {
        // the host went away or the port was pulled
      }
    },
  };
}
