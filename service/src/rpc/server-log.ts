/**
 * The server's log: one line per event. JSON objects when the output is not a terminal (for
 * journald, Docker and log shippers), `time event key=value …` text on a terminal.
 */
export type LogLevel = "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface ServerLog {
  event(level: LogLevel, name: string, fields?: LogFields): void;
}

/** A log that drops everything (the library default: embedding programs log their own way). */
export const silentLog: ServerLog = { event() {} };

export function createServerLog(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  format: "json" | "text" = stream.isTTY ? "text" : "json",
): ServerLog {
  return {
    event(level, name, fields = {}) {
      const time = new Date().toISOString();
      const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
      if (format === "json") {
        stream.write(`${JSON.stringify({ time, level, event: name, ...Object.fromEntries(defined) })}\n`);
        return;
      }
      const text = defined.map(
        ([k, v]) => `${k}=${typeof v === "string" && /\s|"/.test(v) ? JSON.stringify(v) : v}`,
      );
      stream.write(
        `${time} ${level === "info" ? "" : `${level.toUpperCase()} `}${name}${text.length ? ` ${text.join(" ")}` : ""}\n`,
      );
    },
  };
}
