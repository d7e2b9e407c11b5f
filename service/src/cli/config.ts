/**
 * The `h5saver` command's arguments: each subcommand's options parsed with node:util's parseArgs
 * (flags first, then the H5SAVER_* environment variables, then defaults). Pure functions, so the
 * command and its tests share them; a `UsageError` means exit status 2.
 */
import { parseArgs } from "node:util";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const DEFAULT_PORT = 50051;
export const DEFAULT_HOST = "127.0.0.1";
/** `read` refuses more values than this unless a slice is given. */
export const MAX_UNSLICED_VALUES = 10_000_000;

export const USAGE = {
  main: `usage: h5saver <command> [options]

commands:
  serve    run the gRPC saver service over a data root
  inspect  print a file's PyMoDAQ tree and the DataWithAxes it holds
  read     print the values of one dataset (or a slice of it)
  simulate run an instrument simulator on a pseudo-terminal and print its port
  acquire  stream frames from an instrument (or a simulator) into a saver

h5saver <command> --help shows a command's options`,
  serve: `usage: h5saver serve --root DIR [--port N] [--host ADDR] [--max-sessions N]

  --root DIR          data root; every client path is resolved under it (env H5SAVER_ROOT);
                      created if missing
  --port N            TCP port (env H5SAVER_PORT; default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDR         address to bind (env H5SAVER_HOST; default ${DEFAULT_HOST}); anything but
                      loopback makes the service reachable from the network, without authentication
  --max-sessions N    files open at once (default 64)

Flags win over environment variables. SIGTERM or SIGINT closes every open file and exits.`,
  inspect: `usage: h5saver inspect FILE

Prints the file's tree (groups with their TITLE, arrays with CLASS, dtype and shape), then one line
per DataWithAxes: path  name  dim shape  units  axes: label[units]…`,
  read: `usage: h5saver read FILE NODE [--start i,j,… --count n,m,…] [--format json|csv]

  NODE            the dataset, e.g. /RawData/Detector000/Data1D/CH00/Data00
  --start i,j,…   first index along each leading dimension (default 0)
  --count n,m,…   values along each of those dimensions (default: to the end)
  --format F      json (nested arrays, the default) or csv (1-D: one value per line;
                  more dimensions: one line per run of the last one)

Datasets of more than ${MAX_UNSLICED_VALUES.toLocaleString("en-US")} values are printed only with --start/--count.`,
} as const;

export type Command = "serve" | "inspect" | "read";

export interface ServeConfig {
  readonly command: "serve";
  readonly root: string;
  readonly port: number;
  readonly host: string;
  readonly maxSessions?: number;
}

export interface InspectConfig {
  readonly command: "inspect";
  readonly file: string;
}

export interface ReadConfig {
  readonly command: "read";
  readonly file: string;
  readonly node: string;
  readonly start?: number[];
  readonly count?: number[];
  readonly format: "json" | "csv";
}

/** `simulate` and `acquire` belong to the hardware package, which parses its own arguments. */
export interface HardwareConfig {
  readonly command: "simulate" | "acquire";
  readonly args: readonly string[];
}

export type Config =
  | ServeConfig
  | HardwareConfig
  | InspectConfig
  | ReadConfig
  | { readonly command: "help"; readonly text: string };

type Env = Readonly<Record<string, string | undefined>>;

/** The command line (without `node` and the script) and environment as one Config. */
export function parseCommandLine(argv: readonly string[], env: Env = {}): Config {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return { command: "help", text: USAGE.main };
  }
  if (command === "simulate" || command === "acquire") return { command, args: rest };
  if (command !== "serve" && command !== "inspect" && command !== "read") {
    throw new UsageError(
      `unknown command '${command}': use serve, inspect, read, simulate or acquire (h5saver --help)`,
    );
  }
  const parsed = parse(command, rest);
  if (parsed.values.help) return { command: "help", text: USAGE[command] };
  if (command === "serve") return serveConfig(parsed, env);
  if (command === "inspect") {
    const [file, ...extra] = parsed.positionals;
    if (file === undefined) throw new UsageError("inspect needs a FILE: h5saver inspect FILE");
    if (extra.length > 0) throw new UsageError(`inspect takes one FILE, not also '${extra.join(" ")}'`);
    return { command, file };
  }
  return readConfig(parsed);
}

const OPTIONS = {
  serve: {
    root: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "max-sessions": { type: "string" },
  },
  inspect: {},
  read: {
    start: { type: "string" },
    count: { type: "string" },
    format: { type: "string" },
  },
} as const;

interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: string[];
}

function parse(command: Command, args: readonly string[]): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...OPTIONS[command], help: { type: "boolean", short: "h" } },
      allowPositionals: command !== "serve",
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`${command}: ${message} (h5saver ${command} --help)`);
  }
}

function serveConfig(parsed: Parsed, env: Env): ServeConfig {
  const pick = (flag: string, variable: string): string | undefined => {
    const value = parsed.values[flag];
    if (typeof value === "string") return value;
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
  };
  const root = pick("root", "H5SAVER_ROOT");
  if (root === undefined) {
    throw new UsageError("serve needs a data root: --root DIR or the H5SAVER_ROOT environment variable");
  }
  const portText = pick("port", "H5SAVER_PORT");
  const port = portText === undefined ? DEFAULT_PORT : integer(portText, "port", 0, 65_535);
  const host = pick("host", "H5SAVER_HOST") ?? DEFAULT_HOST;
  const sessionsText = parsed.values["max-sessions"];
  return {
    command: "serve",
    root,
    port,
    host,
    ...(typeof sessionsText === "string"
      ? { maxSessions: integer(sessionsText, "max-sessions", 1, 1_000_000) }
      : {}),
  };
}

function readConfig(parsed: Parsed): ReadConfig {
  const [file, node, ...extra] = parsed.positionals;
  if (file === undefined || node === undefined) {
    throw new UsageError("read needs a FILE and a NODE: h5saver read FILE /RawData/…/Data00");
  }
  if (extra.length > 0) throw new UsageError(`read takes FILE and NODE, not also '${extra.join(" ")}'`);
  const format = parsed.values.format ?? "json";
  if (format !== "json" && format !== "csv") {
    throw new UsageError(`--format '${String(format)}' is not json or csv`);
  }
  const start = indexList(parsed.values.start, "start", 0);
  const count = indexList(parsed.values.count, "count", 1);
  if (start && count && start.length !== count.length) {
    throw new UsageError(
      `--start has ${start.length} indexes and --count ${count.length}: give one per dimension to both`,
    );
  }
  return {
    command: "read",
    file,
    node,
    format,
    ...(start ? { start } : {}),
    ...(count ? { count } : {}),
  };
}

function indexList(value: string | boolean | undefined, flag: string, min: number): number[] | undefined {
  if (typeof value !== "string") return undefined;
  return value.split(",").map((part) => integer(part.trim(), flag, min, Number.MAX_SAFE_INTEGER));
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} '${text}' is not an integer from ${min} to ${max}`);
  }
  return value;
}

/** Whether `host` binds the loopback interface only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
