import { type FileHandle, open } from "node:fs/promises";
import { DeviceError } from "../errors.ts";
import type { Transport } from "./transport.ts";

/**
 * The largest reply taken in one read. The Linux usbtmc driver hands over one device message per
 * read(2) (split only past the buffer), so this bounds a chunk, not a reply.
 */
export const USBTMC_READ_BYTES = 64 * 1024;

/** errno codes that mean the instrument is gone (unplugged, driver unbound). */
const GONE = new Set(["ENODEV", "ENXIO", "EIO", "EBADF", "ESHUTDOWN", "EPIPE"]);

/**
 * A Transport on a Linux usbtmc device file (`/dev/usbtmc0`: SCPI instruments over USB, through
 * the kernel's USB test-and-measurement class driver). No native addon: plain reads and writes.
 * Reads are issued only while someone waits for bytes, since the device sends only when asked;
 * a read still pending when a wait times out is kept for the next one, so no reply is lost.
 */
export async function openUsbtmcTransport(path: string): Promise<Transport> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r+");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DeviceError(
      code === "ENOENT"
        ? "not_found"
        : code === "EACCES"
          ? "permission_denied"
          : code === "EBUSY"
            ? "busy"
            : "disconnected",
      `cannot open ${path}: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
  let open_ = true;
  let pending: Promise<Uint8Array | undefined> | undefined;
  const buffer = new Uint8Array(USBTMC_READ_BYTES);

  const gone = (error: unknown): DeviceError => {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    return new DeviceError(
      GONE.has(code) ? "disconnected" : "internal",
      `${path}: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  };

  const readOnce = async (): Promise<Uint8Array | undefined> => {
    for (;;) {
      if (!open_) return undefined;
      try {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead > 0) return buffer.slice(0, bytesRead);
        // 0 bytes: a hung-up tty or an instrument with nothing to say; ask again shortly
        await new Promise((resolve) => setTimeout(resolve, 10));
      } catch (error) {
        // the kernel's own read timeout (usbtmc default 5 s) only means "nothing yet"
        if ((error as NodeJS.ErrnoException).code === "ETIMEDOUT") continue;
        if (!open_) return undefined;
        throw gone(error);
      }
    }
  };

  return {
    path,
    get isOpen() {
      return open_;
    },
    async write(bytes) {
      if (!open_) throw new DeviceError("disconnected", `${path} is closed`);
      try {
        await handle.write(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
      } catch (error) {
        throw gone(error);
      }
    },
    async read(timeoutMs) {
      pending ??= readOnce();
      const current = pending;
      let timer: NodeJS.Timeout | undefined;
      const timeout =
        timeoutMs === undefined
          ? undefined
          : new Promise<"timeout">((resolve) => {
              timer = setTimeout(() => resolve("timeout"), timeoutMs);
            });
      try {
        const result = await (timeout ? Promise.race([current, timeout]) : current);
        if (result === "timeout") throw new DeviceError("timeout", `${path}: no byte within ${timeoutMs} ms`);
        pending = undefined;
        return result;
      } catch (error) {
        if (!(error instanceof DeviceError && error.code === "timeout")) pending = undefined;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    discard() {
      // bytes not read yet stay in the kernel; a pending read's bytes will be the next ones seen
      return 0;
    },
    async close() {
      if (!open_) return;
      open_ = false;
      await handle.close();
    },
  };
}
