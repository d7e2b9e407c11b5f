/*
 * @h5saver/native, HDF5 part: the calls service/src/backend/native-hdf5-backend.ts makes of the
 * HDF5 C library (Debian's libhdf5, built thread-safe: each worker thread calls it on its own
 * files, the library serialises the calls). Its reason to exist is writeChunks: whole chunks go
 * to the file from the caller's memory with H5Dwrite_chunk (deflated here first when the
 * dataset's only filter is deflate), and H5Dget_chunk_info_by_coord says where each one lies —
 * the crash journal points at them instead of copying them.
 *
 * Ids (files, groups, datasets) cross to JavaScript as BigInts. A failing HDF5 call throws an
 * Error whose message is the call's error stack, innermost cause last, in H5Eprint's format
 * ("#003: H5FDsec2.c line 850 in H5FD_sec2_write(): file write failed: …"), and whose `code` is
 * "HDF5"; an argument of the wrong kind throws a TypeError.
 */
#define NAPI_VERSION 8
#define _DEFAULT_SOURCE /* sysconf(_SC_NPROCESSORS_ONLN) */
/* the 1.10 API (H5O_info_t, H5Oget_info_by_name2) whichever HDF5 the headers are */
#define H5_USE_110_API
#include <fcntl.h>
#include <hdf5.h>
#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#ifndef H5_HAVE_THREADSAFE
/* worker threads call HDF5 at once, each on its own file: a library without its lock would crash */
#error "HDF5 is not built thread-safe (H5_HAVE_THREADSAFE): h5saver writes through h5wasm instead"
#endif

#define MAX_RANK 32
#define MESSAGE_BYTES 8192

/* ---------------------------------------------------------------- errors */

struct message {
  char text[MESSAGE_BYTES];
  size_t used;
};

static void append(struct message *m, const char *format, const char *a, unsigned line,
                   const char *b, const char *c, unsigned n) {
  if (m->used >= sizeof m->text - 1) return;
  int wrote = snprintf(m->text + m->used, sizeof m->text - m->used, format, n, a, line, b, c);
  if (wrote > 0) m->used += (size_t)wrote < sizeof m->text - m->used ? (size_t)wrote : sizeof m->text - m->used - 1;
}

static herr_t walk_error(unsigned n, const H5E_error2_t *error, void *data) {
  append(data, "  #%03u: %s line %u in %s(): %s\n", error->file_name ? error->file_name : "?",
         error->line, error->func_name ? error->func_name : "?", error->desc ? error->desc : "", n);
  return 0;
}

/* Throws an Error for the failed `call` with HDF5's error stack of this thread; returns NULL. */
static napi_value throw_hdf5(napi_env env, const char *call, const char *path) {
  struct message m = {.used = 0};
  m.used = (size_t)snprintf(m.text, sizeof m.text, "%s failed for '%s'\n", call, path ? path : "");
  if (m.used >= sizeof m.text) m.used = sizeof m.text - 1;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_error, &m);
  H5Eclear2(H5E_DEFAULT);
  napi_value code, text, error;
  napi_create_string_utf8(env, "HDF5", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, m.text, m.used, &text);
  napi_create_error(env, code, text, &error);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *usage) {
  napi_throw_type_error(env, NULL, usage);
  return NULL;
}

/* HDF5 prints every error stack to stderr unless told not to, per thread in a thread-safe build. */
static _Thread_local int silenced = 0;

static void silence(void) {
  if (silenced) return;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  silenced = 1;
}

/* ---------------------------------------------------------------- arguments */

static napi_value *arguments(napi_env env, napi_callback_info info, size_t *count, napi_value *argv) {
  napi_get_cb_info(env, info, count, argv, NULL, NULL);
  silence();
  return argv;
}

static int get_hid(napi_env env, napi_value value, hid_t *out) {
  int64_t id;
  bool lossless;
  if (napi_get_value_bigint_int64(env, value, &id, &lossless) != napi_ok || !lossless) return 0;
  *out = (hid_t)id;
  return 1;
}

static int get_int(napi_env env, napi_value value, int64_t *out) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) return 0;
  if (!(number >= -9007199254740991.0 && number <= 9007199254740991.0)) return 0;
  if (number != (double)(int64_t)number) return 0;
  *out = (int64_t)number;
  return 1;
}

static int get_bool(napi_env env, napi_value value, bool *out) {
  return napi_get_value_bool(env, value, out) == napi_ok;
}

/* A UTF-8 copy of a string argument (free it); NULL when it is not a string. */
static char *get_string(napi_env env, napi_value value, size_t *length) {
  size_t bytes;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &bytes) != napi_ok) return NULL;
  char *text = malloc(bytes + 1);
  if (text == NULL) return NULL;
  napi_get_value_string_utf8(env, value, text, bytes + 1, &bytes);
  if (length) *length = bytes;
  return text;
}

/* An array of non-negative integers (null or -1: H5S_UNLIMITED) as dimensions; its length, or -1. */
static int get_dims(napi_env env, napi_value value, hsize_t *dims) {
  bool is_array;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array) return -1;
  uint32_t length;
  napi_get_array_length(env, value, &length);
  if (length > MAX_RANK) return -1;
  for (uint32_t i = 0; i < length; i++) {
    napi_value element;
    napi_valuetype type;
    napi_get_element(env, value, i, &element);
    napi_typeof(env, element, &type);
    int64_t number;
    if (type == napi_null) {
      dims[i] = H5S_UNLIMITED;
    } else if (get_int(env, element, &number) && number >= -1) {
      dims[i] = number == -1 ? H5S_UNLIMITED : (hsize_t)number;
    } else {
      return -1;
    }
  }
  return (int)length;
}

struct typed {
  void *data;
  size_t bytes;
  hid_t memory_type;
};

static int get_typed(napi_env env, napi_value value, struct typed *out) {
  bool is_typed;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  size_t length;
  napi_get_typedarray_info(env, value, &type, &length, &out->data, NULL, NULL);
  switch (type) {
    case napi_int8_array: out->memory_type = H5T_NATIVE_INT8; out->bytes = length; break;
    case napi_uint8_array:
    case napi_uint8_clamped_array: out->memory_type = H5T_NATIVE_UINT8; out->bytes = length; break;
    case napi_int16_array: out->memory_type = H5T_NATIVE_INT16; out->bytes = length * 2; break;
    case napi_uint16_array: out->memory_type = H5T_NATIVE_UINT16; out->bytes = length * 2; break;
    case napi_int32_array: out->memory_type = H5T_NATIVE_INT32; out->bytes = length * 4; break;
    case napi_uint32_array: out->memory_type = H5T_NATIVE_UINT32; out->bytes = length * 4; break;
    case napi_float32_array: out->memory_type = H5T_NATIVE_FLOAT; out->bytes = length * 4; break;
    case napi_float64_array: out->memory_type = H5T_NATIVE_DOUBLE; out->bytes = length * 8; break;
    case napi_bigint64_array: out->memory_type = H5T_NATIVE_INT64; out->bytes = length * 8; break;
    case napi_biguint64_array: out->memory_type = H5T_NATIVE_UINT64; out->bytes = length * 8; break;
    default: return 0;
  }
  return 1;
}

