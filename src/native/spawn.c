/*
 * Child processes started with posix_spawn (glibc: clone with CLONE_VM | CLONE_VFORK), not
 * fork. Node's child_process forks: the kernel copies the page tables of a process that holds
 * the detectors (~1 GB) and marks every private page copy-on-write, so the parent faults on the
 * first write to each page afterwards. On this project's VMs that cost 34 ms of blocked event
 * loop per spawn and, after each, one fault per page the inference threads touch (~150,000 for a
 * video's five ffmpeg runs: 1-3 s of CPU). See src/media/video/README.md.
 *
 * spawn(file, argv, envp, fds, onExit) -> pid. Child fd i is the parent's fds[i] (-1: /dev/null);
 * every other descriptor stays with the parent (ours are close-on-exec). Signal dispositions
 * are reset to their defaults (Node ignores SIGPIPE) and the signal mask cleared, as libuv does.
 * The exit is watched on Node's event loop through a pidfd (a timer polling waitpid where the
 * kernel has none); onExit(code, signal) is called once, with the process reaped.
 * kill(pid, signal) signals a process only while it is ours and not yet reaped, so a pid the
 * system reused can never be hit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>
#include "napi-args.h"

typedef struct child_s {
  pid_t pid;
  int pidfd;
  int exited;
  int status;
  napi_threadsafe_function on_exit;
  uv_poll_t poll;
  uv_timer_t timer;
  struct child_s *next;
} child_t;

/* Children not yet reaped (touched on the main thread only). */
static child_t *running = NULL;

static void unlink_child(child_t *c) {
  for (child_t **p = &running; *p; p = &(*p)->next) {
    if (*p == c) {
      *p = c->next;
      return;
    }
  }
}

static void call_exit(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  child_t *c = (child_t *)data;
  if (env && cb) {
    napi_value args[2], undefined;
    napi_get_null(env, &args[0]);
    napi_get_null(env, &args[1]);
    if (c->status == -1) {
      /* Reaped by someone else: neither is known. */
    } else if (WIFEXITED(c->status)) {
      napi_create_int32(env, WEXITSTATUS(c->status), &args[0]);
    } else if (WIFSIGNALED(c->status)) {
      napi_create_int32(env, WTERMSIG(c->status), &args[1]);
    }
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, cb, 2, args, NULL);
  }
  free(c);
}

static void closed(uv_handle_t *h) {
  child_t *c = (child_t *)h->data;
  napi_call_threadsafe_function(c->on_exit, c, napi_tsfn_nonblocking);
  napi_release_threadsafe_function(c->on_exit, napi_tsfn_release);
}

/* Reaps the child if it has exited; then stops watching and reports. */
static void check(child_t *c) {
  if (c->exited) return;
  int status;
  pid_t r = waitpid(c->pid, &status, WNOHANG);
  if (r == 0 || (r < 0 && errno == EINTR)) return;
  c->exited = 1;
  c->status = r == c->pid ? status : -1;
  unlink_child(c);
  if (c->pidfd >= 0) {
    uv_poll_stop(&c->poll);
    uv_close((uv_handle_t *)&c->poll, closed);
    close(c->pidfd);
    c->pidfd = -1;
  } else {
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, closed);
  }
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  check((child_t *)h->data);
}

static void on_timer(uv_timer_t *h) { check((child_t *)h->data); }

/* A JS array of strings as a NULL-terminated C array (freed with free_strings). */
static char **strings(napi_env env, napi_value arr) {
  uint32_t n;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **out = (char **)calloc((size_t)n + 1, sizeof(char *));
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len;
    if (napi_get_element(env, arr, i, &v) != napi_ok ||
        napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
      out[i] = NULL;
      goto fail;
    }
    out[i] = (char *)malloc(len + 1);
    if (!out[i] || napi_get_value_string_utf8(env, v, out[i], len + 1, &len) != napi_ok) goto fail;
  }
  return out;
fail:
  for (uint32_t i = 0; i < n && out[i]; i++) free(out[i]);
  free(out);
  return NULL;
}

static void free_strings(char **s) {
  if (!s) return;
  for (char **p = s; *p; p++) free(*p);
  free(s);
}

static napi_value do_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t fds;
  napi_valuetype cbt;
  if (argc != 5 || !veil_view_as(env, a[3], napi_int32_array, &fds) ||
      napi_typeof(env, a[4], &cbt) != napi_ok || cbt != napi_function)
    return veil_fail(env, "spawn: bad arguments");
  size_t flen;
  char file[4096];
  if (napi_get_value_string_utf8(env, a[0], file, sizeof file, &flen) != napi_ok ||
      flen >= sizeof file - 1)
    return veil_fail(env, "spawn: bad file");
  char **argv = strings(env, a[1]);
  char **envp = strings(env, a[2]);
  uv_loop_t *loop = NULL;
  if (!argv || !envp || napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) {
    free_strings(argv);
    free_strings(envp);
    return veil_fail(env, "spawn: bad arguments");
  }
  const int32_t *map = (const int32_t *)fds.data;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  for (size_t i = 0; i < fds.length; i++) {
    if (map[i] >= 0)
      posix_spawn_file_actions_adddup2(&actions, map[i], (int)i);
    else
      posix_spawn_file_actions_addopen(&actions, (int)i, "/dev/null", O_RDWR, 0);
  }
  sigset_t defaults, none;
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  int err = posix_spawn(&pid, file, &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  free_strings(argv);
  free_strings(envp);
  if (err != 0) {
    napi_value msg, code, error;
    napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : "ESPAWN",
                            NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &error);
    napi_throw(env, error);
    return NULL;
  }
  child_t *c = (child_t *)calloc(1, sizeof(child_t));
  napi_value name;
  napi_create_string_utf8(env, "veil child exit", NAPI_AUTO_LENGTH, &name);
  if (!c || napi_create_threadsafe_function(env, a[4], NULL, name, 0, 1, NULL, NULL, NULL,
                                            call_exit, &c->on_exit) != napi_ok) {
    /* Cannot watch it: do not leave it running unseen. */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    free(c);
    return veil_fail(env, "spawn: out of memory");
  }
  c->pid = pid;
  c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  c->next = running;
  running = c;
  if (c->pidfd >= 0) {
    uv_poll_init(loop, &c->poll, c->pidfd);
    c->poll.data = c;
    uv_poll_start(&c->poll, UV_READABLE, on_poll);
  } else {
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, on_timer, 20, 20);
  }
  napi_value out;
  napi_create_int32(env, pid, &out);
  return out;
}

/* kill(pid, signal): true when the signal was sent to a running child of ours. */
static napi_value do_kill(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  int32_t pid, sig;
  if (argc != 2 || !veil_int(env, a[0], &pid) || !veil_int(env, a[1], &sig))
    return veil_fail(env, "kill: bad arguments");
  int sent = 0;
  for (child_t *c = running; c; c = c->next) {
    if (c->pid == pid && !c->exited) {
      sent = kill(pid, sig) == 0;
      break;
    }
  }
  napi_value out;
  napi_get_boolean(env, sent, &out);
  return out;
}

void veil_register_spawn(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"spawn", NULL, do_spawn, NULL, NULL, NULL, napi_default, NULL},
      {"kill", NULL, do_kill, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
