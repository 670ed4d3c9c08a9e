/*
 * Veil's native kernels for the video main thread (registered by kernels.c's init): the pixel
 * loops of src/media/video/yuv.render.ts (blendGrid with ellipseEdgeRow from
 * src/engine/render/mask.geometry.ts), yuv.cells.ts (cell sums and means), gaussianish of
 * src/engine/render/region.filter.ts and halveToRgb of yuv.frame.ts. Each does the same
 * double/float operations in the same order as that JavaScript (a JS number is a double, a
 * Float32Array element a float, `x | 0` a truncation), so outputs are equal byte for byte; the
 * JavaScript stays the reference and the fallback. Every argument is checked before anything
 * is read or written: bad ones throw a TypeError.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "napi-args.h"


/* `v | 0` stored into a Uint8Array: ToInt32 then the low 8 bits. */
static inline uint8_t js_byte(double v) {
  if (v > -2147483649.0 && v < 2147483648.0) return (uint8_t)(int32_t)v;
  if (!isfinite(v)) return 0;
  double m = fmod(trunc(v), 256.0);
  if (m < 0) m += 256.0;
  return (uint8_t)(int32_t)m;
}

/* ------------------------------------------------------------------------------------------ */
/* blendGrid (yuv.render.ts)                                                                   */

typedef struct {
  int32_t lo, hi, in1, in2;
} span_t;

typedef struct {
  int32_t *i0, *i1, *run_end;
  float *w1, *slope;
} taps_t;

static int taps_alloc(taps_t *t, size_t n) {
  if (n == 0) n = 1;
  t->i0 = (int32_t *)malloc(n * sizeof(int32_t));
  t->i1 = (int32_t *)malloc(n * sizeof(int32_t));
  t->run_end = (int32_t *)malloc(n * sizeof(int32_t));
  t->w1 = (float *)malloc(n * sizeof(float));
  t->slope = (float *)malloc(n * sizeof(float));
  return t->i0 && t->i1 && t->run_end && t->w1 && t->slope;
}

static void taps_free(taps_t *t) {
  free(t->i0);
  free(t->i1);
  free(t->run_end);
  free(t->w1);
  free(t->slope);
}

/* `taps` of yuv.render.ts: cells and weights for samples at first + t * spacing. */
static void make_taps(taps_t *o, int32_t n, double first, double spacing, double origin,
                      int32_t cells, double cell, int smooth) {
  const double last = (double)(cells - 1);
  for (int32_t t = 0; t < n; t++) {
    const double pos = (first + t * spacing - origin) / cell;
    if (smooth) {
      const double a = pos - 0.5;
      double f = a > 0 ? a : 0;
      if (!(f < last)) f = last;
      const double k = floor(f);
      o->i0[t] = (int32_t)k;
      o->i1[t] = (int32_t)(k + 1 < last ? k + 1 : last);
      o->w1[t] = (float)(f - k);
      o->slope[t] = f == pos - 0.5 ? (float)(spacing / cell) : 0.0f;
    } else {
      double k = floor(pos);
      if (!(k > 0)) k = 0;
      if (!(k < last)) k = last;
      o->i0[t] = o->i1[t] = (int32_t)k;
      o->w1[t] = 0;
      o->slope[t] = 0;
    }
  }
  for (int32_t t = n - 1; t >= 0; t--) {
    const int same = t + 1 < n && o->i0[t + 1] == o->i0[t] && o->slope[t + 1] == o->slope[t];
    o->run_end[t] = same ? o->run_end[t + 1] : t + 1;
  }
}

typedef struct {
  double cx, cy, rx, ry, feather;
} ellipse_t;

/*
 * ellipseEdgeRow's coverage of pixels from..to-1 as doubles (before the float store), every
 * pixel on its own: both branches computed and one kept, so GCC vectorizes the loop (packed
 * sqrt and division give the same doubles as scalar ones).
 */
VEIL_HOT static void ellipse_alpha(double *restrict a, int32_t from, int32_t to,
                                                    int32_t x0, double ecx, double rx, double dy2,
                                                    double gy2, double f) {
  for (int32_t i = from; i < to; i++) {
    const double dx = ((double)(x0 + i) + 0.5 - ecx) / rx;
    const double rho = sqrt(dx * dx + dy2);
    const double gx = dx / rx;
    const double d = ((rho - 1) * rho) / sqrt(gx * gx + gy2);
    const double e = d >= f ? 0 : 1 - d / f;
    a[i] = rho > 1 ? e : 1;
  }
}

/* Stores a[from..to) as floats; widens [lo, hi) to the pixels above zero. */
static void store_alpha(const double *restrict a, float *restrict out, int32_t from, int32_t to,
                        int32_t *lo, int32_t *hi) {
  for (int32_t i = from; i < to; i++) {
    out[i] = (float)a[i];
    if (a[i] > 0) {
      if (i < *lo) *lo = i;
      *hi = i + 1;
    }
  }
}

/*
 * ellipseEdgeRow (mask.geometry.ts) over a target at (x0, y0), w wide; `scratch` holds w
 * doubles.
 */
static void ellipse_edge_row(const ellipse_t *e, int32_t x0, int32_t y0, int32_t w, int32_t j,
                             float *out, span_t *span, double *scratch) {
  const double f = e->feather > 1e-6 ? e->feather : 1e-6;
  span->lo = span->hi = span->in1 = span->in2 = 0;
  const double cx = e->cx - x0 - 0.5;
  const double y = (double)y0 + j + 0.5;
  const double outer = 1 + f / (e->rx < e->ry ? e->rx : e->ry);
  const double dy = (y - e->cy) / e->ry;
  const double dy2 = dy * dy;
  if (dy2 >= outer * outer) return;
  const double reach = e->rx * sqrt(outer * outer - dy2);
  double d1 = floor(cx - reach);
  double d2 = ceil(cx + reach);
  d1 = d1 > 0 ? d1 : 0;
  d2 = d2 < w - 1 ? d2 : w - 1;
  if (d2 < d1) return;
  const int32_t i1 = (int32_t)d1, i2 = (int32_t)d2;
  const double half = dy2 < 1 ? e->rx * sqrt(1 - dy2) : -1;
  double e1, e2;
  if (half < 0) {
    e1 = i2 + 1;
    e2 = i2;
  } else {
    e1 = ceil(cx - half);
    e1 = e1 > i1 ? e1 : i1;
    e2 = floor(cx + half);
    e2 = e2 < i2 ? e2 : i2;
  }
  /* Outside [i1 - 1, i2 + 1] they change nothing below: clamped to int range. */
  if (e1 > i2 + 1) e1 = i2 + 1;
  if (e2 < i1 - 1) e2 = i1 - 1;
  const int32_t in1 = (int32_t)e1, in2 = (int32_t)e2;
  const double gy = dy / e->ry;
  const double gy2 = gy * gy;
  int32_t lo = i2 + 1, hi = i1;
  /* The JavaScript walks i1..i2 skipping in1..in2 when that is not empty: the same pixels. */
  const int skip = in2 >= in1;
  const int32_t end1 = skip ? in1 : i2 + 1;
  ellipse_alpha(scratch, i1, end1, x0, e->cx, e->rx, dy2, gy2, f);
  store_alpha(scratch, out, i1, end1, &lo, &hi);
  if (skip) {
    ellipse_alpha(scratch, in2 + 1, i2 + 1, x0, e->cx, e->rx, dy2, gy2, f);
    store_alpha(scratch, out, in2 + 1, i2 + 1, &lo, &hi);
    span->in1 = in1;
    span->in2 = in2 + 1;
    if (in1 < lo) lo = in1;
    if (in2 + 1 > hi) hi = in2 + 1;
  }
  if (hi > lo) {
    span->lo = lo;
    span->hi = hi;
  }
}