static napi_value make_hid(napi_env env, hid_t id) {
  napi_value value;
  napi_create_bigint_int64(env, (int64_t)id, &value);
  return value;
}

static napi_value make_number(napi_env env, double number) {
  napi_value value;
  napi_create_double(env, number, &value);
  return value;
}

static napi_value make_dims(napi_env env, const hsize_t *dims, int rank, int unlimited_as_null) {
  napi_value array;
  napi_create_array_with_length(env, (size_t)rank, &array);
  for (int i = 0; i < rank; i++) {
    napi_value element;
    if (unlimited_as_null && dims[i] == H5S_UNLIMITED) napi_get_null(env, &element);
    else element = make_number(env, (double)dims[i]);
    napi_set_element(env, array, (uint32_t)i, element);
  }
  return array;
}

static napi_value undefined_value(napi_env env) {
  napi_value value;
  napi_get_undefined(env, &value);
  return value;
}

/* ---------------------------------------------------------------- files */

/* open(path, mode): mode 0 create (fails if it exists), 1 truncate, 2 read-write, 3 read-only. */
static napi_value open_file(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  arguments(env, info, &argc, argv);
  int64_t mode;
  char *path = argc == 2 && get_int(env, argv[1], &mode) && mode >= 0 && mode <= 3 ? get_string(env, argv[0], NULL) : NULL;
  if (path == NULL) return throw_type(env, "open(path: string, mode: 0 | 1 | 2 | 3)");
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  /* the bounds h5saver's h5wasm backend uses (why: h5wasm-backend.ts, LIBVER) */
  H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V110);
  /* closing the file closes what is open in it (the backend keeps datasets open) */
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
  /* no flock: readers (h5py, PyMoDAQ) open files while they are written, as with h5wasm */
  H5Pset_file_locking(fapl, 0, 1);
  hid_t file;
  if (mode <= 1) file = H5Fcreate(path, mode == 0 ? H5F_ACC_EXCL : H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  else file = H5Fopen(path, mode == 2 ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
  /* the error stack first: any later HDF5 call (H5Pclose) clears it */
  napi_value result = file < 0 ? throw_hdf5(env, mode <= 1 ? "H5Fcreate" : "H5Fopen", path) : make_hid(env, file);
  H5Pclose(fapl);
  free(path);
  return result;
}

static napi_value id_call(napi_env env, napi_callback_info info, const char *usage, hid_t *id) {
  size_t argc = 1;
  napi_value argv[1];
  arguments(env, info, &argc, argv);
  if (argc < 1 || !get_hid(env, argv[0], id)) return throw_type(env, usage);
  return argv[0];
}

/*
 * closeFile(file). The file is flushed first: when that fails (a full disk, an I/O error), HDF5
 * could not close it either — its close would fail half-way, keep the descriptor (and the disk
 * busy) for good, and crash the process at its exit, where HDF5 closes what is left. The
 * descriptor is then pointed at /dev/null and the file closed: HDF5's last writes go nowhere,
 * and the file holds what the last successful flush put in it.
 */
static napi_value close_file(napi_env env, napi_callback_info info) {
  hid_t file;
  if (id_call(env, info, "closeFile(file: bigint)", &file) == NULL) return NULL;
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0) {
    if (H5Fclose(file) < 0) return throw_hdf5(env, "H5Fclose", NULL);
    return undefined_value(env);
  }
  napi_value error = throw_hdf5(env, "H5Fflush (closing the file)", NULL);
  void *handle = NULL;
  int fd = H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle != NULL ? *(int *)handle : -1;
  int nowhere = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd >= 0 && nowhere >= 0 && dup2(nowhere, fd) >= 0) H5Fclose(file);
  H5Eclear2(H5E_DEFAULT);
  if (nowhere >= 0) close(nowhere);
  return error;
}

static napi_value flush_file(napi_env env, napi_callback_info info) {
  hid_t file;
  if (id_call(env, info, "flush(file: bigint)", &file) == NULL) return NULL;
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) return throw_hdf5(env, "H5Fflush", NULL);
  return undefined_value(env);
}

/* The file's descriptor (the sec2 driver's): its writes are pwrites on it. */
static napi_value file_descriptor(napi_env env, napi_callback_info info) {
  hid_t file;
  if (id_call(env, info, "fileDescriptor(file: bigint)", &file) == NULL) return NULL;
  void *handle = NULL;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == NULL) {
    return throw_hdf5(env, "H5Fget_vfd_handle", NULL);
  }
  return make_number(env, (double)*(int *)handle);
}

/* ---------------------------------------------------------------- nodes */

/* openNode(file, path): [id, "group" | "dataset" | "other"], or null when there is no such node. */
static napi_value open_node(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  arguments(env, info, &argc, argv);
  hid_t file;
  char *path = argc == 2 && get_hid(env, argv[0], &file) ? get_string(env, argv[1], NULL) : NULL;
  if (path == NULL) return throw_type(env, "openNode(file: bigint, path: string)");
  hid_t node = H5Oopen(file, path, H5P_DEFAULT);
  free(path);
  napi_value result;
  if (node < 0) {
    H5Eclear2(H5E_DEFAULT);
    napi_get_null(env, &result);
    return result;
  }
  H5I_type_t type = H5Iget_type(node);
  const char *kind = type == H5I_GROUP ? "group" : type == H5I_DATASET ? "dataset" : "other";
  napi_value kind_value;
  napi_create_string_utf8(env, kind, NAPI_AUTO_LENGTH, &kind_value);
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, make_hid(env, node));
  napi_set_element(env, result, 1, kind_value);
  return result;
}

static napi_value close_node(napi_env env, napi_callback_info info) {
  hid_t node;
  if (id_call(env, info, "closeNode(node: bigint)", &node) == NULL) return NULL;
  if (H5Oclose(node) < 0) return throw_hdf5(env, "H5Oclose", NULL);
  return undefined_value(env);
}

