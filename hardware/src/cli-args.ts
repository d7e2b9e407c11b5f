/**
 * The arguments of `h5saver simulate` and `h5saver acquire`, parsed with node:util's parseArgs.
 * Pure, so the command and its tests share it; a HardwareUsageError means exit status 2.
 */
import { parseArgs } from "node:util";
import { DRIVER_SETTINGS } from "./drivers/create-driver.ts";
import { DRIVER_NAMES, type DriverName, isDriverName } from "./drivers/driver.ts";
import { isDeviceError } from "./errors.ts";
import { type FaultPlan, parseFaults } from "./simulators/fault-plan.ts";

export class HardwareUsageError extends Error {
  override readonly name = "HardwareUsageError";
}

const DRIVERS = DRIVER_NAMES.join(", ");

export const HARDWARE_USAGE = {
  simulate: `usage: h5saver simulate <driver> [--link PATH] [--faults LIST]

Runs a simulator of <driver> (${DRIVERS}) on a pseudo-terminal pair (socat)
and prints the port to give \`h5saver acquire --port\` as the one line of its output. Runs until
SIGINT or SIGTERM.

  --link PATH     put the port at PATH (a symlink to the pty) instead of a temporary folder
  --faults LIST   faults to inject, counted in the messages the device sends (1, 2, …):
                    garbage:N     line noise before every N-th message
                    crc:N         every N-th message corrupted (bad CRC, bad sync byte, garbled number)
                    stall:N       silent after N messages
                    disconnect:N  the port vanishes after N messages
                  e.g. --faults garbage:10,crc:25`,
  acquire: `usage: h5saver acquire --driver NAME --port PATH --server HOST:PORT --file PATH
                       [--frames N] [--seconds T] [--detector TITLE] [--set KEY=VALUE]…
                       [--overwrite] [--reconnect N] [--timeout MS] [--baud N] [--queue N]
                       [--durability synced|written]

Streams a device's frames into a saver: the file is opened on the saver, the detector declared
with the driver's settings, and every frame sent with acknowledgement. Stops after N frames,
T seconds or Ctrl-C, closing the file; prints the file's path (relative to the saver's data root).

  --driver NAME       ${DRIVERS}
  --port PATH         the device's serial port (or the one \`h5saver simulate\` printed)
  --server HOST:PORT  the saver (\`h5saver serve\`)
  --file PATH         the file, relative to the saver's data root
  --frames N          stop after N frames
  --seconds T         stop after T seconds
  --detector TITLE    the detector's title in the file (default: the device's name)
  --set KEY=VALUE     a driver setting, repeatable:
${Object.entries(DRIVER_SETTINGS)
  .map(([driver, keys]) => `                        ${driver.padEnd(8)} ${Object.keys(keys).join(", ")}`)
  .join("\n")}
  --overwrite         replace the file if it exists (default: refuse)
  --reconnect N       when the port vanishes, try N times to reopen it, with backoff
  --timeout MS        how long a reply or the next frame may take (default 2000)
  --baud N            serial baud rate (default 115200; ignored by USB CDC devices)
  --queue N           frames held while the saver is busy before the oldest is dropped (default 64)
  --durability D      when the saver acknowledges a frame: synced (default: on its disk, kept
                      through a power cut) or written (handed to its operating system: kept if
                      the saver dies, not if its machine loses power; no wait for the disk)

A live progress line (frames, rate, MB/s, acknowledged, dropped, CRC errors) shows on stderr
when it is a terminal. Exit status: 0 stopped as asked, 1 the device or the saver failed, 2 usage.`,
} as const;

export interface SimulateConfig {
  readonly command: "simulate";
  readonly driver: DriverName;
  readonly link?: string;
  readonly faults?: FaultPlan;
}

export interface AcquireConfig {
  readonly command: "acquire";
  readonly driver: DriverName;
  readonly port: string;
  readonly server: string;
  readonly file: string;
  readonly frames?: number;
  readonly seconds?: number;
  readonly detector?: string;
  readonly settings: Readonly<Record<string, number | string>>;
  readonly overwrite: boolean;
  readonly reconnect?: number;
  readonly timeoutMs?: number;
  readonly baudRate?: number;
  readonly queueFrames?: number;
  readonly durability?: "synced" | "written";
}

export type HardwareConfig =
  | SimulateConfig
  | AcquireConfig
  | { readonly command: "help"; readonly text: string };

export function parseHardwareArgs(command: "simulate" | "acquire", args: readonly string[]): HardwareConfig {
  return command === "simulate" ? parseSimulate(args) : parseAcquire(args);
}

interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: string[];
}

type OptionSpecs = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

function parse(command: "simulate" | "acquire", args: readonly string[], options: OptionSpecs): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: command === "simulate",
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new HardwareUsageError(`${command}: ${message} (h5saver ${command} --help)`);
  }
}

