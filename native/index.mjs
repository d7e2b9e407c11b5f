// Loads native/build/h5saver_native.node (native/build.sh) when it was built; otherwise every
// function here is a no-op and `nativeAddon.reason` says why, so h5saver runs the same without it.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const addonPath = fileURLToPath(new URL("./build/h5saver_native.node", import.meta.url));

function load() {
  if (process.env.H5SAVER_PAGE_CACHE === "keep") {
    return { addon: undefined, reason: "H5SAVER_PAGE_CACHE=keep" };
  }
  if (!existsSync(addonPath)) {
    return { addon: undefined, reason: `not built (${addonPath} is missing: run bash native/build.sh)` };
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

export const nativeAddon = Object.freeze({ available: addon !== undefined, reason, path: addonPath });

export const pageSize = addon?.pageSize ?? 4096;

export function dropPageCache(fd, offset = 0, length = 0) {
  if (addon === undefined) return false;
  addon.dropPageCache(fd, offset, length);
  return true;
}

export function dropPageCacheInBackground(fd, offset, length) {
  if (addon === undefined) return false;
  return addon.dropPageCacheInBackground(fd, offset, length);
}