/* A row of a rasterised mask: its span (zeros trimmed from both ends), nothing fully covered. */
static void mask_row_span(const float *row, int32_t w, span_t *span) {
  int32_t lo = 0, hi = w;
  while (lo < hi && row[lo] == 0) lo++;
  while (hi > lo && row[hi - 1] == 0) hi--;
  span->lo = lo;
  span->hi = hi;
  span->in1 = span->in2 = 0;
}

static inline double covered(const float *a, const span_t *s, int32_t k) {
  if (k < s->lo || k >= s->hi) return 0;
  if (k >= s->in1 && k < s->in2) return 1;
  return a[k];
}

static int chroma_coverage(const float *a, const span_t *sa, const float *b, const span_t *sb,
                           int32_t tw, float *out, span_t *span) {
  const int32_t la = sa->hi > sa->lo ? sa->lo : tw, lb = sb->hi > sb->lo ? sb->lo : tw;
  const int32_t ha = sa->hi > sa->lo ? sa->hi : 0, hb = sb->hi > sb->lo ? sb->hi : 0;
  const int32_t lo = (la < lb ? la : lb) >> 1;
  const int32_t hi = ((ha > hb ? ha : hb) + 1) >> 1;
  if (hi <= lo) return 0;
  span->lo = lo;
  span->hi = hi;
  const int32_t m1 = ((sa->in1 > sb->in1 ? sa->in1 : sb->in1) + 1) >> 1;
  const int32_t m2 = (sa->in2 < sb->in2 ? sa->in2 : sb->in2) >> 1;
  span->in1 = lo > m1 ? lo : m1;
  span->in2 = hi < m2 ? hi : m2;
  if (span->in2 <= span->in1) span->in1 = span->in2 = lo;
  const int32_t full1 = span->in2 > span->in1 ? span->in1 : hi;
  const int32_t full2 = span->in2 > span->in1 ? span->in2 : hi;
  for (int32_t i = lo, k = 2 * lo; i < hi; i++, k += 2) {
    if (i == full1) {
      i = full2 - 1;
      k = 2 * i;
      continue;
    }
    const int32_t k1 = k + 1 < tw ? k + 1 : k;
    out[i] = (float)((covered(a, sa, k) + covered(a, sa, k1) + covered(b, sb, k) +
                      covered(b, sb, k1)) *
                     0.25);
  }
  return 1;
}

VEIL_HOT static void grid_row(const float *restrict d, int32_t gw, const taps_t *rows,
                                               int32_t j, int32_t c, float *restrict out, int32_t c0,
                                               int32_t c1) {
  const float *r0 = d + (size_t)rows->i0[j] * gw * 3 + c;
  const float *r1 = d + (size_t)rows->i1[j] * gw * 3 + c;
  const double wy = rows->w1[j];
  for (int32_t i = c0; i <= c1; i++) {
    const double top = r0[3 * (size_t)i];
    out[i] = (float)(top + ((double)r1[3 * (size_t)i] - top) * wy);
  }
}

VEIL_HOT static void chroma_rows(const float *restrict d, int32_t gw,
                                                  const taps_t *rows, int32_t j, float *restrict ou,
                                                  float *restrict ov, int32_t c0, int32_t c1) {
  const float *r0 = d + (size_t)rows->i0[j] * gw * 3;
  const float *r1 = d + (size_t)rows->i1[j] * gw * 3;
  const double wy = rows->w1[j];
  for (int32_t i = c0; i <= c1; i++) {
    const size_t k = 3 * (size_t)i;
    const double u = r0[k + 1];
    ou[i] = (float)(u + ((double)r1[k + 1] - u) * wy);
    const double v = r0[k + 2];
    ov[i] = (float)(v + ((double)r1[k + 2] - v) * wy);
  }
}

/*
 * `v | 0` into a byte: with `safe` (every value known to lie well within int32, see
 * blend_grid) a plain truncation, else js_byte.
 */
#define TO_BYTE(v) (safe ? (uint8_t)(int32_t)(v) : js_byte(v))

static inline __attribute__((always_inline)) void blend_span_as(
    uint8_t *restrict dst, const float *restrict alpha, const span_t *span,
    const float *restrict row, const taps_t *cols, const int safe) {
  const int32_t *i0 = cols->i0, *i1 = cols->i1, *run_end = cols->run_end;
  const float *w1 = cols->w1, *slope = cols->slope;
  const int32_t full1 = span->in2 > span->in1 ? span->in1 : span->hi;
  const int32_t full2 = span->in2 > span->in1 ? span->in2 : span->hi;
  int32_t i = span->lo;
  for (int32_t end = full1;; end = span->hi) {
    for (; i < end; i++) {
      const double a = alpha[i];
      if (a == 0) continue;
      const double left = row[i0[i]];
      const double v = left + ((double)row[i1[i]] - left) * w1[i];
      const double old = dst[i];
      dst[i] = TO_BYTE(old + a * (v - old) + 0.5);
    }
    if (end == span->hi) break;
    while (i < full2) {
      const int32_t stop = full2 < run_end[i] ? full2 : run_end[i];
      const double left = row[i0[i]];
      const double d = (double)row[i1[i]] - left;
      const double step = d * slope[i];
      double v = left + d * w1[i] + 0.5;
      if (step == 0) {
        /* v + 0 is v: one value for the whole run. */
        memset(dst + i, TO_BYTE(v), (size_t)(stop - i));
        i = stop;
      }
      for (; i < stop; i++, v += step) dst[i] = TO_BYTE(v);
    }
  }
}

