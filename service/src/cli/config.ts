/**
 * The `h5saver` command's arguments: each subcommand's options parsed with node:util's parseArgs
 * (flags first, then the H5SAVER_* environment variables, then defaults). Pure functions, so the
 * command and its tests share them; a `UsageError` means exit status 2.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const DEFAULT_PORT = 50051;
export const DEFAULT_HOST = "127.0.0.1";
/** A sanity bound on --writer-threads: each thread costs its start and some 30 MB. */
const MAX_WRITER_THREADS = 1024;
/** `read` refuses more values than this unless a slice is given. */
export const MAX_UNSLICED_VALUES = 10_000_000;

export const USAGE = {
  main: `usage: h5saver <command> [options]

commands:
  serve    run the gRPC saver service over a data root
  inspect  print a file's PyMoDAQ tree and the DataWithAxes it holds
  read     print the values of one dataset (or a slice of it)
  recover  rebuild files a killed writer left, from their crash journals
  health   ask a running server whether it is serving (exit status 0 if so)
  simulate run an instrument simulator on a pseudo-terminal and print its port
  acquire  stream frames from an instrument (or a simulator) into a saver

h5saver <command> --help shows a command's options`,
  serve: `usage: h5saver serve --root DIR [--port N] [--host ADDR] [options]

  --root DIR              data root; every client path is resolved under it (env H5SAVER_ROOT);
                          created if missing; one server per root (it holds DIR/.h5saver.lock)
  --port N                TCP port (env H5SAVER_PORT; default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDR             address to bind (env H5SAVER_HOST; default ${DEFAULT_HOST}); anything but
                          loopback makes the service reachable from the network, without authentication
  --max-sessions N        files open at once (env H5SAVER_MAX_SESSIONS; default 64)
  --max-message-mb N      largest request, in MiB (env H5SAVER_MAX_MESSAGE_MB; default 64)
  --max-queued-calls N    calls one session may have waiting for its writer
                          (env H5SAVER_MAX_QUEUED_CALLS; default 256)
  --idle-timeout S        close a session no call has named for S seconds, with no stream call
                          open (env H5SAVER_IDLE_TIMEOUT; default 3600; 0 = never)
  --log-format F          json or text (env H5SAVER_LOG_FORMAT; default: text on a terminal,
                          json otherwise); one line per event on stderr
  --tls-cert FILE         serve TLS with this certificate chain (PEM; env H5SAVER_TLS_CERT)
  --tls-key FILE          and this private key (PEM; env H5SAVER_TLS_KEY)
  --tls-client-ca FILE    mutual TLS: clients need a certificate signed by this CA
                          (env H5SAVER_TLS_CLIENT_CA)
  --tokens FILE           bearer tokens, each with its own folder under the root
                          (env H5SAVER_TOKENS; format in the README)
  --journal on|off        keep a crash journal beside each open file, so that every frame
                          acknowledged as durable survives kill -9 (env H5SAVER_JOURNAL; default on);
                          off: durable means flushed into the file
  --writer-threads N      writer threads (all files' together) at most before files the native
                          HDF5 backend writes share them (env H5SAVER_WRITER_THREADS; default: one
                          per core, 2 at least); files that need h5wasm (blosc, appending,
                          recovery) get one each, beyond it if they must
  --warm-up on|off        before the first file, run a throw-away session in the OS temp
                          directory (~0.2 s; it ends at its next round after 2 s), so that the
                          first frames are not run through cold code (env H5SAVER_WARM_UP;
                          default on)
  --config FILE           a JSON file with any of: root, port, host, maxSessions, maxMessageMb,
                          maxQueuedCalls, idleTimeout, logFormat, tlsCert, tlsKey, tlsClientCa,
                          tokens, journal, writerThreads, warmUp (env H5SAVER_CONFIG)

Flags win over environment variables, which win over the config file. Over a limit, a client
gets RESOURCE_EXHAUSTED naming it. SIGTERM or SIGINT closes every open file and exits. At start,
files a killed server left under the root are rebuilt from their journals before it listens.`,
  recover: `usage: h5saver recover FILE… | --root DIR

Rebuilds each FILE that a killed writer left (it has a FILE.h5saver-journal beside it) from its
crash journal: every call the writer started is replayed into a new file, which then replaces
FILE (a recovery stopped during that swap leaves FILE.h5saver-spent-journal: this finishes it). With --root, every such file under DIR, unless a server runs on DIR (its files are not
left: they are being written). Prints one line per file; exit status 0 when every file was
rebuilt (or there was none), 1 otherwise.`,
  health: `usage: h5saver health [--address HOST:PORT] [--service NAME] [--timeout SECONDS]

  --address HOST:PORT  the server (default: H5SAVER_HOST and H5SAVER_PORT, else ${DEFAULT_HOST}:${DEFAULT_PORT})
  --service NAME       a service to ask about, e.g. h5saver.v1.SaverService (default: the whole server)
  --timeout SECONDS    how long to wait for the answer (default 5)
  --tls-ca FILE        the server uses TLS: trust this CA (PEM; env H5SAVER_TLS_CA)

Prints the status (SERVING, NOT_SERVING, SERVICE_UNKNOWN, or why the server could not be asked);
exit status 0 for SERVING, 1 otherwise.`,
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

export type Command = "serve" | "inspect" | "read" | "health" | "recover";

export interface ServeConfig {
  readonly command: "serve";
  readonly root: string;
  readonly port: number;
  readonly host: string;
  readonly maxSessions?: number;
  readonly maxMessageBytes?: number;
  readonly maxQueuedCalls?: number;
  readonly idleTimeoutMs?: number;
  readonly logFormat?: "json" | "text";
  readonly tls?: { readonly cert: string; readonly key: string; readonly clientCa?: string };
  readonly tokens?: string;
  readonly journal?: boolean;
  readonly writerThreads?: number;
  readonly warmUp?: boolean;
}

export interface HealthConfig {
  readonly command: "health";
  readonly address: string;
  readonly service: string;
  readonly timeoutMs: number;
  readonly tlsCa?: string;
}

export interface RecoverConfig {
  readonly command: "recover";
  readonly files: readonly string[];
  readonly root?: string;
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
  | HealthConfig
  | HardwareConfig
  | InspectConfig
  | ReadConfig
  | RecoverConfig
  | { readonly command: "help"; readonly text: string };

type Env = Readonly<Record<string, string | undefined>>;

/** The command line (without `node` and the script) and environment as one Config. */
export function parseCommandLine(
  argv: readonly string[],
  env: Env = {},
  readText: (file: string) => string = (file) => readFileSync(file, "utf8"),
): Config {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return { command: "help", text: USAGE.main };
  }
  if (command === "simulate" || command === "acquire") return { command, args: rest };
  if (!(command in OPTIONS)) {
    throw new UsageError(
      `unknown command '${command}': use serve, inspect, read, health, recover, simulate or acquire (h5saver --help)`,
    );
  }
  const parsed = parse(command as Command, rest);
  if (parsed.values.help) return { command: "help", text: USAGE[command as Command] };
  if (command === "recover") {
    const root = parsed.values.root;
    if (typeof root === "string" && parsed.positionals.length > 0) {
      throw new UsageError("recover takes FILEs or --root DIR, not both");
    }
    if (typeof root !== "string" && parsed.positionals.length === 0) {
      throw new UsageError("recover needs a FILE (or --root DIR): h5saver recover data/scan.h5");
    }
    return { command, files: parsed.positionals, ...(typeof root === "string" ? { root } : {}) };
  }
  if (command === "serve") return serveConfig(parsed, env, readText);
  if (command === "health") return healthConfig(parsed, env);
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
    "max-message-mb": { type: "string" },
    "max-queued-calls": { type: "string" },
    "idle-timeout": { type: "string" },
    "log-format": { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "tls-client-ca": { type: "string" },
    tokens: { type: "string" },
    journal: { type: "string" },
    "writer-threads": { type: "string" },
    "warm-up": { type: "string" },
    config: { type: "string" },
  },
  recover: {
    root: { type: "string" },
  },
  health: {
    address: { type: "string" },
    service: { type: "string" },
    timeout: { type: "string" },
    "tls-ca": { type: "string" },
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
      allowPositionals: command === "inspect" || command === "read" || command === "recover",
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`${command}: ${message} (h5saver ${command} --help)`);
  }
}

