import { SaverError } from "../errors.ts";
import type { Compression, H5Backend } from "./h5-backend.ts";
import { openH5wasmFile } from "./h5wasm-backend.ts";
import type { OpenMode } from "./hdf5-failures.ts";
import { nativeHdf5, openNativeHdf5File } from "./native-hdf5-backend.ts";

export type BackendName = "native" | "h5wasm";

const BACKEND_NAMES: readonly BackendName[] = ["native", "h5wasm"];

/**
 * `H5SAVER_BACKEND`: "native" or "h5wasm" to choose, unset (or "auto") to let h5saver choose — see
 * backendFor. An unknown value is refused when a file is opened, naming the values it takes.
 */
function chosenBackend(): BackendName | "auto" {
  const value = process.env.H5SAVER_BACKEND ?? "auto";
  if (value === "auto" || (BACKEND_NAMES as readonly string[]).includes(value))
    return value as BackendName | "auto";
  throw new SaverError(
    "failed_precondition",
    `H5SAVER_BACKEND='${value}' is not a backend: use native, h5wasm or auto (the default)`,
  );
}

/**
 * Which backend writes a file: the native HDF5 library when its addon is built, for files h5saver
 * creates without blosc; h5wasm otherwise — blosc's filter plugin is h5wasm's, and files opened
 * to be added to or read stay with the backend every earlier version used. `H5SAVER_BACKEND`
 * overrides the choice (native where it cannot be: a clear error).
 */
export function backendFor(mode: OpenMode, compression: Compression): BackendName {
  const chosen = chosenBackend();
  if (chosen === "h5wasm") return "h5wasm";
  const fits = compression.kind !== "blosc-lz4";
  if (chosen === "native") {
    if (!nativeHdf5.available) {
      throw new SaverError(
        "failed_precondition",
        `H5SAVER_BACKEND=native, but the native HDF5 backend is not available: ${nativeHdf5.reason}`,
      );
    }
    if (!fits) {
      throw new SaverError(
        "failed_precondition",
        "H5SAVER_BACKEND=native cannot write blosc-lz4 (its filter plugin is h5wasm's): use gzip, no compression, or H5SAVER_BACKEND=auto",
      );
    }
    return "native";
  }
  return nativeHdf5.available && fits && (mode === "create" || mode === "truncate") ? "native" : "h5wasm";
}

/** Opens (or creates) an HDF5 file to write, with the backend backendFor chooses. */
export function openH5File(
  filePath: string,
  mode: OpenMode,
  compression: Compression = { kind: "none" },
): Promise<H5Backend> {
  return backendFor(mode, compression) === "native"
    ? openNativeHdf5File(filePath, mode)
    : openH5wasmFile(filePath, mode);
}

/**
 * For a log event: which backend writes the files h5saver creates (without blosc, with
 * H5SAVER_BACKEND as it is), and why not the native one when it is not.
 */
export function backendLogFields(): { hdf5: "native" } | { hdf5: "h5wasm"; hdf5_why: string } {
  const chosen = newFilesBackend();
  if (chosen.backend === "native") return { hdf5: "native" };
  return { hdf5: "h5wasm", hdf5_why: chosen.why };
}

/**
 * The backend of the files h5saver creates (without blosc, with H5SAVER_BACKEND as it is), and
 * why not the native one when it is not (an H5SAVER_BACKEND it cannot honour included).
 */
export function newFilesBackend(): { backend: "native" } | { backend: "h5wasm"; why: string } {
  try {
    if (backendFor("create", { kind: "none" }) === "native") return { backend: "native" };
  } catch (error) {
    return { backend: "h5wasm", why: error instanceof Error ? error.message : String(error) };
  }
  return {
    backend: "h5wasm",
    why: nativeHdf5.available ? "H5SAVER_BACKEND=h5wasm" : (nativeHdf5.reason ?? "unknown"),
  };
}
