/** Bundles h5saver's TypeScript sources from `entry` into one file; see bundle-sources.mjs. */
export function bundleSources(
  entry: string,
  options: { name: string; define?: Record<string, string> },
): Promise<URL>;
