import { createLineDecoder } from "../decoders/line-decoder.ts";
import { DeviceError } from "../errors.ts";
import type { Transport } from "../transport/transport.ts";

export interface LineChannelOptions {
  /** `dmm on /dev/ttyUSB0`, for messages. */
  readonly device: string;
  /** What ends a reply: "\n" (SCPI) or "\r" (SR830). */
  readonly replyTerminator: "\n" | "\r";
  /** What ends a command. */
  readonly commandTerminator: string;
  /** How long a reply may take. */
  readonly timeoutMs: number;
}

/** Bytes that came but were no reply (line noise, a reply too long): counted by the driver. */
export interface LineNoise {
  readonly bytes: number;
  readonly error: DeviceError;
}

/**
 * Question-and-answer over an ASCII instrument link: one command in flight at a time, each reply
 * one line, every wait bounded by a timeout that names the device and the command.
 */
export interface LineChannel {
  /** The last command written (for error messages). */
  readonly lastCommand: string;
  /** Sends a command that has no reply. */
  send(command: string): Promise<void>;
  /** Sends a command and resolves with its reply line (trimmed). */
  query(command: string, timeoutMs?: number): Promise<string>;
  /** Waits until the link is quiet for `quietMs`, then drops whatever came (after a garbled reply). */
  flush(quietMs: number): Promise<number>;
  onNoise(listener: (noise: LineNoise) => void): void;
}

export function createLineChannel(transport: Transport, options: LineChannelOptions): LineChannel {
  const decoder = createLineDecoder({ delimiter: options.replyTerminator });
  const lines: string[] = [];
  let lastCommand = "";
  let queue: Promise<unknown> = Promise.resolve();
  let noise: ((n: LineNoise) => void) | undefined;

  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  const write = async (command: string) => {
    lastCommand = command;
    try {
      await transport.write(command + options.commandTerminator);
    } catch (error) {
      throw withDetails(DeviceError.from(error, "disconnected"));
    }
  };

  const withDetails = (error: DeviceError) =>
    new DeviceError(
      error.code,
      `${options.device}: ${error.message}`,
      {
        device: options.device,
        command: lastCommand,
      },
      { cause: error },
    );

  const readLine = async (timeoutMs: number): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length === 0) {
      const left = deadline - Date.now();
      const timedOut = () =>
        new DeviceError(
          "timeout",
          `${options.device} did not answer '${lastCommand}' within ${timeoutMs} ms`,
          {
            device: options.device,
            command: lastCommand,
          },
        );
      if (left <= 0) throw timedOut();
      let chunk: Uint8Array | undefined;
      try {
        chunk = await transport.read(left);
      } catch (error) {
        const e = DeviceError.from(error, "disconnected");
        throw e.code === "timeout" ? timedOut() : withDetails(e);
      }
      if (chunk === undefined) {
        throw new DeviceError("disconnected", `${options.device} was closed`, {
          device: options.device,
          command: lastCommand,
        });
      }
      for (const result of decoder.push(chunk)) {
        if (result.ok) lines.push(result.value);
        else noise?.({ bytes: result.skipped, error: result.error });
      }
    }
    return (lines.shift() as string).trim();
  };

  return {
    get lastCommand() {
      return lastCommand;
    },
    send(command) {
      return serial(() => write(command));
    },
    query(command, timeoutMs = options.timeoutMs) {
      return serial(async () => {
        await write(command);
        return readLine(timeoutMs);
      });
    },
    flush(quietMs) {
      return serial(async () => {
        let dropped = decoder.pending + lines.reduce((n, l) => n + l.length + 1, 0);
        decoder.reset();
        lines.length = 0;
        for (;;) {
          try {
            const chunk = await transport.read(quietMs);
            if (chunk === undefined) return dropped;
            dropped += chunk.length;
          } catch (error) {
            if (DeviceError.from(error).code === "timeout") return dropped;
            throw withDetails(DeviceError.from(error, "disconnected"));
          }
        }
      });
    },
    onNoise(listener) {
      noise = listener;
    },
  };
}
