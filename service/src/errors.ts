/**
 * The one error type of the writer. Every failure the service can report carries a code from a
 * closed set, the field it concerns and a message that says what to change. The gRPC edge maps
 * codes to status codes in one place; nothing else inspects messages.
 */
export const SAVER_ERROR_CODES = [
  /** A value does not fit the data model (shape, dtype, labels, axes, names). */
  "invalid_data",
  /** A frame's shape or dtype differs from what the node was created with. */
  "frame_mismatch",
  /** A node, detector, stream or scan that the call names does not exist. */
  "not_found",
  /** A node that the call would create exists already. */
  "already_exists",
  /** The call is valid but not now: file closed, scan ended, stream finished. */
  "failed_precondition",
  /** An index is outside the scan shape or a dataset's extent. */
  "out_of_range",
  /** The file cannot be created or opened where asked. */
  "file_unavailable",
  /** HDF5 failed while writing or reading: the disk, the library, the file. */
  "io_error",
  /** A path or session the caller may not use: outside its data root, or another token's. */
  "permission_denied",
  /** The call carries no valid credentials (a bearer token the server knows). */
  "unauthenticated",
  /** A configured limit is reached (open sessions, message size, queue length). */
  "resource_exhausted",
  /** The service cannot take the call now (shutting down); retry elsewhere or later. */
  "unavailable",
  /** A bug: an invariant of the writer did not hold. */
  "internal",
] as const;

export type SaverErrorCode = (typeof SAVER_ERROR_CODES)[number];

/**
 * Whether an error of this code says the call itself was wrong (its data, its names, its moment,
 * its rights) — the file is then as it was before the call — rather than the disk, HDF5, a limit
 * or a bug.
 */
export function isCallersError(code: SaverErrorCode): boolean {
  return !NOT_THE_CALLERS.has(code);
}

const NOT_THE_CALLERS: ReadonlySet<SaverErrorCode> = new Set([
  "file_unavailable",
  "io_error",
  "resource_exhausted",
  "unavailable",
  "internal",
]);

export interface SaverErrorDetails {
  /** The input field that is wrong, as a path: `data[1].axes[0].data`. */
  readonly field?: string;
  /** The HDF5 node the error concerns. */
  readonly node?: string;
}

export class SaverError extends Error {
  override readonly name = "SaverError";
  readonly code: SaverErrorCode;
  readonly details: SaverErrorDetails;

  constructor(
    code: SaverErrorCode,
    message: string,
    details: SaverErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** Wraps anything thrown into a SaverError, keeping SaverErrors as they are. */
  static from(error: unknown, code: SaverErrorCode = "internal"): SaverError {
    if (error instanceof SaverError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new SaverError(code, message, {}, { cause: error });
  }

  /** The plain form that crosses a worker boundary. */
  toJSON(): SerializedSaverError {
    return { code: this.code, message: this.message, details: { ...this.details } };
  }

  static fromJSON(value: SerializedSaverError): SaverError {
    const code = (SAVER_ERROR_CODES as readonly string[]).includes(value.code)
      ? (value.code as SaverErrorCode)
      : "internal";
    return new SaverError(code, value.message, value.details);
  }
}

export interface SerializedSaverError {
  readonly code: string;
  readonly message: string;
  readonly details: SaverErrorDetails;
}

export function invalidData(field: string, message: string): SaverError {
  return new SaverError("invalid_data", `${field}: ${message}`, { field });
}
