import {
  type ContinuousUpload,
  createSaverClient,
  type OpenFileOptions,
  type RemoteFile,
  SaverClientError,
} from "@h5saver/client";
import { createDriver } from "../drivers/create-driver.ts";
import type { DeviceIdentity, Driver, DriverCounters, DriverName } from "../drivers/driver.ts";
import { createCounters } from "../drivers/driver.ts";
import { DeviceError } from "../errors.ts";
import { openSerialTransport } from "../transport/serial-transport.ts";
import type { Transport } from "../transport/transport.ts";
import { type ReconnectOptions, reconnectWithBackoff } from "./reconnect.ts";

export interface AcquireOptions {
  readonly driver: DriverName;
  /** The device's port (serial device or simulator pty). */
  readonly port: string;
  /** The saver, `host:port`. */
  readonly server: string;
  /** The file, relative to the saver's data root. */
  readonly file: string;
  /** Stop after this many frames were sent. */
  readonly frames?: number;
  /** Stop after this many seconds of acquisition. */
  readonly seconds?: number;
  /** The detector's title in the file (default: what the device calls itself). */
  readonly detector?: string;
  /** Driver settings applied after open (e.g. `{ integrationUs: 2000 }`). */
  readonly settings?: Readonly<Record<string, number | string>>;
  /** Aborting stops the acquisition cleanly (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: AcquireProgress) => void;
  readonly mode?: "create" | "overwrite";
  /** The PyMoDAQ tree of a new file (default pymodaq4) and its `type` (default detector). */
  readonly layout?: "pymodaq4" | "pymodaq3";
  readonly saveType?: "detector" | "scan";
  /** Frames per flush on the saver (every acknowledged frame is flushed); default the saver's. */
  readonly flushEveryFrames?: number;
  /** When the saver acknowledges frames: synced to its disk (default) or written to its OS. */
  readonly durability?: OpenFileOptions["durability"];
  readonly baudRate?: number;
  readonly timeoutMs?: number;
  /** Frames the driver holds while the saver is busy before dropping (and counting) the oldest. */
  readonly queueFrames?: number;
  /** When the port vanishes, reopen it with backoff instead of stopping. */
  readonly reconnect?: ReconnectOptions;
  /** Opens the port; default a serial port (tests may pass an in-memory link). */
  readonly openTransport?: (port: string) => Promise<Transport>;
}

export interface AcquireProgress {
  /** Frames sent to the saver. */
  readonly frames: number;
  /** Frames the saver reports durable in the file. */
  readonly acknowledged: number;
  /** Frames decoded but dropped because the saver fell behind. */
  readonly dropped: number;
  readonly crcErrors: number;
  readonly badFrames: number;
  readonly garbageBytes: number;
  /** Frames missing from the device's own counter (lost on the wire or dropped for CRC). */
  readonly missed: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Where the time went, in ms: waiting for the device's next frame, decoding, handing frames to gRPC. */
  readonly timing: { readonly waitMs: number; readonly decodeMs: number; readonly sendMs: number };
}

export type StopReason = "frames" | "seconds" | "signal" | "device_error" | "disconnected";

export interface AcquireSummary extends AcquireProgress {
  /** The file's path relative to the saver's data root. */
  readonly file: string;
  /** The detector group in the file (`/RawData/Detector000`). */
  readonly detectorPath: string;
  readonly stoppedBy: StopReason;
  /** The device failure that ended the acquisition, when one did. */
  readonly error?: DeviceError;
  readonly reconnects: number;
}

/**
 * Streams a device's frames into a saver: opens the driver, the file and a detector (with the
 * driver's settings as XML), starts continuous saving and sends every frame with acknowledgement,
 * until N frames, T seconds, the signal, or a device failure. The upload is ended and the file
 * closed in every case but a saver that went away, so every acknowledged frame is in a valid file.
 */
export async function acquire(options: AcquireOptions): Promise<AcquireSummary> {
  if (options.frames !== undefined && !(Number.isInteger(options.frames) && options.frames >= 1)) {
    throw new DeviceError("invalid_config", `frames must be an integer ≥ 1, got ${options.frames}`);
  }
  if (options.seconds !== undefined && !(options.seconds > 0)) {
    throw new DeviceError("invalid_config", `seconds must be > 0, got ${options.seconds}`);
  }
  const openTransport =
    options.openTransport ??
    ((path: string) =>
      openSerialTransport({
        path,
        ...(options.baudRate !== undefined ? { baudRate: options.baudRate } : {}),
      }));
  let identity: DeviceIdentity | undefined;
  const connect = async (): Promise<Driver> => {
    const driver = createDriver(options.driver, {
      transport: await openTransport(options.port),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.queueFrames !== undefined ? { queueFrames: options.queueFrames } : {}),
    });
    try {
      identity = await driver.open();
      if (options.settings) await driver.configure(options.settings);
      return driver;
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
  };

  let driver = await connect();
  const client = createSaverClient(options.server, { deadlineMs: 30_000 });
  let file: RemoteFile | undefined;
  try {
    file = await client.openFile({
      path: options.file,
      mode: options.mode ?? "create",
      ...(options.layout ? { layout: options.layout } : {}),
      ...(options.saveType ? { saveType: options.saveType } : {}),
      ...(options.flushEveryFrames !== undefined ? { flush: { maxFrames: options.flushEveryFrames } } : {}),
      ...(options.durability ? { durability: options.durability } : {}),
    });
    const title = options.detector ?? identity?.title ?? driver.name;
    const detectorPath = await file.addDetector(title, driver.settingsXml());
    const upload = await file.startContinuous(detectorPath);
    const run = await stream(driver, upload, options, connect);
    driver = run.driver;
    await driver.stop().catch(() => undefined);
    const ended = await upload.end();
    const closed = await file.close();
    file = undefined;
    await driver.close();
    return {
      ...run.progress(),
      acknowledged: ended.durableFrames,
      file: closed.path,
      detectorPath,
      stoppedBy: run.stoppedBy,
      reconnects: run.reconnects,
      ...(run.error ? { error: run.error } : {}),
    };
  } catch (error) {
    await driver.close().catch(() => undefined);
    // a session left open would hold the file on the saver until it stops
    await file?.close().catch(() => undefined);
    if (error instanceof SaverClientError) {
      throw new DeviceError(
        "saver_unavailable",
        `the saver at ${options.server} failed (${error.code}): ${error.message}`,
        {},
        { cause: error },
      );
    }
    throw error;
  } finally {
    client.close();
  }
}

