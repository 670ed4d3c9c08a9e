/*
 * Argument helpers shared by Veil's native kernels (kernels.c, yuv.c, syn.c): typed-array
 * views, whole numbers, finite numbers, and the TypeError every bad call throws. A kernel
 * checks all of its arguments with these before it reads or writes anything.
 */
#ifndef VEIL_NAPI_ARGS_H
#define VEIL_NAPI_ARGS_H

#include <math.h>
#include <stdint.h>
#include <node_api.h>

/*
 * A hot loop, compiled twice: for AVX2 machines (four doubles or eight floats per instruction)
 * and for the x86-64-v2 baseline; the loader picks one per machine (GCC's ifunc). The results
 * are the same bits either way: contraction into FMA is off, and packed sqrt, division and
 * conversions round as the scalar ones do.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VEIL_HOT __attribute__((noinline, target_clones("avx2", "default")))
#else
#define VEIL_HOT __attribute__((noinline))
#endif

/* A typed array's memory: `length` elements of `type`. */
typedef struct {
  void *data;
  size_t length;
  napi_typedarray_type type;
} veil_view_t;

/* Any typed array (its type in `out->type`); 0 when `v` is none. */
static inline int veil_view(napi_env env, napi_value v, veil_view_t *out) {
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &buffer,
                               &offset) != napi_ok)
    return 0;
  return 1;
}

/* A typed array of type `want`; 0 otherwise. */
static inline int veil_view_as(napi_env env, napi_value v, napi_typedarray_type want,
                               veil_view_t *out) {
  return veil_view(env, v, out) && out->type == want;
}

/* A whole number within int32; 0 for anything else (fractions, NaN, out of range). */
static inline int veil_int(napi_env env, napi_value v, int32_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != floor(d)) return 0;
  *out = (int32_t)d;
  return 1;
}

/* A finite number. */
static inline int veil_num(napi_env env, napi_value v, double *out) {
  return napi_get_value_double(env, v, out) == napi_ok && isfinite(*out);
}

/* Throws a TypeError with `msg`; the N-API function then returns this (undefined). */
static inline napi_value veil_fail(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

#endif
