// Loads an addon of native/build/ when it was built: { addon, reason } — reason says why not
// (missing, or a load error), and the caller runs without it.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * @param {string} fileName the addon's file in native/build/
 * @param {string} missing what to do when it is not there
 */
export function loadAddon(fileName, missing) {
  const path = fileURLToPath(new URL(`./build/${fileName}`, import.meta.url));
  if (!existsSync(path)) {
    return { addon: undefined, reason: `not built (${path} is missing: ${missing})`, path };
  }
  try {
    return { addon: createRequire(import.meta.url)(path), reason: undefined, path };
  } catch (error) {
    return {
      addon: undefined,
      reason: `${path} does not load: ${error instanceof Error ? error.message : String(error)}`,
      path,
    };
  }
}
