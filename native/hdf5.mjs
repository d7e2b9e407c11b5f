// Loads native/build/h5saver_hdf5.node (native/build.sh: the HDF5 C library behind h5saver's
// native backend) when it was built; `hdf5Addon.reason` says why not otherwise.
import { loadAddon } from "./load-addon.mjs";

const { addon, reason, path } = loadAddon(
  "h5saver_hdf5.node",
  "install HDF5's headers — Debian: libhdf5-dev — and run bash native/build.sh",
);

export const hdf5Addon = Object.freeze({ available: addon !== undefined, reason, path });

/** The addon's functions (hdf5.d.mts: Hdf5Calls), or undefined when it is not available. */
export const hdf5 = addon;