static napi_value create_group(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  arguments(env, info, &argc, argv);
  hid_t file;
  char *path = argc == 2 && get_hid(env, argv[0], &file) ? get_string(env, argv[1], NULL) : NULL;
  if (path == NULL) return throw_type(env, "createGroup(file: bigint, path: string)");
  hid_t group = H5Gcreate2(file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  napi_value result = group < 0 ? throw_hdf5(env, "H5Gcreate2", path) : undefined_value(env);
  if (group >= 0) H5Gclose(group);
  free(path);
  return result;
}

struct child_list {
  napi_env env;
  napi_value array;
  uint32_t count;
};

static herr_t list_child(hid_t group, const char *name, const H5L_info_t *link, void *data) {
  (void)link;
  struct child_list *list = data;
  H5O_info_t object;
  const char *kind = "other";
  if (H5Oget_info_by_name2(group, name, &object, H5O_INFO_BASIC, H5P_DEFAULT) >= 0) {
    kind = object.type == H5O_TYPE_GROUP ? "group" : object.type == H5O_TYPE_DATASET ? "dataset" : "other";
  } else {
    H5Eclear2(H5E_DEFAULT); /* a dangling soft or external link: listed as "other" */
  }
  napi_value entry, name_value, kind_value;
  napi_create_array_with_length(list->env, 2, &entry);
  napi_create_string_utf8(list->env, name, NAPI_AUTO_LENGTH, &name_value);
  napi_create_string_utf8(list->env, kind, NAPI_AUTO_LENGTH, &kind_value);
  napi_set_element(list->env, entry, 0, name_value);
  napi_set_element(list->env, entry, 1, kind_value);
  napi_set_element(list->env, list->array, list->count++, entry);
  return 0;
}

/* children(group): [[name, kind], …] in name order. */
static napi_value children(napi_env env, napi_callback_info info) {
  hid_t group;
  if (id_call(env, info, "children(group: bigint)", &group) == NULL) return NULL;
  struct child_list list = {.env = env, .count = 0};
  napi_create_array(env, &list.array);
  hsize_t index = 0;
  if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, list_child, &list) < 0) {
    return throw_hdf5(env, "H5Literate", NULL);
  }
  return list.array;
}

/* ---------------------------------------------------------------- datasets */

/* Storage types by the code native-hdf5-backend.ts passes (DType order; bool is one byte 0/1). */
static hid_t storage_type(int64_t code) {
  switch (code) {
    case 0: return H5T_STD_I8LE;
    case 1: return H5T_STD_U8LE;
    case 2: return H5T_STD_I16LE;
    case 3: return H5T_STD_U16LE;
    case 4: return H5T_STD_I32LE;
    case 5: return H5T_STD_U32LE;
    case 6: return H5T_STD_I64LE;
    case 7: return H5T_STD_U64LE;
    case 8: return H5T_IEEE_F32LE;
    case 9: return H5T_IEEE_F64LE;
    case 10: return H5T_STD_U8LE;
    default: return -1;
  }
}

/*
 * createDataset(file, path, typeCode, shape, maxShape, chunks, gzipLevel, data?): gzipLevel -1
 * for no filter. With data (a typed array of every value), they are written at once.
 */
static napi_value create_dataset(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  arguments(env, info, &argc, argv);
  hid_t file;
  int64_t code, level;
  hsize_t shape[MAX_RANK], max_shape[MAX_RANK], chunks[MAX_RANK];
  int rank = -1, max_rank = -1, chunk_rank = -1;
  struct typed data = {0};
  char *path = NULL;
  if (argc >= 7 && get_hid(env, argv[0], &file) && get_int(env, argv[2], &code) && storage_type(code) >= 0 &&
      (rank = get_dims(env, argv[3], shape)) >= 0 && (max_rank = get_dims(env, argv[4], max_shape)) == rank &&
      (chunk_rank = get_dims(env, argv[5], chunks)) == rank && get_int(env, argv[6], &level) && level >= -1 &&
      level <= 9 && (argc < 8 || get_typed(env, argv[7], &data))) {
    path = get_string(env, argv[1], NULL);
  }
  if (path == NULL) {
    return throw_type(env,
                      "createDataset(file, path, typeCode, shape, maxShape, chunks, gzipLevel, data?)");
  }
  if (data.data != NULL) {
    hsize_t values = 1;
    for (int i = 0; i < rank; i++) values *= shape[i];
    if (values * H5Tget_size(data.memory_type) != data.bytes) {
      free(path);
      /* HDF5 would read product(shape) values from the array, past its end */
      return throw_type(env, "createDataset: the data does not match number of elements in the shape");
    }
  }
  hid_t space = H5Screate_simple(rank, shape, max_shape);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  herr_t status = rank > 0 ? H5Pset_chunk(dcpl, rank, chunks) : 0;
  if (status >= 0 && level >= 0) status = H5Pset_deflate(dcpl, (unsigned)level);
  hid_t dataset = status < 0 || space < 0 ? -1
                  : H5Dcreate2(file, path, storage_type(code), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  napi_value result = undefined_value(env);
  if (dataset < 0) {
    result = throw_hdf5(env, "H5Dcreate2", path);
  } else if (data.data != NULL && H5Dwrite(dataset, data.memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data) < 0) {
    result = throw_hdf5(env, "H5Dwrite", path);
  }
  if (dataset >= 0) H5Dclose(dataset);
  H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  free(path);
  return result;
}

/* A fixed-length, NUL-terminated ASCII string type of `width` bytes (as h5wasm's "A<width>"). */
static hid_t ascii_type(size_t width) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, width);
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  H5Tset_cset(type, H5T_CSET_ASCII);
  return type;
}

/* createStringDataset(file, path, width, chunkRows): 1-D, empty, enlargeable. */
static napi_value create_string_dataset(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  arguments(env, info, &argc, argv);
  hid_t file;
  int64_t width, chunk_rows;
  char *path = argc == 4 && get_hid(env, argv[0], &file) && get_int(env, argv[2], &width) && width > 0 &&
                       get_int(env, argv[3], &chunk_rows) && chunk_rows > 0
                   ? get_string(env, argv[1], NULL)
                   : NULL;
  if (path == NULL) return throw_type(env, "createStringDataset(file, path, width, chunkRows)");
  hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = (hsize_t)chunk_rows;
  hid_t space = H5Screate_simple(1, &zero, &unlimited);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, &chunk);
  hid_t type = ascii_type((size_t)width);
  hid_t dataset = H5Dcreate2(file, path, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  napi_value result = dataset < 0 ? throw_hdf5(env, "H5Dcreate2", path) : undefined_value(env);
  if (dataset >= 0) H5Dclose(dataset);
  H5Tclose(type);
  H5Pclose(dcpl);
  H5Sclose(space);
  free(path);
  return result;
}

static int dataset_shape(hid_t dataset, hsize_t *dims, hsize_t *max_dims) {
  hid_t space = H5Dget_space(dataset);
  if (space < 0) return -1;
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank >= 0 && rank <= MAX_RANK) H5Sget_simple_extent_dims(space, dims, max_dims);
  H5Sclose(space);
  return rank > MAX_RANK ? -1 : rank;
}

