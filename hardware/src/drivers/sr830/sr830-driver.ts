import { DeviceError } from "../../errors.ts";
import { createDataToExport } from "../../model.ts";
import { createCounters, type DeviceIdentity, type Driver, type Frame } from "../driver.ts";
import { DEFAULT_TIMEOUT_MS, type DriverOptions, deviceLabel } from "../driver-options.ts";
import { createLineChannel } from "../line-channel.ts";
import { settingsXml } from "../settings-xml.ts";
import {
  parseNumbers,
  SENSITIVITY_VOLTS,
  SNAP_PARAMETERS,
  SR830_COMMANDS,
  TIME_CONSTANT_SECONDS,
} from "./sr830-protocol.ts";

export interface Sr830Settings {
  /** Reference frequency in Hz (internal reference). */
  readonly frequency: number;
  /** SENS index 0 … 26. */
  readonly sensitivity: number;
  /** OFLT index 0 … 19. */
  readonly timeConstant: number;
}

const QUIET_MS = 20;

/**
 * An SR830 read with `SNAP? 1,2,3,4,9` once per frame: X, Y, R in volts (one DataWithAxes of three
 * channels), θ in degrees and the reference frequency in Hz (0D each).
 */
export function createSr830Driver(options: DriverOptions): Driver<Sr830Settings> {
  const device = deviceLabel("sr830", options.transport);
  const channel = createLineChannel(options.transport, {
    device,
    replyTerminator: "\r",
    commandTerminator: "\r",
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const counters = createCounters();
  channel.onNoise(({ bytes }) => {
    counters.garbageBytes += bytes;
    counters.badFrames++;
  });
  let settings: Sr830Settings = { frequency: 1000, sensitivity: 22, timeConstant: 10 };
  let identity: DeviceIdentity | undefined;
  let running = false;
  let sequence = 0;
  const title = () => identity?.title ?? "SR830";

  return {
    name: "sr830",
    device,
    counters,
    get settings() {
      return settings;
    },
    async open() {
      await channel.send(SR830_COMMANDS.outputToSerial);
      await channel.flush(QUIET_MS);
      const reply = await channel.query(SR830_COMMANDS.identify);
      if (!/,SR8[0-9]0,/.test(reply)) {
        throw new DeviceError("protocol", `${device} answered '*IDN?' with '${reply}': not an SR830`, {
          device,
          command: SR830_COMMANDS.identify,
        });
      }
      const frequency = Number(await channel.query(SR830_COMMANDS.frequency));
      const sensitivity = Number(await channel.query(SR830_COMMANDS.sensitivity));
      const timeConstant = Number(await channel.query(SR830_COMMANDS.timeConstant));
      settings = { frequency, sensitivity, timeConstant };
      identity = { id: reply, title: "SR830" };
      return identity;
    },
    async configure(changes) {
      const next = { ...settings, ...changes };
      if (!(next.frequency > 0)) throw new DeviceError("invalid_config", `frequency must be > 0 Hz`);
      if (SENSITIVITY_VOLTS[next.sensitivity] === undefined) {
        throw new DeviceError("invalid_config", `sensitivity index must be 0 … 26, got ${next.sensitivity}`);
      }
      if (TIME_CONSTANT_SECONDS[next.timeConstant] === undefined) {
        throw new DeviceError(
          "invalid_config",
          `time constant index must be 0 … 19, got ${next.timeConstant}`,
        );
      }
      if (changes.frequency !== undefined) await channel.send(SR830_COMMANDS.setFrequency(next.frequency));
      if (changes.sensitivity !== undefined)
        await channel.send(SR830_COMMANDS.setSensitivity(next.sensitivity));
      if (changes.timeConstant !== undefined) {
        await channel.send(SR830_COMMANDS.setTimeConstant(next.timeConstant));
      }
      settings = next;
    },
    settingsXml() {
      return settingsXml(title(), {
        detector_settings: [
          { name: "idn", title: "Identity", value: identity?.id ?? "", readonly: true },
          { name: "frequency", title: "Reference frequency (Hz)", value: settings.frequency, type: "float" },
          {
            name: "sensitivity",
            title: "Sensitivity (V)",
            value: SENSITIVITY_VOLTS[settings.sensitivity] ?? 0,
            type: "float",
          },
          {
            name: "time_constant",
            title: "Time constant (s)",
            value: TIME_CONSTANT_SECONDS[settings.timeConstant] ?? 0,
            type: "float",
          },
        ],
      });
    },
    async start() {
      running = true;
      sequence = 0;
    },
    async *frames(): AsyncGenerator<Frame> {
      const count = Object.keys(SNAP_PARAMETERS).length;
      while (running) {
        const reply = await channel.query(SR830_COMMANDS.snap);
        const values = parseNumbers(reply, count);
        if (!values) {
          counters.badFrames++;
          counters.garbageBytes += reply.length + 1 + (await channel.flush(QUIET_MS));
          continue;
        }
        const [x, y, r, theta, frequency] = values as [number, number, number, number, number];
        counters.frames++;
        sequence++;
        yield {
          sequence,
          bytes: 8 * count,
          data: createDataToExport({
            name: title(),
            data: [
              {
                name: "XYR",
                data: [Float64Array.of(x), Float64Array.of(y), Float64Array.of(r)],
                labels: ["X", "Y", "R"],
                units: "V",
                origin: title(),
              },
              {
                name: "theta",
                data: [Float64Array.of(theta)],
                labels: ["theta"],
                units: "deg",
                origin: title(),
              },
              {
                name: "frequency",
                data: [Float64Array.of(frequency)],
                labels: ["reference"],
                units: "Hz",
                origin: title(),
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
      await options.transport.close();
    },
  };
}
