// Loads native/build/h5saver_hdf5.node (native/build.sh: the HDF5 C library behind h5saver's
// native backend) when it was built; `hdf5Addon.reason` says why not otherwise.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const addonPath = fileURLToPath(new URL("./build/h5saver_hdf5.node", import.meta.url));

function load() {
  if (!existsSync(addonPath)) {
    return {
      addon: undefined,
      reason: `not built (${addonPath} is missing: install HDF5's headers — Debian: libhdf5-dev — and run bash native/build.sh)`,
    };
  }
  try {
    return { addon: createRequire(import.meta.url)(addonPath), reason: undefined };
  } catch (error) {
    return {
      addon: undefined,
      reason: `${addonPath} does not load: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

const { addon, reason } = load();

export const hdf5Addon = Object.freeze({ available: addon !== undefined, reason, path: addonPath });

/** The addon's functions (index.d.mts: Hdf5Calls), or undefined when it is not available. */
export const hdf5 = addon;
