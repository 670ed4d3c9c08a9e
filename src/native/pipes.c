/*
 * Pipe capacity (Linux F_SETPIPE_SZ), which Node does not expose. Raw 1080p frames are 3 MB;
 * through the default 64 KiB pipe each one took ~48 writes and wake-ups on either side.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <node_api.h>
#include "napi-args.h"

/* pipeCapacity(fd, bytes): asks for `bytes` (the kernel rounds up to pages, and caps it at
 * /proc/sys/fs/pipe-max-size for unprivileged processes); returns the capacity it now has, or -1
 * where the fd is not a pipe or the call is refused. Never throws for a refusal. */
static napi_value pipe_capacity(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  int32_t fd, bytes;
  if (argc != 2 || !veil_int(env, a[0], &fd) || !veil_int(env, a[1], &bytes) || fd < 0 ||
      bytes < 1)
    return veil_fail(env, "pipeCapacity: bad arguments");
  int got = -1;
#ifdef F_SETPIPE_SZ
  got = fcntl(fd, F_SETPIPE_SZ, bytes);
  if (got < 0 && errno == EPERM) got = fcntl(fd, F_GETPIPE_SZ);
#endif
  napi_value out;
  napi_create_int32(env, got, &out);
  return out;
}

/* pipe(): a new pipe [readFd, writeFd], both close-on-exec (a child gets one only where it is
 * handed as stdio), blocking; throws where the system refuses. */
static napi_value make_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return veil_fail(env, "pipe: refused by the system");
  napi_value out, r, w;
  napi_create_array_with_length(env, 2, &out);
  napi_create_int32(env, fds[0], &r);
  napi_create_int32(env, fds[1], &w);
  napi_set_element(env, out, 0, r);
  napi_set_element(env, out, 1, w);
  return out;
}

void veil_register_pipes(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"pipeCapacity", NULL, pipe_capacity, NULL, NULL, NULL, napi_default, NULL},
      {"pipe", NULL, make_pipe, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