/* appendStrings(dataset, rows): each row's UTF-8 bytes, cut to the dataset's width, NUL-padded. */
static napi_value append_strings(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  arguments(env, info, &argc, argv);
  hid_t dataset;
  bool is_array = false;
  if (argc < 2 || !get_hid(env, argv[0], &dataset) || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    return throw_type(env, "appendStrings(dataset: bigint, rows: string[])");
  }
  uint32_t rows;
  napi_get_array_length(env, argv[1], &rows);
  if (rows == 0) return undefined_value(env);
  hid_t type = H5Dget_type(dataset);
  size_t width = type >= 0 ? H5Tget_size(type) : 0;
  hsize_t dims[MAX_RANK];
  if (type < 0 || width == 0 || dataset_shape(dataset, dims, NULL) != 1) {
    napi_value error = throw_hdf5(env, "appendStrings: H5Dget_type", NULL);
    if (type >= 0) H5Tclose(type);
    return error;
  }
  if (H5Tis_variable_str(type) > 0) {
    /* h5saver's string datasets are fixed-width; padded bytes are not char pointers */
    H5Tclose(type);
    return throw_type(env, "appendStrings: the dataset holds variable-length strings, which h5saver does not append to");
  }
  char *buffer = calloc(rows, width);
  for (uint32_t i = 0; buffer != NULL && i < rows; i++) {
    napi_value row;
    size_t length;
    napi_get_element(env, argv[1], i, &row);
    char *text = get_string(env, row, &length);
    if (text == NULL) {
      free(buffer);
      H5Tclose(type);
      return throw_type(env, "appendStrings(dataset: bigint, rows: string[])");
    }
    memcpy(buffer + (size_t)i * width, text, length < width ? length : width);
    free(text);
  }
  hsize_t start = dims[0], count = rows, extent = dims[0] + rows;
  napi_value result = undefined_value(env);
  if (buffer == NULL) {
    napi_throw_error(env, NULL, "appendStrings: out of memory");
    result = NULL;
  } else if (H5Dset_extent(dataset, &extent) < 0) {
    result = throw_hdf5(env, "H5Dset_extent", NULL);
  } else {
    hid_t file_space = H5Dget_space(dataset);
    hid_t memory_space = H5Screate_simple(1, &count, NULL);
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, NULL, &count, NULL);
    if (H5Dwrite(dataset, type, memory_space, file_space, H5P_DEFAULT, buffer) < 0) {
      result = throw_hdf5(env, "H5Dwrite", NULL);
    }
    H5Sclose(memory_space);
    H5Sclose(file_space);
  }
  free(buffer);
  H5Tclose(type);
  return result;
}

static napi_value resize(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  arguments(env, info, &argc, argv);
  hid_t dataset;
  hsize_t shape[MAX_RANK];
  int rank = -1;
  if (argc < 2 || !get_hid(env, argv[0], &dataset) || (rank = get_dims(env, argv[1], shape)) < 0) {
    return throw_type(env, "resize(dataset: bigint, shape: number[])");
  }
  hsize_t dims[MAX_RANK];
  if (dataset_shape(dataset, dims, NULL) != rank) {
    return throw_type(env, "resize: the shape's rank is not the dataset's");
  }
  if (H5Dset_extent(dataset, shape) < 0) return throw_hdf5(env, "H5Dset_extent", NULL);
  return undefined_value(env);
}

/* A file space with the hyperslab start/count selected (count's product must be `values`). */
static hid_t select_slab(hid_t dataset, int rank, const hsize_t *start, const hsize_t *count) {
  hid_t space = H5Dget_space(dataset);
  if (space < 0) return -1;
  if (H5Sget_simple_extent_ndims(space) != rank ||
      H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0) {
    H5Sclose(space);
    return -1;
  }
  return space;
}

/* writeSlice(dataset, start, count, data): data holds product(count) values, row-major. */
static napi_value write_slice(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  arguments(env, info, &argc, argv);
  hid_t dataset;
  hsize_t start[MAX_RANK], count[MAX_RANK];
  struct typed data;
  int rank = -1;
  if (argc < 4 || !get_hid(env, argv[0], &dataset) || (rank = get_dims(env, argv[1], start)) < 0 ||
      get_dims(env, argv[2], count) != rank || !get_typed(env, argv[3], &data)) {
    return throw_type(env, "writeSlice(dataset: bigint, start: number[], count: number[], data: TypedArray)");
  }
  hsize_t values = 1;
  for (int i = 0; i < rank; i++) values *= count[i];
  if (values * H5Tget_size(data.memory_type) != data.bytes) {
    return throw_type(env, "writeSlice: the array does not hold product(count) values");
  }
  hid_t file_space = select_slab(dataset, rank, start, count);
  if (file_space < 0) return throw_hdf5(env, "writeSlice: H5Sselect_hyperslab", NULL);
  hid_t memory_space = H5Screate_simple(1, &values, NULL);
  herr_t status = H5Dwrite(dataset, data.memory_type, memory_space, file_space, H5P_DEFAULT, data.data);
  napi_value result = status < 0 ? throw_hdf5(env, "H5Dwrite", NULL) : undefined_value(env);
  H5Sclose(memory_space);
  H5Sclose(file_space);
  return result;
}

/*
 * chunkStorage(dataset): how H5Dwrite_chunk may store its chunks — -1 as they are (no filter),
 * 0…9 deflated at that level (deflate alone), -2 otherwise (another filter, not chunked, or a
 * type whose bytes are not a little-endian machine's: H5Dwrite_chunk stores bytes as given).
 */
static napi_value chunk_storage(napi_env env, napi_callback_info info) {
  hid_t dataset;
  if (id_call(env, info, "chunkStorage(dataset: bigint)", &dataset) == NULL) return NULL;
  hid_t dcpl = H5Dget_create_plist(dataset);
  if (dcpl < 0) return throw_hdf5(env, "H5Dget_create_plist", NULL);
  hid_t type = H5Dget_type(dataset);
  H5T_class_t type_class = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  H5T_order_t order = type >= 0 ? H5Tget_order(type) : H5T_ORDER_ERROR;
  if (type >= 0) H5Tclose(type);
  H5Eclear2(H5E_DEFAULT);
  int storage = -2;
  if ((type_class == H5T_INTEGER || type_class == H5T_FLOAT) && (order == H5T_ORDER_LE || order == H5T_ORDER_NONE) &&
      H5Pget_layout(dcpl) == H5D_CHUNKED) {
    int filters = H5Pget_nfilters(dcpl);
    if (filters == 0) {
      storage = -1;
    } else if (filters == 1) {
      unsigned flags, values[8];
      size_t count = 8;
      H5Z_filter_t filter = H5Pget_filter2(dcpl, 0, &flags, &count, values, 0, NULL, NULL);
      if (filter == H5Z_FILTER_DEFLATE) storage = count > 0 ? (int)values[0] : 6;
    }
  }
  H5Pclose(dcpl);
  return make_number(env, storage);
}

/* Chunks deflated side by side: each thread takes the next chunk not taken yet. */
struct deflation {
  const unsigned char *source;
  size_t chunk_bytes;
  int level;
  size_t chunks;
  unsigned char *out;
  size_t bound;
  size_t *lengths;
  uint32_t *crcs;
  atomic_size_t next;
  atomic_int failed;
};

static void *deflate_some(void *argument) {
  struct deflation *work = argument;
  for (size_t k; (k = atomic_fetch_add(&work->next, 1)) < work->chunks;) {
    unsigned char *out = work->out + k * work->bound;
    uLongf length = (uLongf)work->bound;
    if (compress2(out, &length, work->source + k * work->chunk_bytes, (uLong)work->chunk_bytes, work->level) != Z_OK) {
      atomic_store(&work->failed, 1);
      continue;
    }
    work->lengths[k] = length;
    if (work->crcs) work->crcs[k] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), out, (uInt)length);
  }
  return NULL;
}

