/*
 * @h5saver/native: the operating-system calls h5saver needs that Node does not offer.
 *
 * dropPageCache(fd[, offset, length]) asks the kernel to drop the file's cached pages
 * (posix_fadvise POSIX_FADV_DONTNEED; offset 0 and length 0: the whole file). Clean pages go at
 * once; dirty ones are only queued for writeback. dropPageCacheInBackground(fd, offset, length)
 * does the same in one of libuv's threads, on a duplicate of the descriptor (the caller may close
 * it meanwhile); pageSize is the pages' size in bytes. h5saver
 * (service/src/files/page-cache.ts) drops the pages of what it wrote once they are on the disk,
 * so that a long stream recycles a few megabytes of page cache instead of growing it by every
 * byte it writes.
 *
 * trimHeap() gives the memory free in the C library's heaps back to the kernel (glibc's
 * malloc_trim: its heaps shrink only from their top by themselves, so memory freed below a block
 * still in use stays with the process), in one of libuv's threads; its promise resolves to false
 * where the C library is not glibc.
 * service/src/files/heap-trim.ts calls it when files close.
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value throw_errno(napi_env env, int code, const char *call) {
  char message[160];
  snprintf(message, sizeof message, "%s failed: %s (errno %d)", call, strerror(code), code);
  napi_value error_message, error, errno_value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &error_message);
  napi_create_error(env, NULL, error_message, &error);
  napi_create_int32(env, code, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
  return NULL;
}

static int integer_arg(napi_env env, napi_value value, int64_t *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) return 0;
  double number;
  napi_get_value_double(env, value, &number);
  /* in range before the cast (NaN fails both comparisons), whole after it */
  if (!(number >= 0 && number <= 9007199254740991.0)) return 0;
  if (number != (double)(int64_t)number) return 0;
  *out = (int64_t)number;
  return 1;
}

/* fd, offset and length from the call's arguments (offset and length may be left out when
 * `required` is 1); 0 after throwing a TypeError that shows `usage` */
static int range_args(napi_env env, napi_callback_info info, size_t required, const char *usage,
                      int *fd, int64_t *offset, int64_t *length) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t descriptor = -1;
  *offset = 0;
  *length = 0;
  if (argc < required || !integer_arg(env, argv[0], &descriptor) || descriptor > 0x7fffffff ||
      (argc > 1 && !integer_arg(env, argv[1], offset)) ||
      (argc > 2 && !integer_arg(env, argv[2], length))) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  *fd = (int)descriptor;
  return 1;
}

static napi_value drop_page_cache(napi_env env, napi_callback_info info) {
  int fd;
  int64_t offset, length;
  if (!range_args(env, info, 1, "dropPageCache(fd, offset?, length?) takes non-negative integers",
                  &fd, &offset, &length)) {
    return NULL;
  }
  int code = posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
  if (code != 0) return throw_errno(env, code, "posix_fadvise(POSIX_FADV_DONTNEED)");
  return NULL;
}

/* dropPageCacheInBackground(fd, offset, length): the same in one of libuv's threads, for a caller
 * that would otherwise start the writeback of dirty pages itself (~0.25 ms per MB). The thread
 * works on a duplicate of the descriptor, so that the caller may close its own at once: a closed
 * descriptor, or the same number reused by another file meanwhile, would miss the range or drop
 * another file's pages. It never waits for the writeback (sync_file_range would, but waiting
 * marks a writeback error as seen: a descriptor opened later to sync the file would not hear of
 * it) and never reports an error: fadvise only drops clean pages and starts writebacks, a hint
 * about a cache, whose failure loses nothing. At most MAX_IN_FLIGHT drops wait at once (each holds
 * a descriptor); beyond, a drop is skipped and the call returns false. */
#define MAX_IN_FLIGHT 64

typedef struct {
  napi_async_work work;
  int fd;
  int64_t offset, length;
  int done;
} BackgroundDrop;

static atomic_int in_flight = 0;

static void background_drop_execute(napi_env env, void *data) {
  (void)env;
  BackgroundDrop *drop = data;
  (void)posix_fadvise(drop->fd, (off_t)drop->offset, (off_t)drop->length, POSIX_FADV_DONTNEED);
  close(drop->fd);
  drop->done = 1;
}

static void forget_drop(napi_env env, BackgroundDrop *drop) {
  if (!drop->done) close(drop->fd); /* cancelled, or never queued */
  if (drop->work != NULL) napi_delete_async_work(env, drop->work);
  free(drop);
  atomic_fetch_sub(&in_flight, 1);
}

static void background_drop_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  forget_drop(env, data);
}

