import {
  createOoiReplyDecoder,
  type OoiExpectation,
  type OoiReply,
} from "../../decoders/ooi-reply-decoder.ts";
import { DeviceError } from "../../errors.ts";
import { type Axis, createAxis, createDataToExport } from "../../model.ts";
import { createCounters, type DeviceIdentity, type Driver, type Frame } from "../driver.ts";
import { DEFAULT_TIMEOUT_MS, type DriverOptions, deviceLabel } from "../driver-options.ts";
import { settingsXml } from "../settings-xml.ts";
import {
  MAX_INTEGRATION_US,
  MIN_INTEGRATION_US,
  SLOT_SERIAL,
  SLOT_WAVELENGTH_COEFFICIENTS,
  USB2000_COMMANDS,
  USB2000_PIXELS,
  wavelengths,
} from "./usb2000-protocol.ts";

export interface Usb2000Settings {
  readonly integrationTimeUs: number;
}

/** After a misaligned reply, the rest of it has arrived once the link is quiet this long. */
const QUIET_MS = 100;

/**
 * An Ocean Optics USB2000+ (OOI protocol): one spectrum per request, 2048 uint16 counts with the
 * wavelength axis computed from the calibration polynomial read from the EEPROM at open.
 */
export function createUsb2000Driver(options: DriverOptions): Driver<Usb2000Settings> {
  const { transport } = options;
  const device = deviceLabel("usb2000", transport);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const decoder = createOoiReplyDecoder();
  const counters = createCounters();
  let settings: Usb2000Settings = { integrationTimeUs: 10_000 };
  let identity: DeviceIdentity | undefined;
  let coefficients: number[] = [];
  let axis: Axis | undefined;
  let lastCommand = "";
  let running = false;
  let sequence = 0;

  const write = async (name: string, bytes: Uint8Array) => {
    lastCommand = name;
    try {
      await transport.write(bytes);
    } catch (error) {
      throw detailed(DeviceError.from(error, "disconnected"));
    }
  };
  const detailed = (error: DeviceError) =>
    new DeviceError(
      error.code,
      `${device}: ${error.message}`,
      { device, command: lastCommand },
      { cause: error },
    );

  /** The reply to the command just sent, or undefined when it came garbled (counted). */
  const reply = async (expectation: OoiExpectation, waitMs: number): Promise<OoiReply | undefined> => {
    decoder.expect(expectation);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const left = deadline - Date.now();
      let chunk: Uint8Array | undefined;
      try {
        if (left <= 0) throw new DeviceError("timeout", "");
        chunk = await transport.read(left);
      } catch (error) {
        const e = DeviceError.from(error, "disconnected");
        if (e.code !== "timeout") throw detailed(e);
        throw new DeviceError("timeout", `${device} did not answer '${lastCommand}' within ${waitMs} ms`, {
          device,
          command: lastCommand,
        });
      }
      if (chunk === undefined) throw new DeviceError("disconnected", `${device} was closed`, { device });
      let value: OoiReply | undefined;
      let garbled = false;
      const started = performance.now();
      const results = decoder.push(chunk);
      counters.decodeMs += performance.now() - started;
      for (const result of results) {
        if (result.ok) value = result.value;
        else {
          garbled = true;
          counters.badFrames++;
          counters.garbageBytes += result.skipped;
        }
      }
      if (garbled) {
        counters.garbageBytes += await drain();
        decoder.reset();
        return undefined;
      }
      if (value) return value;
    }
  };

  /** Drops bytes until the link is quiet; returns how many. */
  const drain = async (): Promise<number> => {
    let n = transport.discard();
    for (;;) {
      try {
        const chunk = await transport.read(QUIET_MS);
        if (chunk === undefined) return n;
        n += chunk.length;
      } catch (error) {
        if (DeviceError.from(error).code === "timeout") return n;
        throw detailed(DeviceError.from(error, "disconnected"));
      }
    }
  };

  const query = async (slot: number): Promise<string> => {
    // a garbled reply is asked again, a few times
    for (let attempt = 0; attempt < 3; attempt++) {
      await write(`query information slot ${slot}`, USB2000_COMMANDS.queryInformation(slot));
      const answer = await reply({ kind: "info", slot }, timeoutMs);
      if (answer?.kind === "info") return answer.text;
    }
    throw new DeviceError("protocol", `${device}: three garbled replies to '${lastCommand}'`, {
      device,
      command: lastCommand,
    });
  };

  return {
    name: "usb2000",
    device,
    counters,
    get settings() {
      return settings;
    },
    async open() {
      counters.garbageBytes += await drain();
      await write("initialize", USB2000_COMMANDS.initialize());
      const serial = await query(SLOT_SERIAL);
      coefficients = [];
      for (const slot of SLOT_WAVELENGTH_COEFFICIENTS) {
        const text = await query(slot);
        const c = Number(text);
        if (text.trim() === "" || !Number.isFinite(c)) {
          throw new DeviceError(
            "protocol",
            `${device}: calibration slot ${slot} holds '${text}', not a number`,
            {
              device,
              command: lastCommand,
            },
          );
        }
        coefficients.push(c);
      }
      axis = createAxis({ label: "wavelength", units: "nm", index: 0, data: wavelengths(coefficients) });
      await write("set integration time", USB2000_COMMANDS.integrationTime(settings.integrationTimeUs));
      identity = { id: serial, title: `USB2000+ ${serial}` };
      return identity;
    },
    async configure(changes) {
      const next = { ...settings, ...changes };
      const t = next.integrationTimeUs;
      if (!Number.isInteger(t) || t < MIN_INTEGRATION_US || t > MAX_INTEGRATION_US) {
        throw new DeviceError(
          "invalid_config",
          `integration time must be ${MIN_INTEGRATION_US} … ${MAX_INTEGRATION_US} µs, got ${t}`,
        );
      }
      await write("set integration time", USB2000_COMMANDS.integrationTime(t));
      settings = next;
    },
    settingsXml() {
      return settingsXml(identity?.title ?? "USB2000+", {
        detector_settings: [
          { name: "serial_number", title: "Serial number", value: identity?.id ?? "", readonly: true },
          {
            name: "integration_time",
            title: "Integration time (ms)",
            value: settings.integrationTimeUs / 1000,
            type: "float",
          },
          ...coefficients.map((c, i) => ({
            name: `wavelength_c${i}`,
            title: `Wavelength coefficient c${i}`,
            value: c,
            type: "float" as const,
            readonly: true,
          })),
        ],
      });
    },
    async start() {
      running = true;
      sequence = 0;
    },
    async *frames(): AsyncGenerator<Frame> {
      const title = identity?.title ?? "USB2000+";
      while (running) {
        await write("request spectrum", USB2000_COMMANDS.requestSpectrum());
        const answer = await reply(
          { kind: "spectrum", pixels: USB2000_PIXELS },
          timeoutMs + settings.integrationTimeUs / 1000,
        );
        if (answer?.kind !== "spectrum") continue;
        counters.frames++;
        sequence++;
        yield {
          sequence,
          bytes: answer.counts.byteLength,
          data: createDataToExport({
            name: title,
            data: [
              {
                name: "spectrum",
                data: [answer.counts],
                labels: ["counts"],
                units: "counts",
                origin: title,
                ...(axis ? { axes: [axis] } : {}),
              },
            ],
          }),
        };
      }
    },
    async stop() {
      running = false;
    },
    async close() {
      running = false;
      await transport.close();
    },
  };
}