interface StreamResult {
  readonly driver: Driver;
  readonly stoppedBy: StopReason;
  readonly error?: DeviceError;
  readonly reconnects: number;
  progress(): AcquireProgress;
}

async function stream(
  first: Driver,
  upload: ContinuousUpload,
  options: AcquireOptions,
  connect: () => Promise<Driver>,
): Promise<StreamResult> {
  let driver = first;
  const started = performance.now();
  let sent = 0;
  let bytes = 0;
  let acknowledged = 0;
  let reconnects = 0;
  /** Counters of drivers replaced by a reconnection. */
  let earlier: DriverCounters = createCounters();
  let waitMs = 0;
  let sendMs = 0;
  let stoppedBy: StopReason | undefined;

  /** Set when the frames stop: closing the upload and the file is not acquisition time. */
  let ended: number | undefined;
  const progress = (): AcquireProgress => {
    const c = driver.counters;
    return {
      frames: sent,
      acknowledged,
      dropped: earlier.dropped + c.dropped,
      crcErrors: earlier.crcErrors + c.crcErrors,
      badFrames: earlier.badFrames + c.badFrames,
      garbageBytes: earlier.garbageBytes + c.garbageBytes,
      missed: earlier.missed + c.missed,
      bytes,
      seconds: ((ended ?? performance.now()) - started) / 1000,
      timing: { waitMs, decodeMs: earlier.decodeMs + c.decodeMs, sendMs },
    };
  };
  const report = () => options.onProgress?.(progress());
  upload.onAck((ack) => {
    acknowledged = ack.durableSequence;
    report();
  });

  const stopBecause = (reason: StopReason) => {
    stoppedBy ??= reason;
    void driver.stop().catch(() => undefined);
  };
  const timer =
    options.seconds !== undefined
      ? setTimeout(() => stopBecause("seconds"), options.seconds * 1000)
      : undefined;
  const onAbort = () => stopBecause("signal");
  if (options.signal?.aborted) stoppedBy = "signal";
  options.signal?.addEventListener("abort", onAbort);

  try {
    for (;;) {
      if (stoppedBy) break;
      try {
        await driver.start();
        let waiting = performance.now();
        for await (const frame of driver.frames()) {
          const sending = performance.now();
          waitMs += sending - waiting;
          await upload.send(frame.data);
          waiting = performance.now();
          sendMs += waiting - sending;
          sent++;
          bytes += frame.bytes;
          report();
          if (options.frames !== undefined && sent >= options.frames) {
            stopBecause("frames");
            break;
          }
          if (stoppedBy) break;
        }
        stoppedBy ??= "signal";
        break;
      } catch (error) {
        if (error instanceof SaverClientError) throw error;
        const e = DeviceError.from(error);
        if (stoppedBy || e.code !== "disconnected" || !options.reconnect) {
          return {
            driver,
            stoppedBy: stoppedBy ?? (e.code === "disconnected" ? "disconnected" : "device_error"),
            error: e,
            reconnects,
            progress,
          };
        }
        const c = driver.counters;
        earlier = {
          frames: earlier.frames + c.frames,
          crcErrors: earlier.crcErrors + c.crcErrors,
          garbageBytes: earlier.garbageBytes + c.garbageBytes,
          badFrames: earlier.badFrames + c.badFrames,
          dropped: earlier.dropped + c.dropped,
          missed: earlier.missed + c.missed,
          decodeMs: earlier.decodeMs + c.decodeMs,
        };
        await driver.close().catch(() => undefined);
        let next: Driver | undefined;
        try {
          next = await reconnectWithBackoff(connect, options.reconnect, options.signal, e);
        } catch (failure) {
          return {
            driver,
            stoppedBy: "disconnected",
            error: DeviceError.from(failure),
            reconnects,
            progress,
          };
        }
        if (!next) return { driver, stoppedBy: stoppedBy ?? "signal", reconnects, progress };
        driver = next;
        reconnects++;
      }
    }
    return { driver, stoppedBy, reconnects, progress };
  } finally {
    ended = performance.now();
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    report();
  }
}
