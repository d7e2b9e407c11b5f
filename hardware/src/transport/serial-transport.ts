import { access } from "node:fs";
import { SerialPort } from "serialport";
import { DeviceError } from "../errors.ts";
import { createInbox } from "./inbox.ts";
import type { Transport } from "./transport.ts";

export interface SerialOptions {
  readonly path: string;
  /** Ignored by USB CDC-ACM devices and pseudo-terminals; matters on real UARTs. */
  readonly baudRate?: number;
  /** Exclusive access (TIOCEXCL), serialport's default: a second opener gets `busy`. */
  readonly lock?: boolean;
}

/** 115200 8N1: the rate the TCD1304 and camera boards use over their USB-serial bridges. */
export const DEFAULT_BAUD_RATE = 115_200;

/**
 * How often an open port's path is checked. On Linux a hung-up tty (pty master gone, adapter
 * pulled) reads 0 bytes, which bindings-cpp 13 retries at once, forever, instead of reporting; a
 * vanished device node or symlink (udev and socat remove theirs) is how an unplug is noticed.
 */
export const PRESENCE_POLL_MS = 200;

/**
 * A Transport on a serial port (node-serialport's native binding). The port is read in flowing
 * mode into the inbox at once: a device does not stop sending because we are busy, so pausing the
 * port would only move the loss into the kernel's tty buffer.
 */
export async function openSerialTransport(options: SerialOptions): Promise<Transport> {
  const { path } = options;
  const port = new SerialPort({
    path,
    baudRate: options.baudRate ?? DEFAULT_BAUD_RATE,
    autoOpen: false,
    lock: options.lock ?? true,
  });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => (error ? reject(openError(path, error)) : resolve()));
  });
  const inbox = createInbox();
  let closing = false;

  /** The device is gone: reads fail from now on, and closing the port ends bindings-cpp's read spin. */
  const lost = (reason: string, cause?: unknown) => {
    if (closing) return;
    closing = true;
    clearInterval(presence);
    inbox.fail(new DeviceError("disconnected", `${path} went away (${reason})`, {}, { cause }));
    if (port.isOpen) port.close(() => undefined);
  };
  const presence = setInterval(() => {
    access(path, (error) => {
      if (error) lost("unplugged: its path vanished", error);
    });
  }, PRESENCE_POLL_MS);
  presence.unref();

  port.on("data", (chunk: Buffer) =>
    inbox.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)),
  );
  port.on("close", (error: Error | null) => {
    if (closing) inbox.end();
    else lost(error ? error.message : "closed by the system", error);
  });
  port.on("error", (error: Error) => lost(error.message, error));

  return {
    path,
    get isOpen() {
      return port.isOpen && !closing;
    },
    write(bytes) {
      return new Promise<void>((resolve, reject) => {
        if (!port.isOpen || closing) {
          reject(new DeviceError("disconnected", `${path} is closed`));
          return;
        }
        port.write(
          typeof bytes === "string" ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
        );
        port.drain((error) => {
          if (!error) return resolve();
          lost(error.message, error);
          reject(new DeviceError("disconnected", `${path}: ${error.message}`, {}, { cause: error }));
        });
      });
    },
    read(timeoutMs) {
      return inbox.read(timeoutMs, () => path);
    },
    discard() {
      return inbox.discard();
    },
    close() {
      clearInterval(presence);
      closing = true;
      if (!port.isOpen) {
        inbox.end();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        port.close(() => {
          inbox.end();
          resolve();
        });
      });
    },
  };
}

function openError(path: string, error: Error): DeviceError {
  const message = error.message;
  if (/ENOENT|No such file/i.test(message)) {
    return new DeviceError("not_found", `no serial port at ${path}`, {}, { cause: error });
  }
  if (/lock|Resource temporarily unavailable|EBUSY/i.test(message)) {
    return new DeviceError("busy", `${path} is in use by another program`, {}, { cause: error });
  }
  if (/EACCES|permission/i.test(message)) {
    return new DeviceError(
      "permission_denied",
      `no permission to open ${path} (add the user to group dialout)`,
      {},
      { cause: error },
    );
  }
  return new DeviceError("disconnected", `cannot open ${path}: ${message}`, {}, { cause: error });
}
