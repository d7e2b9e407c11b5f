/**
 * The `h5saver` command: `serve` runs the gRPC saver service over a data root until SIGTERM or
 * SIGINT; `inspect FILE` prints a file's PyMoDAQ tree and DataWithAxes; `read FILE NODE` prints a
 * dataset's values. Exit status: 0 done, 1 failed, 2 wrong usage (one line on stderr each time).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { SaverError } from "../errors.ts";
import { type Config, isLoopback, parseCommandLine, type ServeConfig, UsageError } from "./config.ts";

// The server and the HDF5 modules are imported when a command needs them: loading h5wasm
// through tsx takes seconds, and usage errors and --help should not wait for it.

/** A failure of the command itself: printed as one line, exit status 1. */
class Failure extends Error {}

async function serve(config: ServeConfig): Promise<void> {
  const root = path.resolve(config.root);
  try {
    mkdirSync(root, { recursive: true });
  } catch (error) {
    throw new Failure(`cannot create the data root '${root}': ${(error as Error).message}`);
  }
  const { createSaverServer } = await import("../rpc/saver-server.ts");
  const { createServerLog } = await import("../rpc/server-log.ts");
  const log = createServerLog(process.stderr, config.logFormat);
  const saver = createSaverServer({
    root,
    log,
    ...(config.maxSessions !== undefined ? { maxSessions: config.maxSessions } : {}),
    ...(config.maxMessageBytes !== undefined ? { maxMessageBytes: config.maxMessageBytes } : {}),
    ...(config.maxQueuedCalls !== undefined ? { maxQueuedCalls: config.maxQueuedCalls } : {}),
    ...(config.idleTimeoutMs !== undefined ? { idleTimeoutMs: config.idleTimeoutMs } : {}),
    ...(config.tokens !== undefined ? { tokensFile: config.tokens } : {}),
    ...(config.tls ? { tls: readTls(config.tls) } : {}),
    ...(config.journal !== undefined ? { journal: config.journal } : {}),
    ...(config.writerThreads !== undefined ? { writerThreads: config.writerThreads } : {}),
    warmUp: config.warmUp ?? true,
  });
  let port: number;
  try {
    port = await saver.listen(config.port, config.host);
  } catch (error) {
    await saver.close();
    // the root's lock held by another server says so itself
    if (error instanceof SaverError) throw error;
    throw new Failure(`cannot listen on ${address(config.host, config.port)}: ${(error as Error).message}`);
  }
  console.log(`h5saver listening on ${address(config.host, port)}, data root ${root}`);
  const { crc32Ready } = await import("../durability/crc32.ts");
  const { pageCacheLogFields } = await import("../files/page-cache.ts");
  const { heapTrimLogFields } = await import("../files/heap-trim.ts");
  const { backendLogFields } = await import("../backend/open-h5-file.ts");
  const { writerThreadLimit } = await import("../worker/worker-saver-file.ts");
  log.event("info", "listening", {
    address: address(config.host, port),
    root,
    checksums: await crc32Ready,
    ...pageCacheLogFields(),
    ...heapTrimLogFields(),
    ...backendLogFields(),
    writer_threads: writerThreadLimit(),
  });
  const protection = [
    config.tls ? (config.tls.clientCa ? "mutual TLS" : "TLS") : "",
    config.tokens ? "bearer tokens" : "",
  ].filter(Boolean);
  if (protection.length > 0) {
    console.log(`h5saver: clients need ${protection.join(" and ")}`);
  } else if (isLoopback(config.host)) {
    console.log("h5saver: no TLS and no tokens: serving this machine only (loopback)");
  }
  if (!isLoopback(config.host) && !config.tokens) {
    console.log(
      `h5saver: bound to ${config.host}, so the service is reachable from the network without authentication`,
    );
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`h5saver: ${signal} again while closing files; exiting without waiting`);
      process.exit(1); // the root's lock goes at exit
    }
    stopping = true;
    saver
      .close()
      .then((closed) => {
        console.log(`h5saver stopped: ${closed} files closed`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`h5saver: stopping failed: ${SaverError.from(error).message}`);
        process.exit(1);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function readTls(files: NonNullable<ServeConfig["tls"]>): { cert: Buffer; key: Buffer; clientCa?: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Failure(`cannot read the TLS ${what} '${file}': ${(error as Error).message}`);
    }
  };
  return {
    cert: read(files.cert, "certificate"),
    key: read(files.key, "key"),
    ...(files.clientCa !== undefined ? { clientCa: read(files.clientCa, "client CA") } : {}),
  };
}

function address(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

async function run(config: Config): Promise<void> {
  switch (config.command) {
    case "help":
      console.log(config.text);
      return;
    case "serve":
      return serve(config);
    case "health": {
      const { checkHealth } = await import("./health-check.ts");
      const ca = config.tlsCa === undefined ? undefined : readFileSync(config.tlsCa);
      const result = await checkHealth(config.address, config.service, config.timeoutMs, ca);
      console.log(result.status);
      if (!result.serving) process.exitCode = 1;
      return;
    }
    case "inspect": {
      if (!existsSync(config.file)) throw new Failure(`no such file: '${config.file}'`);
      const { inspectFile } = await import("./file-commands.ts");
      console.log(await inspectFile(config.file));
      return;
    }
    case "simulate":
    case "acquire": {
      // The hardware package depends on this one; importing it only here keeps the dependency one-way
      // at load time.
      const hardware = await import("@h5saver/hardware/cli");
      return hardware.runHardwareCommand(config.command, config.args);
    }
    case "recover": {
      const { recoverCommand } = await import("./recover-command.ts");
      if (!(await recoverCommand(config))) process.exitCode = 1;
      return;
    }
    case "read": {
      if (!existsSync(config.file)) throw new Failure(`no such file: '${config.file}'`);
      const { readNode } = await import("./file-commands.ts");
      console.log(await readNode(config));
      return;
    }
  }
}

let config: Config;
try {
  config = parseCommandLine(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`h5saver: ${error instanceof UsageError ? error.message : String(error)}`);
  process.exit(2);
}
run(config).catch((error: unknown) => {
  const message = error instanceof Failure ? error.message : SaverError.from(error).message;
  console.error(`h5saver ${config.command}: ${message}`);
  process.exit(1);
});
