/**
 * Which Docker engine the container tests use, asked of docker/engine.sh (`env`), which also says
 * why there is none. The tests skip with that one line, except where an engine must be had: CI as
 * root, where docker/engine.sh up installs and starts one, so its absence is a failure.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "..");

export type EngineResult =
  | { readonly ok: true; readonly dockerHost: string }
  | { readonly ok: false; readonly reason: string; readonly mustRun: boolean };

/** The engine, with the environment testcontainers needs set (before it is imported). */
export function findEngine(): EngineResult {
  const mustRun = process.env.CI === "true" && process.getuid?.() === 0;
  let out: string;
  try {
    out = execFileSync("bash", [path.join(REPO, "docker/engine.sh"), "env"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (error) {
    const failed = error as { stdout?: string; message: string };
    const reason = failed.stdout?.trim() || failed.message;
    return { ok: false, reason, mustRun };
  }
  const dockerHost = out.replace(/^DOCKER_HOST=/, "");
  process.env.DOCKER_HOST = dockerHost;
  // The reaper (Ryuk) is an image from a registry, and none is reachable here; the tests remove
  // their containers themselves, and docker/engine.sh down removes what a failed run left.
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  // This machine has a /.dockerenv, so testcontainers would think it runs in a container and look
  // for the (disabled) bridge network to find the host; containers here use the host network.
  process.env.TESTCONTAINERS_HOST_OVERRIDE = "127.0.0.1";
  return { ok: true, dockerHost };
}
