import { DeviceError } from "../../errors.ts";
import { createDataToExport } from "../../model.ts";
import { createCounters, type DeviceIdentity, type Driver, type Frame } from "../driver.ts";
import { DEFAULT_TIMEOUT_MS, type DriverOptions, deviceLabel } from "../driver-options.ts";
import { createLineChannel } from "../line-channel.ts";
import { settingsXml } from "../settings-xml.ts";
import {
  DMM_DIALECTS,
  type DmmDialect,
  LINE_FREQUENCY_HZ,
  parseIdentity,
  parseReading,
} from "./dmm-protocol.ts";

export interface DmmSettings {
  /** Integration time in power-line cycles (0.02 … 100 on the 34465A). */
  readonly nplc: number;
  readonly dialect: DmmDialect;
}

/** A garbled reply is dropped after the link has been quiet this long (the rest of it has come). */
const QUIET_MS = 20;

/** A SCPI DMM read with READ? once per frame: one 0D DC-voltage channel. */
export function createDmmDriver(
  options: DriverOptions & { readonly dialect?: DmmDialect },
): Driver<DmmSettings> {
  const device = deviceLabel("dmm", options.transport);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const channel = createLineChannel(options.transport, {
    device,
    replyTerminator: "\n",
    commandTerminator: "\n",
    timeoutMs,
  });
  const counters = createCounters();
  channel.onNoise(({ bytes }) => {
    counters.garbageBytes += bytes;
    counters.badFrames++;
  });
  let settings: DmmSettings = { nplc: 1, dialect: options.dialect ?? "keysight" };
  let identity: DeviceIdentity | undefined;
  let running = false;
  let sequence = 0;
  const commands = () => DMM_DIALECTS[settings.dialect];

  const checkErrors = async () => {
    const reply = await channel.query(commands().nextError);
    if (!/^[+]?0\s*,/.test(reply)) {
      throw new DeviceError(
        "protocol",
        `${device} reports an error after '${channel.lastCommand}': ${reply}`,
        {
          device,
          command: channel.lastCommand,
        },
      );
    }
  };

  return {
    name: "dmm",
    device,
    counters,
    get settings() {
      return settings;
    },
    async open() {
      await channel.flush(QUIET_MS);
      const reply = await channel.query(commands().identify);
      const id = parseIdentity(reply);
      if (!id) {
        throw new DeviceError(
          "protocol",
          `${device} answered '*IDN?' with '${reply}', not maker,model,serial,firmware`,
          {
            device,
            command: commands().identify,
          },
        );
      }
      // the command set follows the maker the instrument names (Keithley 2000: SENS-prefixed tree)
      if (!options.dialect)
        settings = { ...settings, dialect: /keithley/i.test(id.maker) ? "keithley" : "keysight" };
      await channel.send(commands().clear);
      await channel.send(commands().configureDcVolts);
      await channel.send(commands().nplc(settings.nplc));
      await checkErrors();
      identity = { id: reply, title: `${id.maker.split(" ")[0]} ${id.model}` };
      return identity;
    },
    async configure(changes) {
      settings = { ...settings, ...changes };
      if (!(settings.nplc > 0))
        throw new DeviceError("invalid_config", `nplc must be > 0, got ${settings.nplc}`);
      await channel.send(commands().nplc(settings.nplc));
      await checkErrors();
    },
    settingsXml() {
      return settingsXml(identity?.title ?? "DMM", {
        detector_settings: [
          { name: "idn", title: "Identity", value: identity?.id ?? "", readonly: true },
          { name: "nplc", title: "Integration (NPLC)", value: settings.nplc, type: "float" },
          { name: "dialect", title: "Command set", value: settings.dialect, type: "str" },
          { name: "function", title: "Function", value: "DC volts", readonly: true },
        ],
      });
    },
    async start() {
      running = true;
      sequence = 0;
    },
    async *frames(): AsyncGenerator<Frame> {
      // a reading takes NPLC line cycles: allow that on top of the link's timeout
      const readTimeout = timeoutMs + (settings.nplc / LINE_FREQUENCY_HZ) * 1000;
      while (running) {
        const reply = await channel.query(commands().read, readTimeout);
        const value = parseReading(reply);
        if (value === undefined) {
          counters.badFrames++;
          counters.garbageBytes += reply.length + 1 + (await channel.flush(QUIET_MS));
          continue;
        }
        counters.frames++;
        sequence++;
        yield {
          sequence,
          bytes: 8,
          data: createDataToExport({
            name: identity?.title ?? "DMM",
            data: [
              {
                name: "voltage",
                data: [Float64Array.of(value)],
                labels: ["DC voltage"],
                units: "V",
                origin: identity?.title ?? "DMM",
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
