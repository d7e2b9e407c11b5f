import { SaverError } from "../errors.ts";

export type OpenMode = "create" | "truncate" | "append" | "read";

/** A file HDF5 could not open or create, saying why it may be (for either backend). */
export function unavailable(filePath: string, mode: OpenMode, cause: unknown): SaverError {
  if (cause !== undefined && diskFull(messageOf(cause))) return diskFullAtOpen(filePath, mode, cause);
  const why =
    mode === "create"
      ? "it exists already or its folder cannot be written"
      : mode === "read" || mode === "append"
        ? "it does not exist, is not an HDF5 file, or is locked"
        : "its folder does not exist or cannot be written";
  return new SaverError(
    "file_unavailable",
    `cannot open '${filePath}' (${mode}): ${why}`,
    {},
    cause === undefined ? undefined : { cause },
  );
}

/** A file whose opening (or making: its tree) met a full disk; nothing of the attempt is kept. */
export function diskFullAtOpen(filePath: string, mode: OpenMode, cause: unknown): SaverError {
  return new SaverError(
    "resource_exhausted",
    `the disk is full: cannot open '${filePath}' (${mode}): no space left on its device. Free space on that disk (or use another data root), then try again`,
    {},
    { cause },
  );
}

/**
 * An HDF5 call's failure as the SaverError a client gets: a full disk is resource_exhausted, a
 * filter that could not store a chunk says so, anything else is an io_error naming the node and
 * HDF5's innermost cause. A SaverError passes through.
 */
export function hdf5Failure(filePath: string, node: string, error: unknown): SaverError {
  if (error instanceof SaverError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const full = diskFull(message);
  if (full) {
    return new SaverError(
      "resource_exhausted",
      `the disk is full: writing '${filePath}' failed (${full}) — node '${node}'; frames acknowledged as durable stay in the file. Free space on that disk (or use another data root), then open the file again or a new one`,
      { node },
      { cause: error },
    );
  }
  const cause = innermostCause(message);
  const why = cause.includes("filter returned failure")
    ? "a compression filter could not store a chunk: blosc cannot shrink incompressible data, and h5wasm registers filters as mandatory, so the chunk is not written; use gzip (or no compression) for data like this"
    : `HDF5 failed (${cause})`;
  return new SaverError("io_error", `${why} — node '${node}'`, { node }, { cause: error });
}

/**
 * A file HDF5 opened but failed to read part of: damaged, or written by another program meanwhile
 * (a reader sees an HDF5 file consistently only as its writer's last flush left it).
 */
export function unreadable(filePath: string, error: unknown): SaverError {
  const node = error instanceof SaverError ? error.details.node : undefined;
  const stack = error instanceof SaverError && error.cause !== undefined ? error.cause : error;
  const where = node === undefined ? "" : ` node '${node}' of`;
  return new SaverError(
    "file_unavailable",
    `HDF5 could not read${where} '${filePath}' (${innermostCause(messageOf(stack))}): the file is damaged, or another program is writing it and has not flushed what it changed — read it again once the writer has flushed (this server flushes the files it writes before each read, but frames streaming meanwhile can still change them)`,
    node === undefined ? {} : { node },
    { cause: error },
  );
}

/** An HDF5 call's failure: the io_error a backend made of it, or HDF5's own error stack. */
export function isHdf5Failure(error: unknown): boolean {
  if (error instanceof SaverError) return error.code === "io_error";
  return /HDF5-DIAG|#\d+: .* in \w+\(\): /.test(messageOf(error));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * "No space left on device" (or a full quota) anywhere in an HDF5 error stack. HDF5's sec2 driver
 * reports a failed write(2) as `errno = N, error message = '…'`; the text is matched, not the
 * number: h5wasm runs HDF5 on Emscripten's NODERAWFS, which turns Node's ENOSPC into
 * Emscripten's own (WASI) number, 51 (EDQUOT is 19), where Linux gives 28.
 */
function diskFull(message: string): string | undefined {
  return /error message = '(No space left on device|Disk quota exceeded)'/.exec(message)?.[1];
}

/** The innermost cause of an HDF5 error stack (`#012: … in H5Z_pipeline(): filter returned failure`). */
function innermostCause(message: string): string {
  const last = [...message.matchAll(/#\d+: .* in (\w+)\(\): (.*)/g)].at(-1);
  if (last) return `${last[1]}: ${last[2]}`;
  return (
    message
      .split("\n")
      .find((line) => line.trim().length > 0)
      ?.trim() ?? message
  );
}

/** A new shape for a dataset must have its rank. */
export function checkRank(node: string, shape: readonly number[], rank: number): void {
  if (shape.length !== rank) {
    throw new SaverError(
      "io_error",
      `cannot resize '${node}' to [${shape.join(", ")}]: a shape of rank ${shape.length} for a dataset of rank ${rank}`,
      { node },
    );
  }
}

/**
 * The chunks of a writeChunkRows call (H5Backend): how many, and their bytes each — or an
 * internal error when `start` and `count` are not whole chunks of `rowsPerChunk` rows
 * (`chunksPerRow` to a row).
 */
export function wholeChunks(
  node: string,
  start: readonly number[],
  count: readonly number[],
  byteLength: number,
  rowsPerChunk: number,
  chunksPerRow: number,
): { readonly chunks: number; readonly chunkBytes: number } {
  const rows = count[0] ?? 1;
  const chunks = (rows / rowsPerChunk) * chunksPerRow;
  const chunkBytes = byteLength / chunks;
  if (
    !Number.isInteger(rows / rowsPerChunk) ||
    (start[0] ?? 0) % rowsPerChunk !== 0 ||
    (chunksPerRow > 1 && (rowsPerChunk !== 1 || (count[1] ?? 1) % chunksPerRow !== 0)) ||
    !Number.isInteger(chunkBytes)
  ) {
    throw new SaverError(
      "internal",
      `writeChunkRows(${node}) of rows ${start[0]}+${rows}: not whole chunks of ${rowsPerChunk} rows (${chunksPerRow} to a row)`,
    );
  }
  return { chunks, chunkBytes };
}
