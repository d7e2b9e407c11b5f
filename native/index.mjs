// Loads native/build/h5saver_native.node (native/build.sh) when it was built; otherwise every
// function here is a no-op and `nativeAddon.reason` / `heapTrim.reason` say why, so h5saver runs
// the same without it.
import { loadAddon } from "./load-addon.mjs";

const loaded = loadAddon("h5saver_native.node", "run bash native/build.sh");
// H5SAVER_PAGE_CACHE=keep turns the page-cache calls off, H5SAVER_HEAP_TRIM=off the heap's trim
const pageCacheAddon = process.env.H5SAVER_PAGE_CACHE === "keep" ? undefined : loaded.addon;
const heapAddon = process.env.H5SAVER_HEAP_TRIM === "off" ? undefined : loaded.addon;

/** Whether the page-cache calls work, and if not why. */
export const nativeAddon = Object.freeze({
  available: pageCacheAddon !== undefined,
  reason:
    loaded.addon !== undefined && pageCacheAddon === undefined ? "H5SAVER_PAGE_CACHE=keep" : loaded.reason,
  path: loaded.path,
});

/** Whether trimHeap works, and if not why. */
export const heapTrim = Object.freeze({
  available: typeof heapAddon?.trimHeap === "function" && heapAddon.heapTrimWorks === true,
  reason: heapTrimReason(),
});

function heapTrimReason() {
  if (loaded.addon === undefined) return loaded.reason;
  if (heapAddon === undefined) return "H5SAVER_HEAP_TRIM=off";
  if (typeof heapAddon.trimHeap !== "function")
    return "the addon predates trimHeap: run bash native/build.sh";
  if (heapAddon.heapTrimWorks !== true) return "the C library is not glibc (malloc_trim is glibc's)";
  return undefined;
}

export const pageSize = loaded.addon?.pageSize ?? 4096;

export function dropPageCache(fd, offset = 0, length = 0) {
  if (pageCacheAddon === undefined) return false;
  pageCacheAddon.dropPageCache(fd, offset, length);
  return true;
}

export function dropPageCacheInBackground(fd, offset, length) {
  if (pageCacheAddon === undefined) return false;
  return pageCacheAddon.dropPageCacheInBackground(fd, offset, length);
}

export function trimHeap() {
  if (!heapTrim.available) return Promise.resolve(false);
  return heapAddon.trimHeap();
}
