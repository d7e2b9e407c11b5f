import { spawnSync } from "node:child_process";

/**
 * Why tests on pseudo-terminals cannot run here, or false when they can. Without socat they skip,
 * except as root or in CI, where scripts/debian-deps.sh installs it and a missing socat must fail.
 */
export function ptySkip(): string | false {
  if (spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0) return false;
  if (process.getuid?.() === 0 || process.env.CI) return false;
  return "socat is not installed (apt-get install socat, or scripts/debian-deps.sh as root)";
}
