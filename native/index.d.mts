/**
 * Whether the page-cache calls work, and if not why (the addon not built, a load error, or
 * H5SAVER_PAGE_CACHE=keep).
 */
export declare const nativeAddon: {
  readonly available: boolean;
  readonly reason: string | undefined;
  readonly path: string;
};

/** The size of the kernel's pages (4096 without the addon). */
export declare const pageSize: number;

/**
 * Drops the cached pages of the file open as `fd` from `offset` on, `length` bytes (0: to its
 * end): clean pages go at once, dirty ones are queued for writeback and stay. False, doing
 * nothing, when the addon is not available; throws (with `errno`) when the kernel refuses.
 */
export declare function dropPageCache(fd: number, offset?: number, length?: number): boolean;

/**
 * The same in one of libuv's threads (starting the writeback of dirty pages costs the thread that
 * asks ~0.25 ms per MB), on a duplicate of `fd`: it may be closed at once. Never waits for the
 * writeback, and a failure is not reported. False, doing nothing, without the addon, when `fd` is
 * not open, or when 64 drops are waiting already.
 */
export declare function dropPageCacheInBackground(fd: number, offset: number, length: number): boolean;

/**
 * Whether trimHeap works, and if not why (the addon not built, a load error, one built before
 * trimHeap, a C library other than glibc, or H5SAVER_HEAP_TRIM=off).
 */
export declare const heapTrim: { readonly available: boolean; readonly reason: string | undefined };

/**
 * Gives the memory free in the C library's heaps back to the kernel (glibc's malloc_trim), in one
 * of libuv's threads. Resolves to true when some was given back; false when none was, where the
 * C library is not glibc, or without the addon. It takes the heaps' locks one at a time (~15 ms
 * in all for 100 MB free): threads allocating meanwhile may wait.
 */
export declare function trimHeap(): Promise<boolean>;
