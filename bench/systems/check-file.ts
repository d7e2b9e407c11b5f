/**
 * Untimed check after a run of an h5saver system: the file really holds every frame, by reading
 * the rows of each EnlDataNN array under /RawData with the service's own h5wasm backend.
 */

import { type H5Backend, openH5wasmFile } from "../../service/src/index.ts";

/** Every EnlDataNN dataset under `group`, recursively. */
async function enlDatasets(backend: H5Backend, group: string): Promise<string[]> {
  const found: string[] = [];
  for (const child of await backend.children(group)) {
    const path = group === "/" ? `/${child.name}` : `${group}/${child.name}`;
    if (child.kind === "group") found.push(...(await enlDatasets(backend, path)));
    else if (/^EnlData\d+$/.test(child.name)) found.push(path);
  }
  return found;
}

/** Untimed: the file really holds `frames` rows in each of the `channels` arrays. */
export async function checkFile(path: string, frames: number, channels: number): Promise<void> {
  const backend = await openH5wasmFile(path, "read");
  try {
    const paths = await enlDatasets(backend, "/RawData");
    const rows = await Promise.all(paths.map(async (p) => (await backend.datasetInfo(p)).shape[0]));
    if (paths.length !== channels || rows.some((n) => n !== frames)) {
      throw new Error(
        `file check: expected ${channels} EnlData arrays of ${frames} rows, found ` +
          `${JSON.stringify(Object.fromEntries(paths.map((p, i) => [p, rows[i]])))}`,
      );
    }
  } finally {
    await backend.close();
  }
}