function parseSimulate(args: readonly string[]): HardwareConfig {
  const { values, positionals } = parse("simulate", args, {
    link: { type: "string" },
    faults: { type: "string" },
  });
  if (values.help) return { command: "help", text: HARDWARE_USAGE.simulate };
  const [driver, ...extra] = positionals;
  if (driver === undefined) throw new HardwareUsageError(`simulate needs a driver: ${DRIVERS}`);
  if (!isDriverName(driver)) throw new HardwareUsageError(`no driver '${driver}': use ${DRIVERS}`);
  if (extra.length > 0)
    throw new HardwareUsageError(`simulate takes one driver, not also '${extra.join(" ")}'`);
  return {
    command: "simulate",
    driver,
    ...(typeof values.link === "string" ? { link: values.link } : {}),
    ...(typeof values.faults === "string" ? { faults: faults(values.faults) } : {}),
  };
}

function faults(text: string): FaultPlan {
  try {
    return parseFaults(text);
  } catch (error) {
    if (isDeviceError(error)) throw new HardwareUsageError(`--faults: ${error.message}`);
    throw error;
  }
}

function parseAcquire(args: readonly string[]): HardwareConfig {
  const { values } = parse("acquire", args, {
    driver: { type: "string" },
    port: { type: "string" },
    server: { type: "string" },
    file: { type: "string" },
    frames: { type: "string" },
    seconds: { type: "string" },
    detector: { type: "string" },
    set: { type: "string", multiple: true },
    overwrite: { type: "boolean" },
    reconnect: { type: "string" },
    timeout: { type: "string" },
    baud: { type: "string" },
    queue: { type: "string" },
    durability: { type: "string" },
  });
  if (values.help) return { command: "help", text: HARDWARE_USAGE.acquire };
  const text = (name: string): string => {
    const value = values[name];
    if (typeof value !== "string" || value === "") {
      throw new HardwareUsageError(`acquire needs --${name} (h5saver acquire --help)`);
    }
    return value;
  };
  const driver = text("driver");
  if (!isDriverName(driver)) throw new HardwareUsageError(`no driver '${driver}': use ${DRIVERS}`);
  const server = text("server");
  if (!/^[^\s:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(server)) {
    throw new HardwareUsageError(`--server must be HOST:PORT, got '${server}'`);
  }
  const optional = <T>(name: string, convert: (value: string) => T) => {
    const value = values[name];
    return typeof value === "string" ? { value: convert(value) } : undefined;
  };
  const frames = optional("frames", (v) => integer(v, "frames", 1));
  const seconds = optional("seconds", (v) => positive(v, "seconds"));
  const reconnect = optional("reconnect", (v) => integer(v, "reconnect", 1));
  const timeout = optional("timeout", (v) => integer(v, "timeout", 1));
  const baud = optional("baud", (v) => integer(v, "baud", 1));
  const queue = optional("queue", (v) => integer(v, "queue", 1));
  const durability = optional("durability", (v) => {
    if (v === "synced" || v === "written") return v;
    throw new HardwareUsageError(`--durability must be synced or written, got '${v}'`);
  });
  const detector = values.detector;
  return {
    command: "acquire",
    driver,
    port: text("port"),
    server,
    file: text("file"),
    settings: settings(driver, (values.set as string[] | undefined) ?? []),
    overwrite: values.overwrite === true,
    ...(frames ? { frames: frames.value } : {}),
    ...(seconds ? { seconds: seconds.value } : {}),
    ...(typeof detector === "string" ? { detector } : {}),
    ...(reconnect ? { reconnect: reconnect.value } : {}),
    ...(timeout ? { timeoutMs: timeout.value } : {}),
    ...(baud ? { baudRate: baud.value } : {}),
    ...(queue ? { queueFrames: queue.value } : {}),
    ...(durability ? { durability: durability.value } : {}),
  };
}

function settings(driver: DriverName, pairs: readonly string[]): Record<string, number | string> {
  const known = DRIVER_SETTINGS[driver];
  const out: Record<string, number | string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const kind = known[key];
    if (at < 1 || !kind) {
      throw new HardwareUsageError(
        `--set ${pair}: ${driver} takes ${Object.keys(known)
          .map((k) => `${k}=…`)
          .join(", ")}`,
      );
    }
    if (kind === "number") {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n))
        throw new HardwareUsageError(`--set ${key} needs a number, got '${value}'`);
      out[key] = n;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function integer(text: string, name: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new HardwareUsageError(`--${name} must be an integer ≥ ${min}, got '${text}'`);
  return n;
}

function positive(text: string, name: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n))
    throw new HardwareUsageError(`--${name} must be a number > 0, got '${text}'`);
  return n;
}
