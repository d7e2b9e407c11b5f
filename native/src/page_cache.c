/*
 * @h5saver/native: the one operating-system call h5saver needs that Node does not offer.
 *
 * dropPageCache(fd[, offset, length]) asks the kernel to drop the file's cached pages
 * (posix_fadvise POSIX_FADV_DONTNEED; offset 0 and length 0: the whole file). Clean pages go at
 * once; dirty ones are only queued for writeback. dropPageCacheInBackground(fd, offset, length,
 * waitForWriteback?) does the same in one of libuv's threads, on a duplicate of the descriptor
 * (the caller may close it meanwhile), after waiting for the range's writeback when asked;
 * pageSize is the pages' size in bytes. h5saver
 * (service/src/files/page-cache.ts) drops the pages of what it wrote once they are on the disk,
 * so that a long stream recycles a few megabytes of page cache instead of growing it by every
 * byte it writes.
 */
#define _GNU_SOURCE /* sync_file_range (Linux); elsewhere the addon drops without waiting */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* fd, offset and length from the call's first three arguments (offset and length may be left out
 * when `required` is 1); 0 after throwing a TypeError that shows `usage`. `rest`, when not NULL,
 * receives the fourth argument (undefined when there is none). */
static int range_args(napi_env env, napi_callback_info info, size_t required, const char *usage,
                      int *fd, int64_t *offset, int64_t *length, napi_value *rest) {
  size_t argc = 4;
  napi_value argv[4];
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
  if (rest != NULL) {
    if (argc > 3) *rest = argv[3];
    else napi_get_undefined(env, rest);
  }
  return 1;
}

static napi_value drop_page_cache(napi_env env, napi_callback_info info) {
  int fd;
  int64_t offset, length;
  if (!range_args(env, info, 1, "dropPageCache(fd, offset?, length?) takes non-negative integers",
                  &fd, &offset, &length, NULL)) {
    return NULL;
  }
  int code = posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
  if (code != 0) return throw_errno(env, code, "posix_fadvise(POSIX_FADV_DONTNEED)");
  return NULL;
}

/* dropPageCacheInBackground(fd, offset, length, waitForWriteback?): the same in one of libuv's
 * threads, for a caller that would otherwise start the writeback of dirty pages itself (~0.25 ms
 * per MB). The thread works on a duplicate of the descriptor, so that the caller may close its own
 * at once: a closed descriptor, or the same number reused by another file meanwhile, would miss
 * the range or drop another file's pages. With waitForWriteback the thread first waits until the
 * range's dirty pages are written back (Linux's sync_file_range; no metadata, so not a sync):
 * fadvise drops only clean pages, and a range whose writeback a previous drop only started would
 * otherwise stay cached. Errors are not reported: a hint about a cache, whose failure loses
 * nothing. */
typedef struct {
  napi_async_work work;
  int fd;
  int64_t offset, length;
  int wait_for_writeback;
} BackgroundDrop;

static void background_drop_execute(napi_env env, void *data) {
  (void)env;
  BackgroundDrop *drop = data;
#ifdef SYNC_FILE_RANGE_WAIT_AFTER
  if (drop->wait_for_writeback) {
    (void)sync_file_range(drop->fd, (off_t)drop->offset, (off_t)drop->length,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER);
  }
#endif
  (void)posix_fadvise(drop->fd, (off_t)drop->offset, (off_t)drop->length, POSIX_FADV_DONTNEED);
  close(drop->fd);
}

static void background_drop_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  BackgroundDrop *drop = data;
  napi_delete_async_work(env, drop->work);
  free(drop);
}

static napi_value drop_page_cache_in_background(napi_env env, napi_callback_info info) {
  int fd;
  int64_t offset, length;
  napi_value wait;
  if (!range_args(env, info, 3,
                  "dropPageCacheInBackground(fd, offset, length, waitForWriteback?) takes "
                  "non-negative integers (and a boolean)",
                  &fd, &offset, &length, &wait)) {
    return NULL;
  }
  bool wait_for_writeback = false;
  napi_valuetype wait_type;
  napi_typeof(env, wait, &wait_type);
  if (wait_type == napi_boolean) napi_get_value_bool(env, wait, &wait_for_writeback);
  else if (wait_type != napi_undefined) {
    napi_throw_type_error(env, NULL, "dropPageCacheInBackground: waitForWriteback is a boolean");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return NULL; /* not an open descriptor (or none left): nothing to drop */
  BackgroundDrop *drop = calloc(1, sizeof *drop);
  if (drop == NULL) {
    close(copy);
    return throw_errno(env, ENOMEM, "dropPageCacheInBackground");
  }
  drop->fd = copy;
  drop->offset = offset;
  drop->length = length;
  drop->wait_for_writeback = wait_for_writeback;
  napi_value name;
  napi_create_string_utf8(env, "h5saver.dropPageCache", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, background_drop_execute, background_drop_complete, drop,
                         &drop->work);
  napi_queue_async_work(env, drop->work);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value function, page_size;
  napi_create_function(env, "dropPageCache", NAPI_AUTO_LENGTH, drop_page_cache, NULL, &function);
  napi_set_named_property(env, exports, "dropPageCache", function);
  napi_create_function(env, "dropPageCacheInBackground", NAPI_AUTO_LENGTH,
                       drop_page_cache_in_background, NULL, &function);
  napi_set_named_property(env, exports, "dropPageCacheInBackground", function);
  /* the kernel drops a page the range only partly covers when the range reaches the file's end:
   * callers that must keep such a page round their ranges to it */
  napi_create_int64(env, (int64_t)sysconf(_SC_PAGESIZE), &page_size);
  napi_set_named_property(env, exports, "pageSize", page_size);
  return exports;
}