/** A flag's value, else the environment variable's (empty counts as unset). */
function flagOrEnv(parsed: Parsed, env: Env, flag: string, variable: string): string | undefined {
  const value = parsed.values[flag];
  if (typeof value === "string") return value;
  const fromEnv = env[variable];
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

function healthConfig(parsed: Parsed, env: Env): HealthConfig {
  const given = parsed.values.address;
  let address: string;
  if (typeof given === "string") {
    if (!/^(\[[^\]]+\]|[^:]+):\d+$/.test(given)) {
      throw new UsageError(`--address '${given}' is not HOST:PORT, e.g. 127.0.0.1:${DEFAULT_PORT}`);
    }
    address = given;
  } else {
    const portText = env.H5SAVER_PORT;
    const port = portText ? integer(portText, "port (H5SAVER_PORT)", 1, 65_535) : DEFAULT_PORT;
    const host = env.H5SAVER_HOST || DEFAULT_HOST;
    // a server bound to every interface answers on loopback
    const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
    address = reachable.includes(":") ? `[${reachable}]:${port}` : `${reachable}:${port}`;
  }
  const timeout = parsed.values.timeout;
  const seconds = typeof timeout === "string" ? Number(timeout) : 5;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(`--timeout '${String(timeout)}' is not a number of seconds from 0 to 3600`);
  }
  const service = parsed.values.service;
  const tlsCa = flagOrEnv(parsed, env, "tls-ca", "H5SAVER_TLS_CA");
  return {
    command: "health",
    address,
    service: typeof service === "string" ? service : "",
    timeoutMs: Math.round(seconds * 1000),
    ...(tlsCa !== undefined ? { tlsCa } : {}),
  };
}