static inline __attribute__((always_inline)) void blend_chroma_as(
    uint8_t *restrict du, uint8_t *restrict dv, const float *restrict alpha, const span_t *span,
    const float *restrict ru, const float *restrict rv, const taps_t *cols, const int safe) {
  const int32_t *i0 = cols->i0, *i1 = cols->i1, *run_end = cols->run_end;
  const float *w1 = cols->w1, *slope = cols->slope;
  const int32_t full1 = span->in2 > span->in1 ? span->in1 : span->hi;
  const int32_t full2 = span->in2 > span->in1 ? span->in2 : span->hi;
  int32_t i = span->lo;
  for (int32_t end = full1;; end = span->hi) {
    for (; i < end; i++) {
      const double a = alpha[i];
      if (a == 0) continue;
      const int32_t a0 = i0[i], a1 = i1[i];
      const double w = w1[i];
      const double leftU = ru[a0];
      const double u = leftU + ((double)ru[a1] - leftU) * w;
      const double oldU = du[i];
      du[i] = TO_BYTE(oldU + a * (u - oldU) + 0.5);
      const double leftV = rv[a0];
      const double v = leftV + ((double)rv[a1] - leftV) * w;
      const double oldV = dv[i];
      dv[i] = TO_BYTE(oldV + a * (v - oldV) + 0.5);
    }
    if (end == span->hi) break;
    while (i < full2) {
      const int32_t stop = full2 < run_end[i] ? full2 : run_end[i];
      const int32_t a0 = i0[i], a1 = i1[i];
      const double w = w1[i], sl = slope[i];
      const double leftU = ru[a0];
      const double dU = (double)ru[a1] - leftU;
      const double stepU = dU * sl;
      double u = leftU + dU * w + 0.5;
      const double leftV = rv[a0];
      const double dV = (double)rv[a1] - leftV;
      const double stepV = dV * sl;
      double v = leftV + dV * w + 0.5;
      if (stepU == 0 && stepV == 0) {
        memset(du + i, TO_BYTE(u), (size_t)(stop - i));
        memset(dv + i, TO_BYTE(v), (size_t)(stop - i));
        i = stop;
      }
      for (; i < stop; i++, u += stepU, v += stepV) {
        du[i] = TO_BYTE(u);
        dv[i] = TO_BYTE(v);
      }
    }
  }
}

VEIL_HOT static void blend_span(uint8_t *dst, const float *alpha, const span_t *span,
                                                 const float *row, const taps_t *cols, int safe) {
  if (safe)
    blend_span_as(dst, alpha, span, row, cols, 1);
  else
    blend_span_as(dst, alpha, span, row, cols, 0);
}

VEIL_HOT static void blend_chroma(uint8_t *du, uint8_t *dv, const float *alpha,
                                                   const span_t *span, const float *ru,
                                                   const float *rv, const taps_t *cols, int safe) {
  if (safe)
    blend_chroma_as(du, dv, alpha, span, ru, rv, cols, 1);
  else
    blend_chroma_as(du, dv, alpha, span, ru, rv, cols, 0);
}

/*
 * Whether every blended value is sure to lie within int32 (so `| 0` is a plain truncation):
 * grid values within +-1e6 (means of bytes: 0..255) and coverage within 0..1. Blends are convex
 * combinations of grid values and frame bytes, and runs step between two neighbouring cells'
 * values, so all stay within a few units of that range.
 */
static int blend_safe(const float *g, size_t n, const float *mask, size_t m) {
  int ok = 1;
  for (size_t i = 0; i < n; i++) ok &= g[i] >= -1e6f && g[i] <= 1e6f;
  for (size_t i = 0; mask && i < m; i++) ok &= mask[i] >= 0 && mask[i] <= 1;
  return ok;
}

/*
 * blendGrid(frame u8, fw, fh, tx, ty, tw, th, shape, grid f32, gw, gh, gx, gy, cell, smooth):
 * shape a Float64Array [cx, cy, rx, ry, feather] (an ellipse, rows by ellipseEdgeRow) or a
 * Float32Array of tw x th coverage (rasterizeMask's).
 */
