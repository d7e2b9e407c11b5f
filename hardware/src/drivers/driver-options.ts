import type { Transport } from "../transport/transport.ts";

/** What every driver factory takes. */
export interface DriverOptions {
  readonly transport: Transport;
  /** How long a reply (or, for streaming devices, the next frame) may take. */
  readonly timeoutMs?: number;
  /** Frames held while the consumer is busy before the oldest is dropped (streaming devices). */
  readonly queueFrames?: number;
}

export const DEFAULT_TIMEOUT_MS = 2000;
/** ~0.5 s of TCD1304 frames at 130 fps, or 64 MiB of 512×512 uint16 images. */
export const DEFAULT_QUEUE_FRAMES = 64;

export function deviceLabel(name: string, transport: Transport): string {
  return `${name} on ${transport.path}`;
}