static napi_value drop_page_cache_in_background(napi_env env, napi_callback_info info) {
  int fd;
  int64_t offset, length;
  if (!range_args(env, info, 3,
                  "dropPageCacheInBackground(fd, offset, length) takes non-negative integers", &fd,
                  &offset, &length)) {
    return NULL;
  }
  napi_value queued;
  if (atomic_fetch_add(&in_flight, 1) >= MAX_IN_FLIGHT) {
    atomic_fetch_sub(&in_flight, 1);
    napi_get_boolean(env, false, &queued);
    return queued;
  }
  BackgroundDrop *drop = calloc(1, sizeof *drop);
  if (drop == NULL) {
    atomic_fetch_sub(&in_flight, 1);
    return throw_errno(env, ENOMEM, "dropPageCacheInBackground");
  }
  drop->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (drop->fd < 0) {
    /* not an open descriptor, or none left: nothing to drop */
    free(drop);
    atomic_fetch_sub(&in_flight, 1);
    napi_get_boolean(env, false, &queued);
    return queued;
  }
  drop->offset = offset;
  drop->length = length;
  napi_value name;
  if (napi_create_string_utf8(env, "h5saver.dropPageCache", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, background_drop_execute, background_drop_complete,
                             drop, &drop->work) != napi_ok ||
      napi_queue_async_work(env, drop->work) != napi_ok) {
    forget_drop(env, drop);
    return throw_errno(env, EAGAIN, "dropPageCacheInBackground (queueing the work)");
  }
  napi_get_boolean(env, true, &queued);
  return queued;
}

/* trimHeap(): malloc_trim in one of libuv's threads, resolving to whether memory went back. Trimming
 * madvises every free page of every heap (~15 ms for 100 MB here), which the event loop need not
 * wait for; it takes each heap's lock in turn, so a thread allocating meanwhile may wait a little. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int released;
} HeapTrim;

static void heap_trim_execute(napi_env env, void *data) {
  (void)env;
  HeapTrim *trim = data;
#if defined(__GLIBC__)
  trim->released = malloc_trim(0) == 1;
#else
  trim->released = 0;
#endif
}

static void heap_trim_complete(napi_env env, napi_status status, void *data) {
  HeapTrim *trim = data;
  napi_value released;
  napi_get_boolean(env, status == napi_ok && trim->released, &released);
  napi_resolve_deferred(env, trim->deferred, released);
  napi_delete_async_work(env, trim->work);
  free(trim);
}

static napi_value trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
  HeapTrim *trim = calloc(1, sizeof *trim);
  if (trim == NULL) return throw_errno(env, ENOMEM, "trimHeap");
  napi_value promise, name;
  if (napi_create_promise(env, &trim->deferred, &promise) != napi_ok) {
    free(trim);
    return throw_errno(env, EAGAIN, "trimHeap (creating its promise)");
  }
  if (napi_create_string_utf8(env, "h5saver.trimHeap", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, heap_trim_execute, heap_trim_complete, trim,
                             &trim->work) != napi_ok ||
      napi_queue_async_work(env, trim->work) != napi_ok) {
    /* nothing trimmed: the promise still settles */
    napi_value released;
    napi_get_boolean(env, false, &released);
    napi_resolve_deferred(env, trim->deferred, released);
    if (trim->work != NULL) napi_delete_async_work(env, trim->work);
    free(trim);
  }
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value function, page_size;
  napi_create_function(env, "dropPageCache", NAPI_AUTO_LENGTH, drop_page_cache, NULL, &function);
  napi_set_named_property(env, exports, "dropPageCache", function);
  napi_create_function(env, "dropPageCacheInBackground", NAPI_AUTO_LENGTH,
                       drop_page_cache_in_background, NULL, &function);
  napi_set_named_property(env, exports, "dropPageCacheInBackground", function);
  napi_create_function(env, "trimHeap", NAPI_AUTO_LENGTH, trim_heap, NULL, &function);
  napi_set_named_property(env, exports, "trimHeap", function);
  napi_value glibc;
#if defined(__GLIBC__)
  napi_get_boolean(env, true, &glibc);
#else
  napi_get_boolean(env, false, &glibc);
#endif
  /* trimHeap gives memory back with glibc only (malloc_trim is glibc's) */
  napi_set_named_property(env, exports, "heapTrimWorks", glibc);
  /* the kernel drops a page the range only partly covers when the range reaches the file's end:
   * callers that must keep such a page round their ranges to it */
  napi_create_int64(env, (int64_t)sysconf(_SC_PAGESIZE), &page_size);
  napi_set_named_property(env, exports, "pageSize", page_size);
  return exports;
}
