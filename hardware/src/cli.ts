/**
 * `h5saver simulate` and `h5saver acquire`, dispatched here by the service's `h5saver` command.
 * Usage errors print one line and set exit status 2; failures of the device or the saver 1.
 */
import {
  type AcquireConfig,
  HardwareUsageError,
  parseHardwareArgs,
  type SimulateConfig,
} from "./cli-args.ts";

export async function runHardwareCommand(
  command: "simulate" | "acquire",
  args: readonly string[],
): Promise<void> {
  let config: ReturnType<typeof parseHardwareArgs>;
  try {
    config = parseHardwareArgs(command, args);
  } catch (error) {
    if (!(error instanceof HardwareUsageError)) throw error;
    console.error(`h5saver ${command}: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  if (config.command === "help") {
    console.log(config.text);
    return;
  }
  // the drivers load the service's model (and with it h5wasm): only once the arguments are good
  if (config.command === "simulate") return simulate(config);
  return runAcquire(config);
}

async function simulate(config: SimulateConfig): Promise<void> {
  const { startPtySimulator } = await import("./simulators/pty-simulator.ts");
  const sim = await startPtySimulator(config.driver, {
    ...(config.link ? { link: config.link } : {}),
    ...(config.faults ? { faults: config.faults } : {}),
  });
  console.log(sim.port);
  console.error(
    `h5saver simulate: ${config.driver} simulator on ${sim.port} (socat pid ${sim.pair.pid}); Ctrl-C stops it`,
  );
  let stopping = false;
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    void sim.served.then(() => {
      if (!stopping)
        console.error(`h5saver simulate: the ${config.driver} simulator stopped (its port was unplugged)`);
      resolve();
    });
  });
  await sim.close();
}

async function runAcquire(config: AcquireConfig): Promise<void> {
  const [{ acquire }, { progressText, summaryText }, { ProgressLine }] = await Promise.all([
    import("./acquire/acquire.ts"),
    import("./acquire/progress-text.ts"),
    import("@h5saver/service/cli/progress-line"),
  ]);
  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = () => {
    interrupts++;
    if (interrupts > 1) {
      console.error("\nh5saver acquire: interrupted again; exiting without closing the file");
      process.exit(130);
    }
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  const line = process.stderr.isTTY ? new ProgressLine(process.stderr) : undefined;
  try {
    const summary = await acquire({
      driver: config.driver,
      port: config.port,
      server: config.server,
      file: config.file,
      settings: config.settings,
      mode: config.overwrite ? "overwrite" : "create",
      signal: controller.signal,
      ...(config.frames !== undefined ? { frames: config.frames } : {}),
      ...(config.seconds !== undefined ? { seconds: config.seconds } : {}),
      ...(config.detector !== undefined ? { detector: config.detector } : {}),
      ...(config.reconnect !== undefined ? { reconnect: { attempts: config.reconnect } } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.baudRate !== undefined ? { baudRate: config.baudRate } : {}),
      ...(config.queueFrames !== undefined ? { queueFrames: config.queueFrames } : {}),
      ...(config.durability !== undefined ? { durability: config.durability } : {}),
      ...(line ? { onProgress: (p) => line.update(progressText(p)) } : {}),
    });
    line?.done(progressText(summary));
    console.error(summaryText(summary));
    console.log(summary.file);
    if (summary.error) process.exitCode = 1;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}