static napi_value blend_grid(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value a[15];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 15) return veil_fail(env, "blendGrid: 15 arguments");
  veil_view_t frame, shape, grid;
  int32_t fw, fh, tx, ty, tw, th, gw, gh;
  double gx, gy, cell;
  bool smooth;
  if (!veil_view_as(env, a[0], napi_uint8_array, &frame) || !veil_int(env, a[1], &fw) ||
      !veil_int(env, a[2], &fh) || !veil_int(env, a[3], &tx) || !veil_int(env, a[4], &ty) ||
      !veil_int(env, a[5], &tw) || !veil_int(env, a[6], &th) || !veil_view(env, a[7], &shape) ||
      !veil_view_as(env, a[8], napi_float32_array, &grid) || !veil_int(env, a[9], &gw) ||
      !veil_int(env, a[10], &gh) || !veil_num(env, a[11], &gx) || !veil_num(env, a[12], &gy) ||
      !veil_num(env, a[13], &cell) || napi_get_value_bool(env, a[14], &smooth) != napi_ok)
    return veil_fail(env, "blendGrid: bad arguments");
  if (fw < 1 || fh < 1) return veil_fail(env, "blendGrid: bad frame size");
  const size_t cw = ((size_t)fw + 1) >> 1, chh = ((size_t)fh + 1) >> 1;
  const size_t u_off = (size_t)fw * fh, v_off = u_off + cw * chh;
  if (frame.length < v_off + cw * chh) return veil_fail(env, "blendGrid: frame too short");
  if (tx < 0 || ty < 0 || tw < 1 || th < 1 || tw > fw - tx || th > fh - ty)
    return veil_fail(env, "blendGrid: target outside the frame");
  const int32_t n = (tw + 1) >> 1, ch = (th + 1) >> 1;
  if ((size_t)(tx >> 1) + n > cw || (size_t)(ty >> 1) + ch > chh)
    return veil_fail(env, "blendGrid: target outside the frame");
  if (gw < 1 || gh < 1 || grid.length < (size_t)gw * gh * 3 || !(cell > 0))
    return veil_fail(env, "blendGrid: bad grid");
  ellipse_t e = {0, 0, 0, 0, 0};
  const float *mask = NULL;
  if (shape.type == napi_float64_array) {
    if (shape.length != 5) return veil_fail(env, "blendGrid: bad ellipse");
    const double *p = (const double *)shape.data;
    e = (ellipse_t){p[0], p[1], p[2], p[3], p[4]};
    for (int k = 0; k < 5; k++)
      if (!isfinite(p[k])) return veil_fail(env, "blendGrid: bad ellipse");
    if (!(e.rx > 0 && e.ry > 0)) return veil_fail(env, "blendGrid: bad ellipse");
  } else if (shape.type == napi_float32_array) {
    if (shape.length < (size_t)tw * th) return veil_fail(env, "blendGrid: mask too short");
    mask = (const float *)shape.data;
  } else {
    return veil_fail(env, "blendGrid: bad shape");
  }
  taps_t cols, rows, ccols, crows;
  double *scratch = (double *)calloc(tw, sizeof(double));
  float *top = (float *)calloc(tw, sizeof(float));
  float *bottom = (float *)calloc(tw, sizeof(float));
  float *alpha = (float *)calloc(n, sizeof(float));
  float *row1 = (float *)calloc(gw, sizeof(float));
  float *row2 = (float *)calloc(gw, sizeof(float));
  int ok = taps_alloc(&cols, tw) & taps_alloc(&rows, th) & taps_alloc(&ccols, n) &
           taps_alloc(&crows, ch) && scratch && top && bottom && alpha && row1 && row2;
  if (ok) {
    uint8_t *data = (uint8_t *)frame.data;
    const float *g = (const float *)grid.data;
    const int safe = blend_safe(g, (size_t)gw * gh * 3, mask, mask ? (size_t)tw * th : 0);
    make_taps(&cols, tw, tx + 0.5, 1, gx, gw, cell, smooth);
    make_taps(&rows, th, ty + 0.5, 1, gy, gh, cell, smooth);
    make_taps(&ccols, n, tx + 1, 2, gx, gw, cell, smooth);
    make_taps(&crows, ch, ty + 1, 2, gy, gh, cell, smooth);
    span_t s0, s1 = {0, 0, 0, 0}, sc;
    for (int32_t j = 0; j < th; j += 2) {
      const float *a0 = top, *a1 = bottom;
      if (mask) {
        a0 = mask + (size_t)j * tw;
        mask_row_span(a0, tw, &s0);
      } else {
        ellipse_edge_row(&e, tx, ty, tw, j, top, &s0, scratch);
      }
      const int pair = j + 1 < th;
      if (pair) {
        if (mask) {
          a1 = mask + (size_t)(j + 1) * tw;
          mask_row_span(a1, tw, &s1);
        } else {
          ellipse_edge_row(&e, tx, ty, tw, j + 1, bottom, &s1, scratch);
        }
      }
      if (s0.hi > s0.lo) {
        grid_row(g, gw, &rows, j, 0, row1, cols.i0[s0.lo], cols.i1[s0.hi - 1]);
        blend_span(data + (size_t)(ty + j) * fw + tx, a0, &s0, row1, &cols, safe);
      }
      if (pair && s1.hi > s1.lo) {
        grid_row(g, gw, &rows, j + 1, 0, row1, cols.i0[s1.lo], cols.i1[s1.hi - 1]);
        blend_span(data + (size_t)(ty + j + 1) * fw + tx, a1, &s1, row1, &cols, safe);
      }
      if (!chroma_coverage(a0, &s0, pair ? a1 : a0, pair ? &s1 : &s0, tw, alpha, &sc)) continue;
      const size_t at = (size_t)((ty + j) >> 1) * cw + (tx >> 1);
      chroma_rows(g, gw, &crows, j >> 1, row1, row2, ccols.i0[sc.lo], ccols.i1[sc.hi - 1]);
      blend_chroma(data + u_off + at, data + v_off + at, alpha, &sc, row1, row2, &ccols, safe);
    }
  }
  taps_free(&cols);
  taps_free(&rows);
  taps_free(&ccols);
  taps_free(&crows);
  free(scratch);
  free(top);
  free(bottom);
  free(alpha);
  free(row1);
  free(row2);
  if (!ok) return veil_fail(env, "blendGrid: out of memory");
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* cellMeans (yuv.cells.ts): accumulateLuma, accumulateChroma, finishMeans                     */

/* perCell: samples start, start + ls, ... below start + n in each of `cells` cells. */
static void per_cell(double *out, int32_t start, int32_t n, int32_t origin, int32_t cell,
                     int32_t cells, int32_t ls) {
  const int64_t stop = (int64_t)start + n;
  int64_t x = start;
  for (int32_t c = 0; c < cells; c++) {
    int64_t end = (int64_t)origin + (int64_t)(c + 1) * cell;
    if (stop < end) end = stop;
    const int64_t k = x < end ? (end - x + ls - 1) / ls : 0;
    out[c] = (double)k;
    x += k * ls;
  }
}

static void finish_means(float *data, int32_t gw, int32_t gh, const double *cols,
                         const double *rows, int c) {
  const int channels = c == 0 ? 1 : 2;
  for (int32_t j = 0, o = 0; j < gh; j++) {
    for (int32_t i = 0; i < gw; i++, o++) {
      const double n = rows[j] * cols[i];
      for (int k = c; k < c + channels; k++) {
        float *p = data + (size_t)o * 3 + k;
        /* JavaScript reads data[-3 + k] (undefined: NaN) for an empty first cell. */
        *p = n == 0 ? (o > 0 ? p[-3] : NAN) : (float)((double)*p / n);
      }
    }
  }
}

VEIL_HOT static uint32_t run_sum(const uint8_t *restrict p, int32_t from,
                                                  int32_t end, int32_t s, int32_t *next) {
  uint32_t sum = 0;
  int32_t x = from;
  if (s == 1) {
    for (; x < end; x++) sum += p[x];
  } else {
    for (; x < end; x += s) sum += p[x];
  }
  *next = x;
  return sum;
}

/* Column sums of one row's n samples, `stride` bytes apart, into `acc`. */
VEIL_HOT static void add_samples(uint16_t *restrict acc, const uint8_t *restrict p,
                                                  int32_t n, int32_t stride) {
  if (stride == 1) {
    for (int32_t k = 0; k < n; k++) acc[k] += p[k];
  } else {
    for (int32_t k = 0; k < n; k++) acc[k] += p[(size_t)k * stride];
  }
}

/*
 * A band's column sums (sample k at x = rx + k ls) added cell by cell into channel 0 of `cells`
 * (and `acc2`'s into channel 1 when given), then cleared.
 */
