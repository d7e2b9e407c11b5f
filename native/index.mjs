// Loads native/build/h5saver_native.node (native/build.sh) when it was built; otherwise every
// function here is a no-op and `nativeAddon.reason` says why, so h5saver runs the same without it.
import { fileURLToPath } from "node:url";
import { loadAddon } from "./load-addon.mjs";

const loaded =
  process.env.H5SAVER_PAGE_CACHE === "keep"
    ? {
        addon: undefined,
        reason: "H5SAVER_PAGE_CACHE=keep",
        path: fileURLToPath(new URL("./build/h5saver_native.node", import.meta.url)),
      }
    : loadAddon("h5saver_native.node", "run bash native/build.sh");
const { addon, reason } = loaded;

export const nativeAddon = Object.freeze({ available: addon !== undefined, reason, path: loaded.path });

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
