import { mkdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { after } from "node:test";
import { type LoadedData, openH5wasmFile, PyMoDAQLoader } from "@h5saver/service";
import { createSaverServer, type SaverServer } from "@h5saver/service/rpc/saver-server";
import { tempDir } from "../../../service/src/testing/temp-dir.ts";

/**
 * A real saver on 127.0.0.1 (any free port) over a fresh data root, stopped after the test file.
 * Call it at the top level of a test file (node:test runs `after` hooks of a `before` at once).
 */
export async function startSaver(): Promise<{ server: SaverServer; address: string; root: string }> {
  const root = path.join(realpathSync(tempDir("h5saver-hardware-")), "root");
  mkdirSync(root);
  const server = createSaverServer({ root });
  const port = await server.listen(0, "127.0.0.1");
  after(() => server.close());
  return { server, address: `127.0.0.1:${port}`, root };
}

/** Every DataWithAxes of a file, as PyMoDAQ's loader would see them. */
export async function loadFile(file: string): Promise<LoadedData[]> {
  const backend = await openH5wasmFile(file, "read");
  try {
    return await new PyMoDAQLoader(backend).loadAll();
  } finally {
    await backend.close();
  }
}

export function find(loaded: readonly LoadedData[], name: string): LoadedData {
  const hit = loaded.find((l) => l.dwa.name === name);
  if (!hit)
    throw new Error(`no '${name}' in the file: ${loaded.map((l) => `${l.path} ${l.dwa.name}`).join(", ")}`);
  return hit;
}