/*
 * Deflates every chunk (zlib streams, as HDF5's deflate filter writes them) with up to one
 * thread per core, the calling one included: deflate at ~30 MB/s per core is what bounds gzip
 * saving, while HDF5's own filter runs in the one thread that calls it. 0 when zlib failed.
 */
static int deflate_chunks(struct deflation *work) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t helpers = work->chunks - 1;
  if (cores > 0 && helpers > (size_t)cores - 1) helpers = (size_t)cores - 1;
  if (helpers > 15) helpers = 15;
  pthread_t threads[15];
  size_t started = 0;
  while (started < helpers && pthread_create(&threads[started], NULL, deflate_some, work) == 0) started++;
  deflate_some(work);
  for (size_t i = 0; i < started; i++) pthread_join(threads[i], NULL);
  return !atomic_load(&work->failed);
}

/*
 * writeChunks(dataset, offsets, data, chunkBytes, level, locate): data holds chunks of chunkBytes
 * bytes each, in the dataset's storage type; offsets (rank numbers per chunk, flat) says where
 * each one starts in the dataset. Writes each with H5Dwrite_chunk (all deflated at `level` first,
 * side by side, when level is 0…9; -1: stored as they are) and returns { places, crcs }: each
 * chunk's place in the file (-1 when HDF5 does not tell) and stored size, in pairs, and (with
 * locate, for deflated chunks) the CRC-32 of its stored bytes, computed beside the deflating;
 * crcs is undefined otherwise. Chunks stored as they are are the caller's own bytes, which it
 * checksums faster than this zlib does (Debian's 1.2.13: ~0.4 s per GB here).
 */
static napi_value write_chunks(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  arguments(env, info, &argc, argv);
  hid_t dataset;
  struct typed data;
  int64_t chunk_bytes, level;
  bool locate, is_array = false;
  if (argc < 6 || !get_hid(env, argv[0], &dataset) || napi_is_array(env, argv[1], &is_array) != napi_ok ||
      !is_array || !get_typed(env, argv[2], &data) || !get_int(env, argv[3], &chunk_bytes) || chunk_bytes <= 0 ||
      !get_int(env, argv[4], &level) || level < -1 || level > 9 || !get_bool(env, argv[5], &locate) ||
      data.bytes % (size_t)chunk_bytes != 0) {
    return throw_type(env, "writeChunks(dataset, offsets: number[], data, chunkBytes, level, locate: boolean)");
  }
  size_t chunks = data.bytes / (size_t)chunk_bytes;
  hsize_t dims[MAX_RANK];
  int rank = dataset_shape(dataset, dims, NULL);
  uint32_t offset_count;
  napi_get_array_length(env, argv[1], &offset_count);
  if (rank <= 0 || offset_count != chunks * (size_t)rank) {
    return throw_type(env, "writeChunks: offsets must hold the dataset's rank of numbers for each chunk");
  }
  /* H5Dwrite_chunk takes the bytes as they are: they must be whole chunks of the dataset's own type */
  hsize_t chunk_dims[MAX_RANK];
  hid_t dcpl = H5Dget_create_plist(dataset);
  int chunk_rank = dcpl >= 0 ? H5Pget_chunk(dcpl, MAX_RANK, chunk_dims) : -1;
  if (dcpl >= 0) H5Pclose(dcpl);
  hid_t file_type = H5Dget_type(dataset);
  int same_type = file_type >= 0 && H5Tget_class(file_type) == H5Tget_class(data.memory_type) &&
                  H5Tget_size(file_type) == H5Tget_size(data.memory_type) &&
                  (H5Tget_class(file_type) != H5T_INTEGER || H5Tget_sign(file_type) == H5Tget_sign(data.memory_type));
  size_t element_bytes = file_type >= 0 ? H5Tget_size(file_type) : 0;
  if (file_type >= 0) H5Tclose(file_type);
  H5Eclear2(H5E_DEFAULT);
  hsize_t chunk_values = 1;
  for (int i = 0; i < chunk_rank; i++) chunk_values *= chunk_dims[i];
  if (chunk_rank != rank || !same_type || chunk_values * element_bytes != (hsize_t)chunk_bytes) {
    return throw_type(env, "writeChunks: the data are not whole chunks of the dataset's type and chunk shape");
  }
  hsize_t *offsets = malloc(sizeof(hsize_t) * offset_count);
  double *places = malloc(sizeof(double) * chunks * 2);
  int deflating = level >= 0;
  uint32_t *crcs = locate && deflating ? malloc(sizeof(uint32_t) * chunks) : NULL;
  uLong bound = deflating ? compressBound((uLong)chunk_bytes) : 0;
  unsigned char *deflated = deflating ? malloc(chunks * (size_t)bound) : NULL;
  size_t *lengths = deflating ? malloc(chunks * sizeof(size_t)) : NULL;
  napi_value result = NULL;
  if (offsets == NULL || places == NULL || (locate && deflating && crcs == NULL) || (deflating && (deflated == NULL || lengths == NULL))) {
    napi_throw_error(env, NULL, "writeChunks: out of memory");
    goto done;
  }
  for (uint32_t i = 0; i < offset_count; i++) {
    napi_value element;
    int64_t number;
    napi_get_element(env, argv[1], i, &element);
    if (!get_int(env, element, &number) || number < 0) {
      throw_type(env, "writeChunks: offsets must be non-negative integers");
      goto done;
    }
    offsets[i] = (hsize_t)number;
    /* HDF5 checks only that a chunk starts inside the dataset: it must lie in it whole, on the chunk grid */
    int d = (int)(i % (uint32_t)rank);
    if (offsets[i] % chunk_dims[d] != 0 || offsets[i] + chunk_dims[d] > dims[d]) {
      throw_type(env, "writeChunks: a chunk does not lie whole inside the dataset, on its chunk grid");
      goto done;
    }
  }
  if (deflating) {
    struct deflation work = {
        .source = data.data, .chunk_bytes = (size_t)chunk_bytes, .level = (int)level, .chunks = chunks,
        .out = deflated, .bound = bound, .lengths = lengths, .crcs = crcs,
    };
    atomic_init(&work.next, 0);
    atomic_init(&work.failed, 0);
    if (!deflate_chunks(&work)) {
      napi_throw_error(env, NULL, "writeChunks: zlib could not deflate a chunk");
      goto done;
    }
  }
  for (size_t k = 0; k < chunks; k++) {
    const unsigned char *stored = (const unsigned char *)data.data + k * (size_t)chunk_bytes;
    size_t stored_bytes = (size_t)chunk_bytes;
    if (deflating) {
      stored = deflated + k * (size_t)bound;
      stored_bytes = lengths[k];
    }
    const hsize_t *offset = offsets + k * (size_t)rank;
    if (H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset, stored_bytes, stored) < 0) {
      throw_hdf5(env, "H5Dwrite_chunk", NULL);
      goto done;
    }
    unsigned mask;
    haddr_t address;
    hsize_t size;
    if (H5Dget_chunk_info_by_coord(dataset, offset, &mask, &address, &size) < 0 || size != stored_bytes) {
      H5Eclear2(H5E_DEFAULT);
      places[2 * k] = -1;
    } else {
      places[2 * k] = (double)address;
    }
    places[2 * k + 1] = (double)stored_bytes;
  }
  {
    napi_value object, place_array, crc_array;
    napi_create_object(env, &object);
    void *place_data, *crc_data;
    napi_value place_buffer, crc_buffer;
    napi_create_arraybuffer(env, chunks * 2 * sizeof(double), &place_data, &place_buffer);
    memcpy(place_data, places, chunks * 2 * sizeof(double));
    napi_create_typedarray(env, napi_float64_array, chunks * 2, place_buffer, 0, &place_array);
    napi_set_named_property(env, object, "places", place_array);
    if (crcs) {
      napi_create_arraybuffer(env, chunks * sizeof(uint32_t), &crc_data, &crc_buffer);
      memcpy(crc_data, crcs, chunks * sizeof(uint32_t));
      napi_create_typedarray(env, napi_uint32_array, chunks, crc_buffer, 0, &crc_array);
      napi_set_named_property(env, object, "crcs", crc_array);
    }
    result = object;
  }
