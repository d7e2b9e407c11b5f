import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DeviceError } from "../errors.ts";

/**
 * Two connected pseudo-terminals made by socat: a driver opens `hostPath`, a simulator opens
 * `devicePath`, and bytes cross through the kernel's tty layer exactly as on a serial port.
 */
export interface PtyPair {
  readonly hostPath: string;
  readonly devicePath: string;
  readonly pid: number;
  /** Kills socat: both ends see the port vanish, as when a USB-serial adapter is pulled. */
  unplug(): Promise<void>;
  /** Unplugs and removes the temporary folder of the links. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Where the host end's link goes (default: a fresh temporary folder). */
  readonly hostPath?: string;
  readonly devicePath?: string;
}

/** socat creates its links a few ms after it starts; give a loaded machine ample time. */
const LINK_WAIT_MS = 5000;
const LINK_POLL_MS = 10;

export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(tmpdir(), "h5saver-pty-"));
  const hostPath = options.hostPath ?? path.join(dir, "host");
  const devicePath = options.devicePath ?? path.join(dir, "device");
  // raw,echo=0 on both ends: no CR/LF translation, no echo (see research/hardware.md §5.2)
  const child = spawn("socat", [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

  const deadline = Date.now() + LINK_WAIT_MS;
  for (;;) {
    if (existsSync(hostPath) && existsSync(devicePath)) break;
    const failed = await Promise.race([
      spawnError,
      exited.then(() => new Error(`socat exited: ${stderr.trim()}`)),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), LINK_POLL_MS)),
    ]);
    if (failed) {
      rmSync(dir, { recursive: true, force: true });
      const missing = /ENOENT/.test(failed.message);
      throw new DeviceError(
        missing ? "not_found" : "internal",
        missing
          ? "socat is not installed (apt-get install socat)"
          : `cannot make a pty pair: ${failed.message}`,
      );
    }
    if (Date.now() > deadline) {
      kill(child);
      rmSync(dir, { recursive: true, force: true });
      throw new DeviceError("timeout", `socat made no pty links within ${LINK_WAIT_MS} ms`);
    }
  }

  const unplug = async () => {
    kill(child);
    await exited;
  };
  return {
    hostPath,
    devicePath,
    pid: child.pid ?? -1,
    unplug,
    async close() {
      await unplug();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
}
