/** Bundles h5saver's TypeScript sources from `entry` into one file; see bundle-sources.mjs. */
export function bundleSources(
  entry: string,
  options: { name: string; define?: Record<string, string> },
): Promise<URL>;
/** How long a bundle may go unused before building another one removes it. */
export const UNUSED_BUNDLE_MS: number;
/** Marks a bundle this process built as used, or writes it again (as built) if it was pruned. */
export function useBundle(url: URL): void;