done:
  free(offsets);
  free(places);
  free(crcs);
  free(deflated);
  free(lengths);
  return result;
}

/* ---------------------------------------------------------------- attributes */

/* setAttribute(node, name, kind, value): kind 0 ascii, 1 utf8, 2 int32, 3 float64; replaces one of that name. */
static napi_value set_attribute(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  arguments(env, info, &argc, argv);
  hid_t node;
  int64_t kind;
  char *name = argc == 4 && get_hid(env, argv[0], &node) && get_int(env, argv[2], &kind) && kind >= 0 && kind <= 3
                   ? get_string(env, argv[1], NULL)
                   : NULL;
  if (name == NULL) return throw_type(env, "setAttribute(node, name, kind: 0 | 1 | 2 | 3, value)");
  size_t length = 0;
  char *text = NULL;
  double number = 0;
  int64_t integer = 0;
  int ok = kind <= 1 ? (text = get_string(env, argv[3], &length)) != NULL
           : kind == 2 ? get_int(env, argv[3], &integer) && integer >= INT32_MIN && integer <= INT32_MAX
                       : napi_get_value_double(env, argv[3], &number) == napi_ok;
  if (!ok) {
    free(name);
    return throw_type(env, "setAttribute: a string value for ascii/utf8, an int32 or a number");
  }
  napi_value result = undefined_value(env);
  htri_t exists = H5Aexists(node, name);
  if (exists < 0 || (exists > 0 && H5Adelete(node, name) < 0)) {
    result = throw_hdf5(env, "H5Adelete", name);
  } else {
    hid_t type = kind == 0 ? ascii_type(length > 0 ? length : 1)
                 : kind == 1 ? H5Tcopy(H5T_C_S1)
                 : kind == 2 ? H5Tcopy(H5T_STD_I32LE)
                             : H5Tcopy(H5T_IEEE_F64LE);
    if (kind == 1) {
      H5Tset_size(type, H5T_VARIABLE);
      H5Tset_cset(type, H5T_CSET_UTF8);
      /* as h5wasm stores them (the padding of a variable-length string is not read by anyone) */
      H5Tset_strpad(type, H5T_STR_SPACEPAD);
    }
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attribute = H5Acreate2(node, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int32_t value32 = (int32_t)integer;
    char padded[1] = {0};
    const void *value = kind == 0 ? (length > 0 ? (const void *)text : (const void *)padded)
                        : kind == 1 ? (const void *)&text
                        : kind == 2 ? (const void *)&value32
                                    : (const void *)&number;
    if (attribute < 0) {
      result = throw_hdf5(env, "H5Acreate2", name);
    } else {
      hid_t memory_type = kind == 2 ? H5T_NATIVE_INT32 : kind == 3 ? H5T_NATIVE_DOUBLE : type;
      if (H5Awrite(attribute, memory_type, value) < 0) result = throw_hdf5(env, "H5Awrite", name);
      H5Aclose(attribute);
    }
    H5Sclose(space);
    H5Tclose(type);
  }
  free(text);
  free(name);
  return result;
}

/* A fixed-length string's text, without its padding (NULs, or spaces for SPACEPAD). */
static napi_value fixed_string(napi_env env, const char *bytes, size_t width, H5T_str_t pad) {
  size_t length = 0;
  while (length < width && bytes[length] != '\0') length++;
  if (pad == H5T_STR_SPACEPAD) while (length > 0 && bytes[length - 1] == ' ') length--;
  napi_value value;
  napi_create_string_utf8(env, bytes, length, &value);
  return value;
}

/* The typed array that holds numbers of a numeric type (integers of 1, 2, 4, 8 bytes; floats of 4, 8). */
static napi_typedarray_type typed_array_type(H5T_class_t type_class, size_t size, int is_signed) {
  if (type_class == H5T_FLOAT) return size == 4 ? napi_float32_array : napi_float64_array;
  switch (size) {
    case 1: return is_signed ? napi_int8_array : napi_uint8_array;
    case 2: return is_signed ? napi_int16_array : napi_uint16_array;
    case 4: return is_signed ? napi_int32_array : napi_uint32_array;
    default: return is_signed ? napi_bigint64_array : napi_biguint64_array;
  }
}

/*
 * The strings of an attribute (attribute >= 0) or of a dataset, variable-length or fixed: an
 * array of `count` strings, or the one string when `scalar`. NULL when HDF5 cannot read them —
 * having thrown its error when `report`, before anything else clears HDF5's error stack.
 */
static napi_value read_texts(napi_env env, hid_t attribute, hid_t dataset, hid_t type, hid_t space, size_t count,
                             int scalar, int report) {
  napi_value value = NULL;
  if (H5Tis_variable_str(type) > 0) {
    char **texts = calloc(count > 0 ? count : 1, sizeof(char *));
    hid_t memory_type = H5Tcopy(H5T_C_S1);
    H5Tset_size(memory_type, H5T_VARIABLE);
    H5Tset_cset(memory_type, H5Tget_cset(type));
    herr_t status = count == 0 ? 0
                    : texts == NULL ? -1
                    : attribute >= 0 ? H5Aread(attribute, memory_type, texts)
                                     : H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, texts);
    if (status < 0) {
      if (report) throw_hdf5(env, attribute >= 0 ? "H5Aread" : "H5Dread", NULL);
    } else if (scalar) {
      napi_create_string_utf8(env, texts[0] ? texts[0] : "", NAPI_AUTO_LENGTH, &value);
    } else {
      napi_create_array_with_length(env, count, &value);
      for (size_t i = 0; i < count; i++) {
        napi_value text;
        napi_create_string_utf8(env, texts[i] ? texts[i] : "", NAPI_AUTO_LENGTH, &text);
        napi_set_element(env, value, (uint32_t)i, text);
      }
    }
    if (status >= 0 && count > 0) H5Dvlen_reclaim(memory_type, space, H5P_DEFAULT, texts);
    H5Tclose(memory_type);
    free(texts);
    return value;
  }
  size_t width = H5Tget_size(type);
  H5T_str_t pad = H5Tget_strpad(type);
  char *bytes = calloc(count > 0 ? count : 1, width);
  herr_t status = count == 0 ? 0
                  : bytes == NULL ? -1
                  : attribute >= 0 ? H5Aread(attribute, type, bytes)
                                   : H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes);
  if (status < 0) {
    if (report) throw_hdf5(env, attribute >= 0 ? "H5Aread" : "H5Dread", NULL);
  } else if (scalar) {
    value = fixed_string(env, bytes, width, pad);
  } else {
    napi_create_array_with_length(env, count, &value);
    for (size_t i = 0; i < count; i++) {
      napi_set_element(env, value, (uint32_t)i, fixed_string(env, bytes + i * width, width, pad));
    }
  }
  free(bytes);
  return value;
}