static void flush_band(float *cells, uint16_t *restrict acc, uint16_t *restrict acc2, int32_t n,
                       int32_t rx, int32_t ls, const int32_t *ends, int32_t c0, int32_t gw) {
  int32_t k = 0;
  for (int32_t c = c0; c < gw; c++) {
    uint32_t a = 0, b = 0;
    for (; k < n && rx + k * ls < ends[c]; k++) {
      a += acc[k];
      if (acc2) b += acc2[k];
    }
    float *p = cells + 3 * (size_t)c;
    p[0] = (float)((double)p[0] + (double)a);
    if (acc2) p[1] = (float)((double)p[1] + (double)b);
  }
  memset(acc, 0, (size_t)n * sizeof(uint16_t));
  if (acc2) memset(acc2, 0, (size_t)n * sizeof(uint16_t));
}

/*
 * cellSums(frame u8, fw, fh, rx, ry, rw, rh, grid f32, gw, gh, gx, gy, cell, step): the means of
 * Y, U and V of the region over the grid's cells (cell >= 2), as cellMeans; grid zeroed.
 */
static napi_value cell_sums(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value a[14];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 14) return veil_fail(env, "cellSums: 14 arguments");
  veil_view_t frame, grid;
  int32_t fw, fh, rx, ry, rw, rh, gw, gh, gx, gy, cell, step;
  if (!veil_view_as(env, a[0], napi_uint8_array, &frame) || !veil_int(env, a[1], &fw) ||
      !veil_int(env, a[2], &fh) || !veil_int(env, a[3], &rx) || !veil_int(env, a[4], &ry) ||
      !veil_int(env, a[5], &rw) || !veil_int(env, a[6], &rh) ||
      !veil_view_as(env, a[7], napi_float32_array, &grid) || !veil_int(env, a[8], &gw) ||
      !veil_int(env, a[9], &gh) || !veil_int(env, a[10], &gx) || !veil_int(env, a[11], &gy) ||
      !veil_int(env, a[12], &cell) || !veil_int(env, a[13], &step))
    return veil_fail(env, "cellSums: bad arguments");
  if (fw < 1 || fh < 1) return veil_fail(env, "cellSums: bad frame size");
  const size_t cw = ((size_t)fw + 1) >> 1, chh = ((size_t)fh + 1) >> 1;
  const size_t u_off = (size_t)fw * fh, v_off = u_off + cw * chh;
  if (frame.length < v_off + cw * chh) return veil_fail(env, "cellSums: frame too short");
  if (rx < 0 || ry < 0 || rw < 1 || rh < 1 || rw > fw - rx || rh > fh - ry)
    return veil_fail(env, "cellSums: region outside the frame");
  if (cell < 2 || step < 1 || step > cell || gw < 1 || gh < 1 ||
      grid.length < (size_t)gw * gh * 3 || gx > rx || gy > ry ||
      (int64_t)gx + (int64_t)gw * cell < (int64_t)rx + rw ||
      (int64_t)gy + (int64_t)gh * cell < (int64_t)ry + rh)
    return veil_fail(env, "cellSums: bad grid");
  double *counts = (double *)malloc(((size_t)gw + gh) * sizeof(double));
  int32_t *ends = (int32_t *)malloc((size_t)gw * sizeof(int32_t));
  if (!counts || !ends) {
    free(counts);
    free(ends);
    return veil_fail(env, "cellSums: out of memory");
  }
  const uint8_t *src = (const uint8_t *)frame.data;
  float *data = (float *)grid.data;
  memset(data, 0, (size_t)gw * gh * 3 * sizeof(float));
  for (int32_t c = 0; c < gw; c++) {
    const int64_t e = (int64_t)gx + (int64_t)(c + 1) * cell;
    ends[c] = (int32_t)(e < (int64_t)rx + rw ? e : (int64_t)rx + rw);
  }
  const int32_t c0 = (rx - gx) / cell;
  const int32_t s = step;
  const int32_t cs = s >> 1 > 1 ? s >> 1 : 1;
  const int32_t ls = 2 * cs;
  if (cell <= 256) {
    /*
     * Up to cells of 256 px every partial sum of a cell stays below 2^24, so the JavaScript's
     * float additions (one per row and cell) are exact and their order cannot matter: sums are
     * made band by band (a row of cells) in 16-bit column sums instead, the same totals.
     */
    uint16_t *acc = (uint16_t *)calloc((size_t)rw * 2, sizeof(uint16_t));
    if (!acc) {
      free(counts);
      free(ends);
      return veil_fail(env, "cellSums: out of memory");
    }
    uint16_t *acc2 = acc + rw;
    const int32_t n = (rw + s - 1) / s;
    int32_t band = -1;
    for (int32_t y = ry; y < ry + rh; y += s) {
      const int32_t b = (y - gy) / cell;
      if (b != band && band >= 0) flush_band(data + (size_t)band * gw * 3, acc, NULL, n, rx, s, ends, c0, gw);
      band = b;
      add_samples(acc, src + (size_t)y * fw + rx, n, s);
    }
    if (band >= 0) flush_band(data + (size_t)band * gw * 3, acc, NULL, n, rx, s, ends, c0, gw);
    per_cell(counts, rx, rw, gx, cell, gw, s);
    per_cell(counts + gw, ry, rh, gy, cell, gh, s);
    finish_means(data, gw, gh, counts, counts + gw, 0);
    /* Chroma samples x = rx + k ls are chroma columns (rx >> 1) + k cs. */
    const int32_t nc = (rw + ls - 1) / ls;
    band = -1;
    for (int32_t y = ry; y < ry + rh; y += ls) {
      const int32_t b = (y - gy) / cell;
      if (b != band && band >= 0)
        flush_band(data + (size_t)band * gw * 3 + 1, acc, acc2, nc, rx, ls, ends, c0, gw);
      band = b;
      const size_t at = (size_t)(y >> 1) * cw + (rx >> 1);
      add_samples(acc, src + u_off + at, nc, cs);
      add_samples(acc2, src + v_off + at, nc, cs);
    }
    if (band >= 0) flush_band(data + (size_t)band * gw * 3 + 1, acc, acc2, nc, rx, ls, ends, c0, gw);
    per_cell(counts, rx, rw, gx, cell, gw, ls);
    per_cell(counts + gw, ry, rh, gy, cell, gh, ls);
    finish_means(data, gw, gh, counts, counts + gw, 1);
    free(acc);
    free(counts);
    free(ends);
    return NULL;
  }
  /* Luma: every s-th pixel of every s-th row. */
  for (int32_t y = ry; y < ry + rh; y += s) {
    float *cells = data + (size_t)((y - gy) / cell) * gw * 3;
    const uint8_t *row = src + (size_t)y * fw;
    int32_t x = rx;
    for (int32_t c = c0; c < gw; c++) {
      const uint32_t sum = run_sum(row, x, ends[c], s, &x);
      cells[3 * (size_t)c] = (float)((double)cells[3 * (size_t)c] + (double)sum);
    }
  }
  per_cell(counts, rx, rw, gx, cell, gw, s);
  per_cell(counts + gw, ry, rh, gy, cell, gh, s);
  finish_means(data, gw, gh, counts, counts + gw, 0);
  /* Chroma: every 2cs-th luma pixel and row (cell >= 2, so cs >= 1). */
  for (int32_t y = ry; y < ry + rh; y += ls) {
    float *cells = data + (size_t)((y - gy) / cell) * gw * 3;
    const uint8_t *urow = src + u_off + (size_t)(y >> 1) * cw;
    const uint8_t *vrow = src + v_off + (size_t)(y >> 1) * cw;
    int32_t x = rx;
    for (int32_t c = c0; c < gw; c++) {
      const int32_t end = ends[c];
      uint32_t u = 0, v = 0;
      for (; x < end; x += ls) {
        u += urow[x >> 1];
        v += vrow[x >> 1];
      }
      cells[3 * (size_t)c + 1] = (float)((double)cells[3 * (size_t)c + 1] + (double)u);
      cells[3 * (size_t)c + 2] = (float)((double)cells[3 * (size_t)c + 2] + (double)v);
    }
  }
  per_cell(counts, rx, rw, gx, cell, gw, ls);
  per_cell(counts + gw, ry, rh, gy, cell, gh, ls);
  finish_means(data, gw, gh, counts, counts + gw, 1);
  free(counts);
  free(ends);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* gaussianish (region.filter.ts): box passes along rows, then columns                         */

