// h5wasm-plugins ships no types; this is the one function the backend calls.
declare module "h5wasm-plugins" {
  import type { ready } from "h5wasm/node";

  type H5Module = Awaited<typeof ready>;
  /** Adds the package's own plugin folder (blosc, lz4, zstd …) to HDF5's plugin search path. */
  export function install_local_plugins(module: H5Module): void;
}
