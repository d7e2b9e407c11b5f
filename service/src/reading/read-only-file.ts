/**
 * Opens an HDF5 file read-only with h5wasm in this thread for the length of one task, and closes
 * it whatever happens. Used by `h5saver inspect/read` and by the Browse/ReadDataset RPCs.
 */
import { existsSync, statSync } from "node:fs";
import type { H5Backend } from "../backend/h5-backend.ts";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { isHdf5Failure, unreadable } from "../backend/hdf5-failures.ts";
import { SaverError } from "../errors.ts";

/** `shownAs` is how errors name the file (the client's relative path, not the server's). */
export async function withReadOnlyFile<T>(
  file: string,
  run: (backend: H5Backend) => Promise<T>,
  shownAs: string = file,
): Promise<T> {
  if (!existsSync(file)) throw new SaverError("not_found", `no such file: '${shownAs}'`);
  if (!statSync(file).isFile()) throw new SaverError("file_unavailable", `'${shownAs}' is not a file`);
  let backend: H5Backend;
  try {
    backend = await openH5wasmFile(file, "read");
  } catch (error) {
    throw new SaverError(
      "file_unavailable",
      `'${shownAs}' cannot be opened as an HDF5 file`,
      {},
      { cause: error },
    );
  }
  try {
    return await run(backend);
  } catch (error) {
    // HDF5 failing to read is the file's; the caller's mistakes (a node that is not there …) and
    // bugs stay as they are
    throw isHdf5Failure(error) ? unreadable(shownAs, error) : error;
  } finally {
    await backend.close();
  }
}

/** Whether `node` is a group (false for a dataset); a group HDF5 cannot list fails as such. */
export async function isGroup(backend: H5Backend, node: string): Promise<boolean> {
  try {
    await backend.children(node);
    return true;
  } catch (error) {
    if (error instanceof SaverError && error.code === "failed_precondition") return false;
    throw error;
  }
}
