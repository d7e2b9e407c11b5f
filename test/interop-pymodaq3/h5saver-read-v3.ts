/**
 * Prints, as JSON `{file: {layout3, data, log}}`, what h5saver's 3.x reader (PyMoDAQ3Loader)
 * reads from PyMoDAQ 3.x files: every DataWithAxes (one per `Data` node) and the Logger lines.
 * Usage: node --import tsx test/interop-pymodaq3/h5saver-read-v3.ts FILE.h5...
 */
import { openH5wasmFile } from "../../service/src/backend/h5wasm-backend.ts";
import { isLayoutV3, PyMoDAQ3Loader } from "../../service/src/layout/v3/v3-loader.ts";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: h5saver-read-v3.ts FILE.h5...");
  process.exit(2);
}
const out: Record<string, unknown> = {};
for (const file of files) out[file] = await read(file);
console.log(JSON.stringify(out));

async function read(file: string): Promise<unknown> {
  const backend = await openH5wasmFile(file, "read");
  try {
    const loader = new PyMoDAQ3Loader(backend);
    const numbers = (a: ArrayLike<number | bigint>) => Array.from(a, Number);
    const data = (await loader.loadAll()).map(({ path, dwa }) => ({
      path,
      name: dwa.name,
      dim: dwa.dim,
      shape: dwa.shape,
      dtype: dwa.dtype,
      labels: dwa.labels,
      units: dwa.units,
      nav_indexes: dwa.navIndexes,
      data: numbers(dwa.data[0] ?? []),
      background: dwa.background ? numbers(dwa.background[0] ?? []) : null,
      axes: dwa.axes.map((a) => ({
        label: a.label,
        units: a.units,
        index: a.index,
        spread_order: a.spreadOrder,
        data: numbers(a.data),
      })),
    }));
    return { layout3: await isLayoutV3(backend), data, log: await loader.logLines() };
  } finally {
    await backend.close();
  }
}
