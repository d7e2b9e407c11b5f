/**
 * The byte pipe every driver and simulator talks through: a serial port, a usbtmc device file, or
 * an in-memory link in unit tests. Promise-only, so protocol code never sees streams or events.
 */
export interface Transport {
  /** What the transport is connected to, for messages (`/dev/ttyUSB0`, `memory:host`). */
  readonly path: string;
  readonly isOpen: boolean;
  /** Resolves once the bytes are handed to the operating system. */
  write(bytes: Uint8Array | string): Promise<void>;
  /**
   * The next bytes received (every byte exactly once, in order). Resolves `undefined` once this
   * side closed the transport; rejects with a DeviceError `disconnected` when the other side went
   * away, or `timeout` when `timeoutMs` passes without a byte (the bytes are not lost: the next
   * read returns them).
   */
  read(timeoutMs?: number): Promise<Uint8Array | undefined>;
  /** Drops bytes received but not yet read; returns how many. */
  discard(): number;
  close(): Promise<void>;
}