VEIL_HOT static void box_rows(const float *restrict src, float *restrict dst,
                                               int32_t w, int32_t h, int32_t r) {
  const double norm = 1.0 / (2 * r + 1);
  const int32_t last = w - 1;
  for (int32_t y = 0; y < h; y++) {
    const float *s = src + (size_t)y * w * 3;
    float *d = dst + (size_t)y * w * 3;
    double a0 = (r + 1) * (double)s[0];
    double a1 = (r + 1) * (double)s[1];
    double a2 = (r + 1) * (double)s[2];
    for (int32_t k = 1; k <= r; k++) {
      const size_t t = 3 * (size_t)(k < last ? k : last);
      a0 += s[t];
      a1 += s[t + 1];
      a2 += s[t + 2];
    }
    for (int32_t k = 0; k < w; k++) {
      d[3 * (size_t)k] = (float)(a0 * norm);
      d[3 * (size_t)k + 1] = (float)(a1 * norm);
      d[3 * (size_t)k + 2] = (float)(a2 * norm);
      const int32_t add = k + r + 1;
      const int32_t sub = k - r;
      const size_t ta = 3 * (size_t)(add < last ? add : last);
      const size_t ts = sub > 0 ? 3 * (size_t)sub : 0;
      a0 += (double)s[ta] - (double)s[ts];
      a1 += (double)s[ta + 1] - (double)s[ts + 1];
      a2 += (double)s[ta + 2] - (double)s[ts + 2];
    }
  }
}

VEIL_HOT static void col_init(const float *restrict src, double *restrict acc,
                                               size_t stride, int32_t r) {
  for (size_t c = 0; c < stride; c++) acc[c] = (r + 1) * (double)src[c];
}

VEIL_HOT static void col_add(const float *restrict row, double *restrict acc,
                                              size_t stride) {
  for (size_t c = 0; c < stride; c++) acc[c] += row[c];
}

VEIL_HOT static void col_step(const float *restrict ra, const float *restrict rs,
                                               double *restrict acc, float *restrict out,
                                               size_t stride, double norm) {
  for (size_t c = 0; c < stride; c++) {
    out[c] = (float)(acc[c] * norm);
    acc[c] += (double)ra[c] - (double)rs[c];
  }
}

static void box_columns(const float *src, float *dst, double *acc, int32_t w, int32_t h,
                        int32_t r) {
  const double norm = 1.0 / (2 * r + 1);
  const int32_t last = h - 1;
  const size_t stride = (size_t)w * 3;
  col_init(src, acc, stride, r);
  for (int32_t k = 1; k <= r; k++) col_add(src + stride * (size_t)(k < last ? k : last), acc, stride);
  for (int32_t k = 0; k < h; k++) {
    const int32_t add = k + r + 1;
    const int32_t sub = k - r;
    const float *ra = src + stride * (size_t)(add < last ? add : last);
    const float *rs = src + (sub > 0 ? stride * (size_t)sub : 0);
    col_step(ra, rs, acc, dst + (size_t)k * stride, stride, norm);
  }
}

