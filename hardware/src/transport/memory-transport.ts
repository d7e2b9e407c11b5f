import { DeviceError } from "../errors.ts";
import { createInbox } from "./inbox.ts";
import type { Transport } from "./transport.ts";

export interface MemoryLinkOptions {
  /** Splits every write into reads of at most this many bytes (tests chunk reassembly). */
  readonly maxChunk?: number;
}

/** Two transports wired to each other in memory: what one writes, the other reads. */
export interface MemoryLink {
  readonly host: Transport;
  readonly device: Transport;
  /** Both sides see the other go away, as when a cable is pulled. */
  disconnect(): void;
}

export function createMemoryLink(options: MemoryLinkOptions = {}): MemoryLink {
  const hostInbox = createInbox();
  const deviceInbox = createInbox();
  let open = { host: true, device: true };
  const maxChunk = options.maxChunk ?? Number.POSITIVE_INFINITY;

  const side = (name: "host" | "device", own: typeof hostInbox, peer: typeof hostInbox): Transport => {
    const path = `memory:${name}`;
    return {
      path,
      get isOpen() {
        return open[name];
      },
      async write(bytes) {
        if (!open[name]) throw new DeviceError("disconnected", `${path} is closed`);
        const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes.slice();
        // delivered on a later turn, as a port would
        await new Promise<void>((resolve) => setImmediate(resolve));
        for (let i = 0; i < data.length; i += maxChunk) peer.push(data.subarray(i, i + maxChunk));
      },
      read(timeoutMs) {
        return own.read(timeoutMs, () => path);
      },
      discard() {
        return own.discard();
      },
      async close() {
        if (!open[name]) return;
        open = { ...open, [name]: false };
        own.end();
        peer.fail(new DeviceError("disconnected", `the other end of ${path} closed`));
      },
    };
  };

  return {
    host: side("host", hostInbox, deviceInbox),
    device: side("device", deviceInbox, hostInbox),
    disconnect() {
      open = { host: false, device: false };
      hostInbox.fail(new DeviceError("disconnected", "memory:host: link pulled"));
      deviceInbox.fail(new DeviceError("disconnected", "memory:device: link pulled"));
    },
  };
}
