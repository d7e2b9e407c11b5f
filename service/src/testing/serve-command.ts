/**
 * `h5saver serve` as users run it (the launcher, service/bin/h5saver.mjs) on a free loopback port
 * with JSON logs: node's arguments, for the harnesses and the benchmark that start real servers.
 */
import path from "node:path";

export const H5SAVER_COMMAND = path.resolve(import.meta.dirname, "../../bin/h5saver.mjs");

export function serveArguments(root: string, extra: readonly string[] = []): string[] {
  return [
    H5SAVER_COMMAND,
    "serve",
    "--root",
    root,
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    "--log-format",
    "json",
    ...extra,
  ];
}