/* gaussianish(buf f32, w, h, r, passes): in place, as region.filter.ts. */
static napi_value gaussianish(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t buf;
  int32_t w, h, r, passes;
  if (argc != 5 || !veil_view_as(env, a[0], napi_float32_array, &buf) || !veil_int(env, a[1], &w) ||
      !veil_int(env, a[2], &h) || !veil_int(env, a[3], &r) || !veil_int(env, a[4], &passes))
    return veil_fail(env, "gaussianish: bad arguments");
  if (w < 1 || h < 1 || passes < 0 || r > 1 << 24 || (size_t)w * h * 3 > buf.length)
    return veil_fail(env, "gaussianish: bad sizes");
  if (r < 1 || passes == 0) return NULL;
  float *data = (float *)buf.data;
  float *pong = (float *)malloc((size_t)w * h * 3 * sizeof(float));
  double *acc = (double *)malloc((size_t)w * 3 * sizeof(double));
  if (!pong || !acc) {
    free(pong);
    free(acc);
    return veil_fail(env, "gaussianish: out of memory");
  }
  for (int32_t p = 0; p < passes; p++) {
    box_rows(data, pong, w, h, r);
    box_columns(pong, data, acc, w, h, r);
  }
  free(pong);
  free(acc);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* halveToRgb (yuv.frame.ts): 2x2 luma mean and the chroma sample, BT.601 by lookup tables     */

/* yuv.frame.ts's lookup tables (fixed point x1024). */
typedef struct {
  int32_t y_t[256], v_r[256], u_g[256], v_g[256], u_b[256];
} yuv_tables_t;

/* Math.round: the nearest integer, halves towards +infinity. */
static double js_round(double x) {
  double r = floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}

static void make_tables(yuv_tables_t *t) {
  for (int i = 0; i < 256; i++) {
    t->y_t[i] = (int32_t)js_round(1.164 * (i - 16) * 1024) + 512;
    t->v_r[i] = (int32_t)js_round(1.596 * (i - 128) * 1024);
    t->u_g[i] = (int32_t)js_round(-0.392 * (i - 128) * 1024);
    t->v_g[i] = (int32_t)js_round(-0.813 * (i - 128) * 1024);
    t->u_b[i] = (int32_t)js_round(2.017 * (i - 128) * 1024);
  }
}

static inline uint8_t sat(int32_t x) { return x < 0 ? 0 : x > 255 ? 255 : (uint8_t)x; }

VEIL_HOT static void halve_row(const yuv_tables_t *restrict tab,
                                                const uint8_t *restrict t, const uint8_t *restrict b,
                                                const uint8_t *restrict u, const uint8_t *restrict v,
                                                int32_t dw, uint8_t *restrict o) {
  for (int32_t i = 0; i < dw; i++) {
    const int32_t yy = tab->y_t[(t[2 * i] + t[2 * i + 1] + b[2 * i] + b[2 * i + 1]) >> 2];
    const int32_t cu = u[i], cv = v[i];
    o[3 * i] = sat((yy + tab->v_r[cv]) >> 10);
    o[3 * i + 1] = sat((yy + tab->u_g[cu] + tab->v_g[cv]) >> 10);
    o[3 * i + 2] = sat((yy + tab->u_b[cu]) >> 10);
  }
}

/* halveToRgb(frame u8, w, h, out u8): an even w x h I420 frame to RGB at w/2 x h/2. */
static napi_value halve_to_rgb(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t frame, out;
  int32_t w, h;
  if (argc != 4 || !veil_view_as(env, a[0], napi_uint8_array, &frame) || !veil_int(env, a[1], &w) ||
      !veil_int(env, a[2], &h) || !veil_view_as(env, a[3], napi_uint8_array, &out))
    return veil_fail(env, "halveToRgb: bad arguments");
  if (w < 2 || h < 2 || w % 2 || h % 2) return veil_fail(env, "halveToRgb: bad frame size");
  const size_t cw = (size_t)w / 2, ch = (size_t)h / 2;
  const size_t u_off = (size_t)w * h, v_off = u_off + cw * ch;
  if (frame.length < v_off + cw * ch) return veil_fail(env, "halveToRgb: frame too short");
  if (out.length < cw * ch * 3) return veil_fail(env, "halveToRgb: output too short");
  const uint8_t *s = (const uint8_t *)frame.data;
  uint8_t *o = (uint8_t *)out.data;
  yuv_tables_t tab; /* per call (a microsecond): no shared state between worker threads */
  make_tables(&tab);
  for (size_t j = 0; j < ch; j++) {
    const uint8_t *t = s + 2 * j * w;
    halve_row(&tab, t, t + w, s + u_off + j * cw, s + v_off + j * cw, (int32_t)cw, o + j * cw * 3);
  }
  return NULL;
}

/* One output row of reduceToRgb (`below` > 0: the 2x2 luma mean, that many bytes down). */
static inline __attribute__((always_inline)) void reduce_row_as(
    const yuv_tables_t *restrict tab, const uint8_t *restrict row, size_t below,
    const uint8_t *restrict urow, const uint8_t *restrict vrow, const int32_t *restrict xs,
    size_t dw, uint8_t *restrict d) {
  for (size_t i = 0; i < dw; i++) {
    const int32_t x = xs[i];
    const uint8_t *p = row + x;
    const int32_t yy =
        below ? tab->y_t[(p[0] + p[1] + p[below] + p[below + 1]) >> 2] : tab->y_t[p[0]];
    const int32_t cu = urow[x >> 1], cv = vrow[x >> 1];
    d[3 * i] = sat((yy + tab->v_r[cv]) >> 10);
    d[3 * i + 1] = sat((yy + tab->u_g[cu] + tab->v_g[cv]) >> 10);
    d[3 * i + 2] = sat((yy + tab->u_b[cu]) >> 10);
  }
}

VEIL_HOT static void reduce_row(
    const yuv_tables_t *tab, const uint8_t *row, size_t below, const uint8_t *urow,
    const uint8_t *vrow, const int32_t *xs, size_t dw, uint8_t *d) {
  if (below)
    reduce_row_as(tab, row, below, urow, vrow, xs, dw, d);
  else
    reduce_row_as(tab, row, 0, urow, vrow, xs, dw, d);
}

/*
 * reduceToRgb(frame u8, w, h, xs i32, ys i32, average, out u8): reducedRgb's general copy,
 * output pixel (i, j) from luma (xs[i], ys[j]) (with `average`, the mean of it, its right,
 * lower and lower-right neighbours) and the chroma sample under it; dw = xs.length,
 * dh = ys.length.
 */
static napi_value reduce_to_rgb(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t frame, xv, yv, out;
  int32_t w, h;
  bool average;
  if (argc != 7 || !veil_view_as(env, a[0], napi_uint8_array, &frame) || !veil_int(env, a[1], &w) ||
      !veil_int(env, a[2], &h) || !veil_view_as(env, a[3], napi_int32_array, &xv) ||
      !veil_view_as(env, a[4], napi_int32_array, &yv) ||
      napi_get_value_bool(env, a[5], &average) != napi_ok ||
      !veil_view_as(env, a[6], napi_uint8_array, &out))
    return veil_fail(env, "reduceToRgb: bad arguments");
  const int32_t k = average ? 2 : 1;
  if (w < k || h < k) return veil_fail(env, "reduceToRgb: bad frame size");
  const size_t cw = ((size_t)w + 1) >> 1, ch = ((size_t)h + 1) >> 1;
  const size_t u_off = (size_t)w * h, v_off = u_off + cw * ch;
  if (frame.length < v_off + cw * ch) return veil_fail(env, "reduceToRgb: frame too short");
  const size_t dw = xv.length, dh = yv.length;
  if (out.length < dw * dh * 3) return veil_fail(env, "reduceToRgb: output too short");
  const int32_t *xs = (const int32_t *)xv.data, *ys = (const int32_t *)yv.data;
  for (size_t i = 0; i < dw; i++)
    if (xs[i] < 0 || xs[i] > w - k) return veil_fail(env, "reduceToRgb: column outside the frame");
  for (size_t j = 0; j < dh; j++)
    if (ys[j] < 0 || ys[j] > h - k) return veil_fail(env, "reduceToRgb: row outside the frame");
  yuv_tables_t tab;
  make_tables(&tab);
  const uint8_t *s = (const uint8_t *)frame.data;
  uint8_t *o = (uint8_t *)out.data;
  for (size_t j = 0; j < dh; j++) {
    const uint8_t *row = s + (size_t)ys[j] * w;
    const uint8_t *urow = s + u_off + (size_t)(ys[j] >> 1) * cw;
    const uint8_t *vrow = s + v_off + (size_t)(ys[j] >> 1) * cw;
    if (average)
      reduce_row(&tab, row, (size_t)w, urow, vrow, xs, dw, o + j * dw * 3);
    else
      reduce_row(&tab, row, 0, urow, vrow, xs, dw, o + j * dw * 3);
  }
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* rasterizePolygon (mask.geometry.ts)                                                         */

/*
 * One row of one edge's distances (distanceToSegment, same operations) kept where smaller
 * than `dist` (floats, as the Float32Array); every pixel on its own, so GCC vectorizes it.
 */
VEIL_HOT static void edge_row(float *restrict dist, int32_t i1, int32_t i2,
                                               int32_t rx, double py, double a0, double a1,
                                               double vx, double vy, double len2) {
  for (int32_t i = i1; i < i2; i++) {
    const double px = (double)(rx + i) + 0.5;
    double t = 0;
    if (len2 != 0) {
      const double q = ((px - a0) * vx + (py - a1) * vy) / len2;
      const double m = q < 1 ? q : 1;
      t = m > 0 ? m : 0;
    }
    const double ex = px - (a0 + t * vx);
    const double ey = py - (a1 + t * vy);
    const double d = sqrt(ex * ex + ey * ey);
    dist[i] = d < (double)dist[i] ? (float)d : dist[i];
  }
}

VEIL_HOT static void coverage_of(float *restrict mask, const float *restrict dist,
                                                  size_t n, double f) {
  for (size_t k = 0; k < n; k++) {
    const double d = dist[k];
    mask[k] = (float)(d <= 0 ? 1 : d >= f ? 0 : 1 - d / f);
  }
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/* Clamps a double pixel bound into lo..hi (both ints) before it becomes an int. */
static inline int32_t clamp_to(double v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/*
 * rasterizePolygon(points f64 [x0, y0, x1, y1, ...], f, rx, ry, rw, rh, out f32): the polygon's
 * coverage over region rx, ry, rw x rh (f the feather, already at least 1e-6) into `out`.
 */
static napi_value rasterize_polygon(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t pts, out;
  double f;
  int32_t rx, ry, rw, rh;
  if (argc != 7 || !veil_view_as(env, a[0], napi_float64_array, &pts) || !veil_num(env, a[1], &f) ||
      !veil_int(env, a[2], &rx) || !veil_int(env, a[3], &ry) || !veil_int(env, a[4], &rw) ||
      !veil_int(env, a[5], &rh) || !veil_view_as(env, a[6], napi_float32_array, &out))
    return veil_fail(env, "rasterizePolygon: bad arguments");
  if (pts.length % 2 || !(f > 0) || rw < 0 || rh < 0 || out.length < (size_t)rw * rh)
    return veil_fail(env, "rasterizePolygon: bad sizes");
  const double *p = (const double *)pts.data;
  const size_t n = pts.length / 2;
  for (size_t k = 0; k < 2 * n; k++)
    if (!isfinite(p[k])) return veil_fail(env, "rasterizePolygon: bad points");
  const size_t area = (size_t)rw * rh;
  float *mask = (float *)out.data;
  float *dist = (float *)malloc((area ? area : 1) * sizeof(float));
  double *xs = (double *)malloc((n ? n : 1) * sizeof(double));
  if (!dist || !xs) {
    free(dist);
    free(xs);
    return veil_fail(env, "rasterizePolygon: out of memory");
  }
  for (size_t k = 0; k < area; k++) dist[k] = INFINITY;
  for (size_t e = 0, q = n - 1; e < n; q = e++) {
    const double a0 = p[2 * q], a1 = p[2 * q + 1], b0 = p[2 * e], b1 = p[2 * e + 1];
    const int32_t i1 = clamp_to(floor((a0 < b0 ? a0 : b0) - f - rx), 0, rw);
    const int32_t i2 = clamp_to(ceil((a0 > b0 ? a0 : b0) + f - rx), 0, rw);
    const int32_t j1 = clamp_to(floor((a1 < b1 ? a1 : b1) - f - ry), 0, rh);
    const int32_t j2 = clamp_to(ceil((a1 > b1 ? a1 : b1) + f - ry), 0, rh);
    const double vx = b0 - a0, vy = b1 - a1;
    const double len2 = vx * vx + vy * vy;
    for (int32_t j = j1; j < j2; j++) {
      const double y = (double)(ry + j) + 0.5;
      edge_row(dist + (size_t)j * rw, i1, i2, rx, y, a0, a1, vx, vy, len2);
    }
  }
  coverage_of(mask, dist, area, f);
  for (int32_t j = 0; j < rh; j++) {
    const double y = (double)(ry + j) + 0.5;
    size_t m = 0;
    for (size_t e = 0, q = n - 1; e < n; q = e++) {
      const double xa = p[2 * q], ya = p[2 * q + 1], xb = p[2 * e], yb = p[2 * e + 1];
      if ((ya > y) != (yb > y)) xs[m++] = xa + ((y - ya) * (xb - xa)) / (yb - ya);
    }
    qsort(xs, m, sizeof(double), cmp_double);
    for (size_t k = 0; k + 1 < m; k += 2) {
      /* pixel centres strictly inside the span [xs[k], xs[k + 1]] */
      const int32_t i1 = clamp_to(ceil(xs[k] - 0.5 - rx), 0, rw);
      const int32_t i2 = clamp_to(floor(xs[k + 1] - 0.5 - rx), -1, rw - 1);
      for (int32_t i = i1; i <= i2; i++) mask[(size_t)j * rw + i] = 1;
    }
  }
  free(dist);
  free(xs);
  return NULL;
}

void veil_register_yuv(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"blendGrid", NULL, blend_grid, NULL, NULL, NULL, napi_default, NULL},
      {"cellSums", NULL, cell_sums, NULL, NULL, NULL, napi_default, NULL},
      {"gaussianish", NULL, gaussianish, NULL, NULL, NULL, napi_default, NULL},
      {"halveToRgb", NULL, halve_to_rgb, NULL, NULL, NULL, napi_default, NULL},
      {"reduceToRgb", NULL, reduce_to_rgb, NULL, NULL, NULL, napi_default, NULL},
      {"rasterizePolygon", NULL, rasterize_polygon, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
