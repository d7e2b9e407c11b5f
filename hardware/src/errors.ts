/**
 * The one error type of the hardware layer. Every failure a transport, decoder or driver reports
 * carries a code from a closed set and, where known, the device and the last command sent, so a
 * message can say which instrument stopped answering what.
 */
export const DEVICE_ERROR_CODES = [
  /** The device did not answer a command, or sent nothing, within the allowed time. */
  "timeout",
  /** A frame arrived whole but its checksum does not match: dropped, never saved. */
  "crc_mismatch",
  /** Bytes that do not form a frame of the protocol (bad marker, impossible length, bad sync byte). */
  "bad_frame",
  /** The port went away (unplugged, simulator killed) or was closed while in use. */
  "disconnected",
  /** The device answered, but not what the protocol says it should (unparsable reply, wrong identity). */
  "protocol",
  /** The port, driver or simulator named does not exist. */
  "not_found",
  /** The port is held by another process (exclusive lock). */
  "busy",
  /** The user may not open the port (Linux: not in group dialout). */
  "permission_denied",
  /** A setting or option is invalid. */
  "invalid_config",
  /** The saver stopped taking frames (gRPC failure) while the local buffer was full. */
  "saver_unavailable",
  /** A bug: an invariant of the hardware layer did not hold. */
  "internal",
] as const;

export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number];

export interface DeviceErrorDetails {
  /** The device, as `driver on path` (e.g. `sr830 on /dev/ttyUSB0`). */
  readonly device?: string;
  /** The last command sent to the device before the failure. */
  readonly command?: string;
}

export class DeviceError extends Error {
  override readonly name = "DeviceError";
  readonly code: DeviceErrorCode;
  readonly details: DeviceErrorDetails;

  constructor(
    code: DeviceErrorCode,
    message: string,
    details: DeviceErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** Wraps anything thrown into a DeviceError, keeping DeviceErrors as they are. */
  static from(error: unknown, code: DeviceErrorCode = "internal"): DeviceError {
    if (error instanceof DeviceError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new DeviceError(code, message, {}, { cause: error });
  }
}

export function isDeviceError(error: unknown, code?: DeviceErrorCode): error is DeviceError {
  return error instanceof DeviceError && (code === undefined || error.code === code);
}