/* Numbers of a numeric type: one as a number (a BigInt for 64-bit integers), several as a typed array. */
static napi_value numbers_value(napi_env env, H5T_class_t type_class, size_t size, int is_signed, const void *buffer,
                                size_t count, int scalar) {
  napi_typedarray_type array_type = typed_array_type(type_class, size, is_signed);
  napi_value value;
  if (scalar) {
    if (type_class == H5T_FLOAT) {
      napi_create_double(env, size == 4 ? (double)*(const float *)buffer : *(const double *)buffer, &value);
    } else if (size == 8) {
      if (is_signed) napi_create_bigint_int64(env, *(const int64_t *)buffer, &value);
      else napi_create_bigint_uint64(env, *(const uint64_t *)buffer, &value);
    } else {
      double number;
      if (size == 1) number = is_signed ? (double)*(const int8_t *)buffer : (double)*(const uint8_t *)buffer;
      else if (size == 2) number = is_signed ? (double)*(const int16_t *)buffer : (double)*(const uint16_t *)buffer;
      else number = is_signed ? (double)*(const int32_t *)buffer : (double)*(const uint32_t *)buffer;
      napi_create_double(env, number, &value);
    }
    return value;
  }
  void *data;
  napi_value array_buffer;
  napi_create_arraybuffer(env, count * size, &data, &array_buffer);
  if (count > 0) memcpy(data, buffer, count * size);
  napi_create_typedarray(env, array_type, count, array_buffer, 0, &value);
  return value;
}

/* The native memory type for a numeric file type (integers and floats of 1, 2, 4, 8 bytes), or -1. */
static hid_t numeric_memory_type(H5T_class_t type_class, size_t size, int is_signed) {
  if (type_class == H5T_FLOAT) return size == 4 ? H5T_NATIVE_FLOAT : size == 8 ? H5T_NATIVE_DOUBLE : -1;
  if (type_class != H5T_INTEGER) return -1;
  switch (size) {
    case 1: return is_signed ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8;
    case 2: return is_signed ? H5T_NATIVE_INT16 : H5T_NATIVE_UINT16;
    case 4: return is_signed ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT32;
    case 8: return is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
    default: return -1;
  }
}

/* An attribute's value: strings, numbers (scalar or 1-D), null for any other kind. */
static napi_value attribute_value(napi_env env, hid_t attribute) {
  napi_value value;
  napi_get_null(env, &value);
  hid_t type = H5Aget_type(attribute);
  hid_t space = H5Aget_space(attribute);
  H5S_class_t space_class = H5Sget_simple_extent_type(space);
  hssize_t count = H5Sget_simple_extent_npoints(space);
  int scalar = space_class == H5S_SCALAR;
  H5T_class_t type_class = H5Tget_class(type);
  size_t size = H5Tget_size(type);
  if (space_class == H5S_NULL || count < 0) {
    /* null */
  } else if (type_class == H5T_STRING) {
    napi_value texts = read_texts(env, attribute, -1, type, space, (size_t)count, scalar, 0);
    if (texts != NULL) value = texts;
    else H5Eclear2(H5E_DEFAULT);
  } else {
    int is_signed = type_class == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2;
    hid_t memory_type = numeric_memory_type(type_class, size, is_signed);
    void *buffer = memory_type >= 0 ? malloc((size_t)(count > 0 ? count : 1) * size) : NULL;
    if (buffer != NULL && H5Aread(attribute, memory_type, buffer) >= 0) {
      value = numbers_value(env, type_class, size, is_signed, buffer, (size_t)count, scalar);
    } else {
      H5Eclear2(H5E_DEFAULT);
    }
    free(buffer);
  }
  H5Sclose(space);
  H5Tclose(type);
  return value;
}

/* getAttributes(node): { name: value } in name order. */
static napi_value get_attributes(napi_env env, napi_callback_info info) {
  hid_t node;
  if (id_call(env, info, "getAttributes(node: bigint)", &node) == NULL) return NULL;
  H5O_info_t object;
  if (H5Oget_info2(node, &object, H5O_INFO_NUM_ATTRS) < 0) return throw_hdf5(env, "H5Oget_info2", NULL);
  napi_value result;
  napi_create_object(env, &result);
  for (hsize_t i = 0; i < object.num_attrs; i++) {
    hid_t attribute = H5Aopen_by_idx(node, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT);
    if (attribute < 0) return throw_hdf5(env, "H5Aopen_by_idx", NULL);
    ssize_t length = H5Aget_name(attribute, 0, NULL);
    char *name = length >= 0 ? malloc((size_t)length + 1) : NULL;
    if (name != NULL) {
      H5Aget_name(attribute, (size_t)length + 1, name);
      napi_set_named_property(env, result, name, attribute_value(env, attribute));
      free(name);
    }
    H5Aclose(attribute);
  }
  return result;
}

/* ---------------------------------------------------------------- reading */

/* datasetInfo(dataset): { shape, maxShape, typeClass, size, signed, chunks, filters }. */
static napi_value dataset_info(napi_env env, napi_callback_info info) {
  hid_t dataset;
  if (id_call(env, info, "datasetInfo(dataset: bigint)", &dataset) == NULL) return NULL;
  hsize_t dims[MAX_RANK], max_dims[MAX_RANK], chunks[MAX_RANK];
  int rank = dataset_shape(dataset, dims, max_dims);
  hid_t type = H5Dget_type(dataset);
  hid_t dcpl = H5Dget_create_plist(dataset);
  if (rank < 0 || type < 0 || dcpl < 0) {
    napi_value error = throw_hdf5(env, "datasetInfo", NULL);
    if (type >= 0) H5Tclose(type);
    if (dcpl >= 0) H5Pclose(dcpl);
    return error;
  }
  H5T_class_t type_class = H5Tget_class(type);
  napi_value result, chunk_value, filter_array, signed_value;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "shape", make_dims(env, dims, rank, 0));
  napi_set_named_property(env, result, "maxShape", make_dims(env, max_dims, rank, 1));
  napi_set_named_property(env, result, "typeClass", make_number(env, (double)type_class));
  napi_set_named_property(env, result, "size", make_number(env, (double)H5Tget_size(type)));
  napi_get_boolean(env, type_class == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2, &signed_value);
  napi_set_named_property(env, result, "signed", signed_value);
  if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
    int chunk_rank = H5Pget_chunk(dcpl, MAX_RANK, chunks);
    chunk_value = make_dims(env, chunks, chunk_rank < 0 ? 0 : chunk_rank, 0);
  } else {
    napi_get_null(env, &chunk_value);
  }
  napi_set_named_property(env, result, "chunks", chunk_value);
  int filters = H5Pget_nfilters(dcpl);
  napi_create_array(env, &filter_array);
  for (int i = 0; i < filters; i++) {
    unsigned flags;
    size_t count = 0;
    H5Z_filter_t filter = H5Pget_filter2(dcpl, (unsigned)i, &flags, &count, NULL, 0, NULL, NULL);
    napi_set_element(env, filter_array, (uint32_t)i, make_number(env, (double)filter));
  }
  napi_set_named_property(env, result, "filters", filter_array);
  H5Tclose(type);
  H5Pclose(dcpl);
  return result;
}

