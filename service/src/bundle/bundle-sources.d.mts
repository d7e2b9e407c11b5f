/** Bundles h5saver's TypeScript sources from `entry` into one file; see bundle-sources.mjs. */
export function bundleSources(
  entry: string,
  options: { name: string; define?: Record<string, string> },
): Promise<URL>;
/** How long a bundle may go unused before building another one removes it. */
export const UNUSED_BUNDLE_MS: number;
/** Marks a bundle as in use (its time stamp), so that pruning keeps it. */
export function markUsed(file: string): void;
/** Writes the bundle at `url` again (from this process's copy) if another h5saver removed it. */
export function restoreBundle(url: URL): void;
