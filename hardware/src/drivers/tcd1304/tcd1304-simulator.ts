import { createFaultInjector, GARBAGE } from "../../simulators/fault-plan.ts";
import type { Simulator, SimulatorOptions } from "../../simulators/simulator.ts";
import { encodeTcd1304Frame, HEADER_BYTES, TCD1304_PIXELS } from "./tcd1304-protocol.ts";

/** ADC value of pixel i in the frame with counter k: a line peak sweeping over a dark level. */
export function tcd1304Pixel(k: number, i: number): number {
  const center = 1847 + 1000 * Math.sin(k / 25);
  return Math.round(3000 * Math.exp(-(((i - center) / 40) ** 2)) + 200 + ((i * 13) % 17));
}

/** 10 ms integration: 100 frames/s, within what a USB-FS CDC link carries (~0.7 MB/s). */
export const DEFAULT_INTEGRATION_US = 10_000;

/**
 * A TCD1304 board: after `START` it sends one frame per integration time until `STOP`; `INT <µs>`
 * sets the integration time (0 = as fast as the link takes them). Faults apply to frames.
 */
export function createTcd1304Simulator(
  options: SimulatorOptions & { readonly pixels?: number } = {},
): Simulator {
  const faults = createFaultInjector(options.faults);
  const pixels = options.pixels ?? TCD1304_PIXELS;
  let integrationUs = DEFAULT_INTEGRATION_US;
  let counter = 0;
  let streaming: Promise<void> | undefined;
  let started = false;
  let gone = false;

  const stream = async (transport: Parameters<Simulator["run"]>[0]) => {
    const t0 = performance.now();
    let n = 0;
    while (started && !gone) {
      const wait = t0 + (n * integrationUs) / 1000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else await new Promise((resolve) => setImmediate(resolve));
      if (!started || gone) return;
      n++;
      const k = counter;
      counter = (counter + 1) & 0xffff;
      const fault = faults.next();
      if (fault.disconnect) {
        gone = true;
        await options.disconnect?.();
        return;
      }
      if (fault.stall) continue;
      const frame = encodeTcd1304Frame({
        counter: k,
        pixels: Uint16Array.from({ length: pixels }, (_, i) => tcd1304Pixel(k, i)),
      });
      if (fault.corrupt) frame[HEADER_BYTES + 11] = (frame[HEADER_BYTES + 11] as number) ^ 0x40;
      if (fault.garbage) await transport.write(GARBAGE);
      await transport.write(frame);
    }
  };

  return {
    name: "tcd1304",
    get sent() {
      return faults.sent;
    },
    async run(transport) {
      let buffer = "";
      const text = new TextDecoder("latin1");
      try {
        for (;;) {
          const chunk = await transport.read();
          if (chunk === undefined || gone) break;
          buffer += text.decode(chunk);
          const lines = buffer.split("\n");
          buffer = lines.pop() ?? "";
          for (const line of lines.map((l) => l.trim().toUpperCase())) {
            if (line === "START" && !started) {
              started = true;
              streaming = stream(transport).catch(() => undefined);
            } else if (line === "STOP") {
              started = false;
              await streaming;
            } else if (line.startsWith("INT ")) {
              integrationUs = Math.max(0, Number(line.slice(4)) || 0);
            }
          }
        }
      } catch {
        // the host went away or the port was pulled
      }
      started = false;
      await streaming;
    },
  };
}
