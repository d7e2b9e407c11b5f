import type { DataToExport } from "../model.ts";

export const DRIVER_NAMES = ["dmm", "sr830", "usb2000", "tcd1304", "camera"] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

export function isDriverName(name: string): name is DriverName {
  return (DRIVER_NAMES as readonly string[]).includes(name);
}

export interface DeviceIdentity {
  /** The identity string the device gave (`*IDN?` reply, serial number …). */
  readonly id: string;
  /** The detector title to use in the file. */
  readonly title: string;
}

/** One acquisition, as it leaves the driver. */
export interface Frame {
  /** 1, 2, … per `start()`, counted by the host. */
  readonly sequence: number;
  /** The device's own frame counter, when its protocol has one. */
  readonly deviceSequence?: number;
  readonly data: DataToExport;
  /** Bytes of samples the frame carries (for MB/s). */
  readonly bytes: number;
}

/** What went by on the wire; all counts since `open()`. */
export interface DriverCounters {
  frames: number;
  /** Frames dropped whole for a wrong checksum (never saved). */
  crcErrors: number;
  /** Bytes skipped while resynchronising (garbage, false starts, unparsable replies). */
  garbageBytes: number;
  /** Times the decoder had to resynchronise or a reply could not be used. */
  badFrames: number;
  /** Frames decoded but thrown away because the consumer fell behind. */
  dropped: number;
  /** Frames the device counted but we never saw (gaps in its frame counter). */
  missed: number;
  /** Milliseconds spent decoding received bytes into frames (where the time goes). */
  decodeMs: number;
}

export function createCounters(): DriverCounters {
  return { frames: 0, crcErrors: 0, garbageBytes: 0, badFrames: 0, dropped: 0, missed: 0, decodeMs: 0 };
}

/**
 * A detector controller in the spirit of ophyd-async's: open (identify) → configure → start →
 * frames → stop → close. Drivers know nothing of HDF5 or gRPC; errors are DeviceErrors.
 */
export interface Driver<Settings extends object = object> {
  readonly name: DriverName;
  /** `sr830 on /dev/ttyUSB0`, for messages. */
  readonly device: string;
  readonly counters: Readonly<DriverCounters>;
  readonly settings: Readonly<Settings>;
  open(): Promise<DeviceIdentity>;
  configure(settings: Partial<Settings>): Promise<void>;
  /** The settings as PyMoDAQ's parameter-tree XML (the detector's `settings` attribute). */
  settingsXml(): string;
  start(): Promise<void>;
  /** The frames from `start()` until `stop()`; throws the DeviceError that ended them. */
  frames(): AsyncIterable<Frame>;
  stop(): Promise<void>;
  close(): Promise<void>;
}
