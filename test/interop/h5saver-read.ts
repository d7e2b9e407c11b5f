/**
 * Reads a PyMoDAQ-layout file with h5saver's loader and prints it as JSON (the contract the
 * Python interop tests check): root attributes, one entry per DataWithAxes and the log.
 * `--backend native` reads it through the native HDF5 backend instead of h5wasm (which h5saver
 * reads files with).
 * Usage: node --import tsx test/interop/h5saver-read.ts FILE [--backend native|h5wasm]
 */
import {
  type DataWithAxes,
  openH5wasmFile,
  openNativeHdf5File,
  PyMoDAQLoader,
} from "../../service/src/index.ts";

const [file, flag, backendName = "h5wasm"] = process.argv.slice(2);
if (!file || (flag !== undefined && flag !== "--backend") || !["native", "h5wasm"].includes(backendName)) {
  console.error("usage: h5saver-read.ts FILE [--backend native|h5wasm]");
  process.exit(2);
}

const plain = (array: ArrayLike<number | bigint>): number[] => Array.from(array, Number);

function dwaJson(dwa: DataWithAxes) {
  return {
    name: dwa.name,
    source: dwa.source,
    dim: dwa.dim,
    distribution: dwa.distribution,
    units: dwa.units,
    origin: dwa.origin,
    labels: dwa.labels,
    dtype: dwa.dtype,
    shape: dwa.shape,
    arrays: dwa.data.map(plain),
    axes: dwa.axes.map((a) => ({
      label: a.label,
      units: a.units,
      index: a.index,
      spread_order: a.spreadOrder,
      data: plain(a.data),
    })),
    nav_indexes: dwa.navIndexes,
    timestamp: dwa.timestamp,
    extra_attributes: dwa.extraAttributes,
  };
}

const backend = await (backendName === "native" ? openNativeHdf5File : openH5wasmFile)(file, "read");
try {
  const loader = new PyMoDAQLoader(backend);
  const rootAttrs = await loader.attributes("/");
  const nodes = (await loader.loadAll()).map((loaded) => ({ path: loaded.path, dwa: dwaJson(loaded.dwa) }));
  const json = JSON.stringify(
    { file: { root_attrs: rootAttrs }, nodes, log: await loader.logLines() },
    (_, v) => (typeof v === "bigint" ? Number(v) : v instanceof Uint8Array ? new TextDecoder().decode(v) : v),
  );
  process.stdout.write(`${json}\n`);
} finally {
  await backend.close();
}
