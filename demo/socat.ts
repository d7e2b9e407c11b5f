import { execFile } from "node:child_process";

/** Whether the socat command is on PATH (the pty simulators need it). */
export function hasSocat(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("socat", ["-V"], (error) => resolve(!error));
  });
}