/** The config file's keys, by the flag each stands for. */
const CONFIG_KEYS = {
  root: "root",
  port: "port",
  host: "host",
  maxSessions: "max-sessions",
  maxMessageMb: "max-message-mb",
  maxQueuedCalls: "max-queued-calls",
  idleTimeout: "idle-timeout",
  logFormat: "log-format",
  tlsCert: "tls-cert",
  tlsKey: "tls-key",
  tlsClientCa: "tls-client-ca",
  tokens: "tokens",
  journal: "journal",
  writerThreads: "writer-threads",
  warmUp: "warm-up",
} as const;

/** The config file as flag → text, so that it goes through the same checks as flags. */
function configFile(file: string, readText: (file: string) => string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(file));
  } catch (error) {
    throw new UsageError(
      `--config '${file}': ${error instanceof Error ? error.message.split("\n")[0] : error}`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--config '${file}' must hold a JSON object, e.g. {"root": "/data", "port": 50051}`);
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const flag = CONFIG_KEYS[key as keyof typeof CONFIG_KEYS];
    if (flag === undefined) {
      throw new UsageError(
        `--config '${file}': unknown key '${key}'; known: ${Object.keys(CONFIG_KEYS).join(", ")}`,
      );
    }
    if (typeof value !== "string" && typeof value !== "number") {
      throw new UsageError(`--config '${file}': '${key}' must be a string or a number`);
    }
    values[flag] = String(value);
  }
  return values;
}

function serveConfig(parsed: Parsed, env: Env, readText: (file: string) => string): ServeConfig {
  const configPath = flagOrEnv(parsed, env, "config", "H5SAVER_CONFIG");
  const fromFile = configPath === undefined ? {} : configFile(configPath, readText);
  const pick = (flag: string, variable: string) => flagOrEnv(parsed, env, flag, variable) ?? fromFile[flag];
  const root = pick("root", "H5SAVER_ROOT");
  if (root === undefined) {
    throw new UsageError("serve needs a data root: --root DIR or the H5SAVER_ROOT environment variable");
  }
  const portText = pick("port", "H5SAVER_PORT");
  const port = portText === undefined ? DEFAULT_PORT : integer(portText, "port", 0, 65_535);
  const host = pick("host", "H5SAVER_HOST") ?? DEFAULT_HOST;
  const sessions = pick("max-sessions", "H5SAVER_MAX_SESSIONS");
  const messageMb = pick("max-message-mb", "H5SAVER_MAX_MESSAGE_MB");
  const queuedCalls = pick("max-queued-calls", "H5SAVER_MAX_QUEUED_CALLS");
  const idle = pick("idle-timeout", "H5SAVER_IDLE_TIMEOUT");
  const logFormat = pick("log-format", "H5SAVER_LOG_FORMAT");
  const cert = pick("tls-cert", "H5SAVER_TLS_CERT");
  const key = pick("tls-key", "H5SAVER_TLS_KEY");
  const clientCa = pick("tls-client-ca", "H5SAVER_TLS_CLIENT_CA");
  const tokens = pick("tokens", "H5SAVER_TOKENS");
  const journal = onOff(pick("journal", "H5SAVER_JOURNAL"), "journal");
  const warmUp = onOff(pick("warm-up", "H5SAVER_WARM_UP"), "warm-up");
  const writerThreads = pick("writer-threads", "H5SAVER_WRITER_THREADS");
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError("TLS needs both --tls-cert and --tls-key");
  }
  if (clientCa !== undefined && cert === undefined) {
    throw new UsageError("--tls-client-ca needs TLS: give --tls-cert and --tls-key too");
  }
  if (logFormat !== undefined && logFormat !== "json" && logFormat !== "text") {
    throw new UsageError(`--log-format '${logFormat}' is not json or text`);
  }
  return {
    command: "serve",
    root,
    port,
    host,
    ...(sessions !== undefined ? { maxSessions: integer(sessions, "max-sessions", 1, 1_000_000) } : {}),
    // grpc-js takes a signed 32-bit length: 2047 MiB is the most it can be told
    ...(messageMb !== undefined
      ? { maxMessageBytes: integer(messageMb, "max-message-mb", 1, 2047) * 1024 * 1024 }
      : {}),
    ...(queuedCalls !== undefined
      ? { maxQueuedCalls: integer(queuedCalls, "max-queued-calls", 1, 1_000_000) }
      : {}),
    ...(idle !== undefined ? { idleTimeoutMs: integer(idle, "idle-timeout", 0, 31_536_000) * 1000 } : {}),
    ...(logFormat !== undefined ? { logFormat } : {}),
    ...(cert !== undefined && key !== undefined
      ? { tls: { cert, key, ...(clientCa !== undefined ? { clientCa } : {}) } }
      : {}),
    ...(tokens !== undefined ? { tokens } : {}),
    ...(journal !== undefined ? { journal } : {}),
    ...(writerThreads !== undefined
      ? { writerThreads: integer(writerThreads, "writer-threads", 1, MAX_WRITER_THREADS) }
      : {}),
    ...(warmUp !== undefined ? { warmUp } : {}),
  };
}

function onOff(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== "on" && value !== "off") throw new UsageError(`--${flag} '${value}' is not on or off`);
  return value === "on";
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