/*
 * read(dataset, start?, count?): the values (all of them, or the hyperslab) as a typed array of
 * the dataset's numeric type; null when the dataset does not hold numbers.
 */
static napi_value read_numbers(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  arguments(env, info, &argc, argv);
  hid_t dataset;
  hsize_t start[MAX_RANK], count[MAX_RANK];
  int rank = -1;
  if (argc < 1 || !get_hid(env, argv[0], &dataset) ||
      (argc == 3 && ((rank = get_dims(env, argv[1], start)) < 0 || get_dims(env, argv[2], count) != rank))) {
    return throw_type(env, "read(dataset: bigint, start?: number[], count?: number[])");
  }
  hid_t type = H5Dget_type(dataset);
  if (type < 0) return throw_hdf5(env, "H5Dget_type", NULL);
  H5T_class_t type_class = H5Tget_class(type);
  size_t size = H5Tget_size(type);
  int is_signed = type_class == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2;
  H5Tclose(type);
  hid_t memory_type = numeric_memory_type(type_class, size, is_signed);
  napi_value result;
  if (memory_type < 0) {
    napi_get_null(env, &result);
    return result;
  }
  hid_t file_space = rank >= 0 ? select_slab(dataset, rank, start, count) : H5Dget_space(dataset);
  if (file_space < 0) return throw_hdf5(env, "read: H5Sselect_hyperslab", NULL);
  hssize_t values = H5Sget_select_npoints(file_space);
  hsize_t memory_dims = (hsize_t)(values > 0 ? values : 0);
  hid_t memory_space = H5Screate_simple(1, &memory_dims, NULL);
  void *data = NULL;
  napi_value array_buffer;
  napi_create_arraybuffer(env, memory_dims * size, &data, &array_buffer);
  herr_t status = memory_dims == 0 ? 0
                  : H5Dread(dataset, memory_type, memory_space, file_space, H5P_DEFAULT, data);
  napi_value error = status < 0 ? throw_hdf5(env, "H5Dread", NULL) : NULL;
  H5Sclose(memory_space);
  H5Sclose(file_space);
  if (status < 0) return error;
  napi_create_typedarray(env, typed_array_type(type_class, size, is_signed), memory_dims, array_buffer, 0, &result);
  return result;
}

/* readStrings(dataset): a string dataset's rows; null when it does not hold strings. */
static napi_value read_strings(napi_env env, napi_callback_info info) {
  hid_t dataset;
  if (id_call(env, info, "readStrings(dataset: bigint)", &dataset) == NULL) return NULL;
  hid_t type = H5Dget_type(dataset);
  hid_t space = H5Dget_space(dataset);
  napi_value result;
  napi_get_null(env, &result);
  if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING) {
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Eclear2(H5E_DEFAULT);
    return result;
  }
  hssize_t count = H5Sget_simple_extent_npoints(space);
  result = read_texts(env, -1, dataset, type, space, (size_t)(count > 0 ? count : 0), 0, 1);
  H5Sclose(space);
  H5Tclose(type);
  return result;
}

/* readByteRows(dataset): the rows of a variable-length dataset of bytes; null for any other kind. */
static napi_value read_byte_rows(napi_env env, napi_callback_info info) {
  hid_t dataset;
  if (id_call(env, info, "readByteRows(dataset: bigint)", &dataset) == NULL) return NULL;
  hid_t type = H5Dget_type(dataset);
  hid_t space = H5Dget_space(dataset);
  napi_value result;
  napi_get_null(env, &result);
  hid_t base = type >= 0 && H5Tget_class(type) == H5T_VLEN ? H5Tget_super(type) : -1;
  if (base < 0 || H5Tget_class(base) != H5T_INTEGER || H5Tget_size(base) != 1) {
    if (base >= 0) H5Tclose(base);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Eclear2(H5E_DEFAULT);
    return result;
  }
  hssize_t count = H5Sget_simple_extent_npoints(space);
  size_t n = (size_t)(count > 0 ? count : 0);
  hvl_t *rows = calloc(n > 0 ? n : 1, sizeof(hvl_t));
  hid_t memory_type = H5Tvlen_create(H5T_NATIVE_UINT8);
  if (n == 0 || (rows != NULL && H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0)) {
    napi_create_array_with_length(env, n, &result);
    for (size_t i = 0; i < n; i++) {
      void *data;
      napi_value buffer, row;
      napi_create_arraybuffer(env, rows[i].len, &data, &buffer);
      if (rows[i].len > 0) memcpy(data, rows[i].p, rows[i].len);
      napi_create_typedarray(env, napi_uint8_array, rows[i].len, buffer, 0, &row);
      napi_set_element(env, result, (uint32_t)i, row);
    }
    if (n > 0) H5Dvlen_reclaim(memory_type, space, H5P_DEFAULT, rows);
  } else {
    result = throw_hdf5(env, "H5Dread", NULL);
  }
  free(rows);
  H5Tclose(memory_type);
  H5Tclose(base);
  H5Tclose(type);
  H5Sclose(space);
  return result;
}

/* ---------------------------------------------------------------- module */

NAPI_MODULE_INIT() {
  const napi_property_descriptor functions[] = {
      {"open", NULL, open_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeFile", NULL, close_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flush", NULL, flush_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fileDescriptor", NULL, file_descriptor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openNode", NULL, open_node, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeNode", NULL, close_node, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createGroup", NULL, create_group, NULL, NULL, NULL, napi_enumerable, NULL},
      {"children", NULL, children, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createDataset", NULL, create_dataset, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createStringDataset", NULL, create_string_dataset, NULL, NULL, NULL, napi_enumerable, NULL},
      {"appendStrings", NULL, append_strings, NULL, NULL, NULL, napi_enumerable, NULL},
      {"resize", NULL, resize, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeSlice", NULL, write_slice, NULL, NULL, NULL, napi_enumerable, NULL},
      {"chunkStorage", NULL, chunk_storage, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeChunks", NULL, write_chunks, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setAttribute", NULL, set_attribute, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getAttributes", NULL, get_attributes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"datasetInfo", NULL, dataset_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, read_numbers, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readStrings", NULL, read_strings, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readByteRows", NULL, read_byte_rows, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
