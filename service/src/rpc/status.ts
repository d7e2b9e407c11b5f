/**
 * The one place where errors become gRPC statuses. Every handler of `saver-server.ts` passes what
 * it caught through `grpcStatus`; nothing else looks at error codes or messages.
 */
import { status } from "@grpc/grpc-js";
import { SaverError, type SaverErrorCode } from "../errors.ts";

const SAVER_STATUS: Readonly<Record<SaverErrorCode, status>> = {
  invalid_data: status.INVALID_ARGUMENT,
  frame_mismatch: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  out_of_range: status.OUT_OF_RANGE,
  // The server checks "create over an existing file" (ALREADY_EXISTS) and "append to a missing
  // file" (NOT_FOUND) itself before opening, so what reaches here is a folder that cannot be
  // written, a file locked by another process or not HDF5: the file, not the request, is the
  // problem — as the proto documents, UNAVAILABLE.
  file_unavailable: status.UNAVAILABLE,
  // HDF5 failed while writing: the stream that failed is stopped, so retrying the same call
  // cannot succeed (UNAVAILABLE would invite automatic retries). INTERNAL, as the proto says, but
  // with the message kept: it names the node and often the fix (e.g. blosc on incompressible
  // data). A full disk is told apart by the backend and arrives as resource_exhausted.
  io_error: status.INTERNAL,
  permission_denied: status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  internal: status.INTERNAL,
};

/** Said for bugs instead of their message, which may hold paths, stack details or internals. */
export const INTERNAL_MESSAGE = "internal error in the h5saver server; its log has the details";

export interface GrpcStatus {
  readonly code: status;
  readonly details: string;
}

/**
 * The status a client sees for `error`. `root` (the server's data root) is cut from messages, so
 * that clients see the paths they sent, relative to the root, and never the server's layout.
 */
export function grpcStatus(error: unknown, root?: string): GrpcStatus {
  if (error instanceof SaverError && error.code !== "internal") {
    return { code: SAVER_STATUS[error.code], details: capped(redact(error.message, root)) };
  }
  return { code: status.INTERNAL, details: INTERNAL_MESSAGE };
}

/**
 * Details travel percent-encoded in the HTTP/2 trailers, which peers cap at 8 KiB: a message that
 * quotes a long client string would be dropped with the whole connection. 1 KiB of UTF-8 stays
 * under the cap whatever it encodes to.
 */
export const MAX_DETAILS_BYTES = 1024;

function capped(details: string): string {
  if (Buffer.byteLength(details, "utf8") <= MAX_DETAILS_BYTES) return details;
  let cut = details.slice(0, MAX_DETAILS_BYTES);
  while (Buffer.byteLength(cut, "utf8") > MAX_DETAILS_BYTES - 20) cut = cut.slice(0, -16);
  return `${cut}… (message cut)`;
}

function redact(message: string, root: string | undefined): string {
  if (!root) return message;
  const prefix = root.endsWith("/") ? root : `${root}/`;
  return message.split(prefix).join("").split(root).join(".");
}
