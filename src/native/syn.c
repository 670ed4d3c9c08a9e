/*
 * Veil's native kernels for `syn` (registered by kernels.c's init): the piecewise-affine
 * triangle warp of src/engine/syn/mesh.geometry.ts (`warpTriangles` with its `fillTriangle`)
 * and the per-pixel trilinear lookup of `transferLab` (src/engine/syn/colour.transfer.ts).
 * Each does the same double/float operations in the same order as that JavaScript (a JS number
 * is a double, a Float32Array element a float, `x | 0` ToInt32), so outputs are equal element
 * for element; the JavaScript stays the reference and the fallback. Every argument is checked
 * before anything is read or written: bad ones throw a TypeError.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <node_api.h>
#include "napi-args.h"


/* ECMAScript ToInt32 (what `v | 0` does). */
static inline int32_t js_int32(double v) {
  if (v > -2147483649.0 && v < 2147483648.0) return (int32_t)v;
  if (!isfinite(v)) return 0;
  double m = fmod(trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (int32_t)(uint32_t)m;
}

/* roundPixel of src/engine/round.ts: v < 0.5 ? 0 : (v + 0.5) | 0. */
static inline double round_pixel(double v) { return v < 0.5 ? 0.0 : (double)js_int32(v + 0.5); }

/* Math.min / Math.max of finite doubles (the callers' values; NaN is kept out by the checks). */
static inline double dmin(double a, double b) { return a < b ? a : b; }
static inline double dmax(double a, double b) { return a > b ? a : b; }

/* ------------------------------------------------------------------------------------------ */
/* warpTriangles (mesh.geometry.ts)                                                            */

typedef struct {
  const uint8_t *sd;
  int32_t sw, sh;
  float *rgb;
  uint8_t *covered;
  int32_t tx, ty, tw, th;
} warp_t;

static int fill_triangle(const warp_t *w, const double *d, const double *s, double area) {
  /* d, s: a, b, c as x, y pairs. */
  double minXd = dmax((double)w->tx, floor(dmin(dmin(d[0], d[2]), d[4])));
  double maxXd = dmin((double)w->tx + w->tw - 1, ceil(dmax(dmax(d[0], d[2]), d[4])));
  double minYd = dmax((double)w->ty, floor(dmin(dmin(d[1], d[3]), d[5])));
  double maxYd = dmin((double)w->ty + w->th - 1, ceil(dmax(dmax(d[1], d[3]), d[5])));
  if (minXd > maxXd || minYd > maxYd) return 0;
  const int32_t minX = (int32_t)minXd, maxX = (int32_t)maxXd;
  const int32_t minY = (int32_t)minYd, maxY = (int32_t)maxYd;
  const double inv = 1 / area;
  const double ax_ = d[0], ay_ = d[1], bx = d[2], by = d[3], cx = d[4], cy = d[5];
  const double w0x = (by - cy) * inv;
  const double w0y = (cx - bx) * inv;
  const double w0k = (bx * cy - cx * by) * inv;
  const double w1x = (cy - ay_) * inv;
  const double w1y = (ax_ - cx) * inv;
  const double w1k = (cx * ay_ - ax_ * cy) * inv;
  const double w2x = -w0x - w1x;
  const double w2y = -w0y - w1y;
  const double w2k = 1 - w0k - w1k;
  const double uX = w0x * s[0] + w1x * s[2] + w2x * s[4];
  const double uY = w0y * s[0] + w1y * s[2] + w2y * s[4];
  const double uK = w0k * s[0] + w1k * s[2] + w2k * s[4];
  const double vX = w0x * s[1] + w1x * s[3] + w2x * s[5];
  const double vY = w0y * s[1] + w1y * s[3] + w2y * s[5];
  const double vK = w0k * s[1] + w1k * s[3] + w2k * s[5];
  const uint8_t *sd = w->sd;
  const int32_t sw = w->sw, sh = w->sh;
  const double swm = (double)(sw - 1), shm = (double)(sh - 1);
  const double eps = -1e-3;
  for (int32_t y = minY; y <= maxY; y++) {
    const double py = y + 0.5;
    const int64_t rowAt = (int64_t)(y - w->ty) * w->tw - w->tx;
    for (int32_t x = minX; x <= maxX; x++) {
      const double px = x + 0.5;
      const double w0 = w0k + w0x * px + w0y * py;
      const double w1 = w1k + w1x * px + w1y * py;
      const double w2 = 1 - w0 - w1;
      if (w0 < eps || w1 < eps || w2 < eps) continue;
      double fx = uK + uX * px + uY * py - 0.5;
      double fy = vK + vX * px + vY * py - 0.5;
      /* Math.min(Math.max(v, 0), n - 1); a NaN (impossible with finite checked points) goes to 0
       * here so no index can leave the source. */
      fx = fx > 0 ? fx : 0;
      fx = fx < swm ? fx : swm;
      fy = fy > 0 ? fy : 0;
      fy = fy < shm ? fy : shm;
      const double x0d = floor(fx);
      const double y0d = floor(fy);
      const int32_t x0 = (int32_t)x0d;
      const int32_t y0 = (int32_t)y0d;
      const double ax = fx - x0d;
      const double ay = fy - y0d;
      const int64_t i00 = ((int64_t)y0 * sw + x0) * 3;
      const int64_t i01 = x0 + 1 < sw ? i00 + 3 : i00;
      const int64_t i10 = y0 + 1 < sh ? i00 + (int64_t)sw * 3 : i00;
      const int64_t i11 = i10 + (i01 - i00);
      const int64_t i = rowAt + x;
      const int64_t o = i * 3;
      for (int c = 0; c < 3; c++) {
        const double top = sd[i00 + c] + (double)(sd[i01 + c] - sd[i00 + c]) * ax;
        const double bottom = sd[i10 + c] + (double)(sd[i11 + c] - sd[i10 + c]) * ax;
        w->rgb[o + c] = (float)(top + (bottom - top) * ay);
      }
      w->covered[i] = 1;
    }
  }
  return 1;
}

static inline double js_sign(double v) { return v > 0 ? 1 : v < 0 ? -1 : 0; }

/* warpTriangles(src, sw, sh, srcPts, dstPts, triangles, rgb, covered, tx, ty, tw, th) -> drawn */
static napi_value warp_triangles(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value a[12];
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc != 12)
    return veil_fail(env, "warpTriangles: expected 12 arguments");
  veil_view_t src, sp, dp, tri, rgb, cov;
  warp_t w;
  if (!veil_view_as(env, a[0], napi_uint8_array, &src) || !veil_int(env, a[1], &w.sw) ||
      !veil_int(env, a[2], &w.sh) || !veil_view_as(env, a[3], napi_float64_array, &sp) ||
      !veil_view_as(env, a[4], napi_float64_array, &dp) ||
      !veil_view_as(env, a[5], napi_int32_array, &tri) ||
      !veil_view_as(env, a[6], napi_float32_array, &rgb) ||
      !veil_view_as(env, a[7], napi_uint8_array, &cov) || !veil_int(env, a[8], &w.tx) ||
      !veil_int(env, a[9], &w.ty) || !veil_int(env, a[10], &w.tw) || !veil_int(env, a[11], &w.th))
    return veil_fail(env, "warpTriangles: bad arguments");
  if (w.sw < 1 || w.sh < 1 || w.sw > 1 << 15 || w.sh > 1 << 15 ||
      src.length < (size_t)w.sw * w.sh * 3)
    return veil_fail(env, "warpTriangles: bad source size");
  if (w.tw < 0 || w.th < 0 || w.tw > 1 << 15 || w.th > 1 << 15 || w.tx < -(1 << 24) ||
      w.tx > 1 << 24 || w.ty < -(1 << 24) || w.ty > 1 << 24 ||
      rgb.length < (size_t)w.tw * w.th * 3 || cov.length < (size_t)w.tw * w.th)
    return veil_fail(env, "warpTriangles: bad target");
  if (sp.length != dp.length || sp.length % 2 != 0)
    return veil_fail(env, "warpTriangles: point arrays differ");
  const double *spts = (const double *)sp.data;
  const double *dpts = (const double *)dp.data;
  for (size_t k = 0; k < sp.length; k++)
    if (!(fabs(spts[k]) <= 1e7) || !(fabs(dpts[k]) <= 1e7))
      return veil_fail(env, "warpTriangles: points must be finite, within 1e7");
  const size_t npts = sp.length / 2;
  const int32_t *t = (const int32_t *)tri.data;
  /* Only whole triples are read (as the JavaScript's t + 2 < length). */
  for (size_t k = 0; k < tri.length - tri.length % 3; k++)
    if (t[k] < 0 || (size_t)t[k] >= npts)
      return veil_fail(env, "warpTriangles: triangle index out of range");
  w.sd = (const uint8_t *)src.data;
  w.rgb = (float *)rgb.data;
  w.covered = (uint8_t *)cov.data;
  int32_t drawn = 0;
  for (size_t k = 0; k + 2 < tri.length; k += 3) {
    const int32_t ia = t[k], ib = t[k + 1], ic = t[k + 2];
    const double d[6] = {dpts[ia * 2], dpts[ia * 2 + 1], dpts[ib * 2],
                         dpts[ib * 2 + 1], dpts[ic * 2], dpts[ic * 2 + 1]};
    const double s[6] = {spts[ia * 2], spts[ia * 2 + 1], spts[ib * 2],
                         spts[ib * 2 + 1], spts[ic * 2], spts[ic * 2 + 1]};
    /* signedArea2(a, b, c) = (b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y) */
    const double area = (d[2] - d[0]) * (d[5] - d[1]) - (d[4] - d[0]) * (d[3] - d[1]);
    const double srcArea = (s[2] - s[0]) * (s[5] - s[1]) - (s[4] - s[0]) * (s[3] - s[1]);
    if (fabs(area) < 1e-6 || fabs(srcArea) < 1e-9 || js_sign(area) != js_sign(srcArea)) continue;
    if (fill_triangle(&w, d, s, area)) drawn++;
  }
  napi_value out;
  napi_create_int32(env, drawn, &out);
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* transferLab's per-pixel lookup (colour.transfer.ts)                                          */

#define LUT_SIDE 17
#define LUT_STEP 16

/* lutApply(rgb Float32Array, mask Uint8Array, lut Float32Array 17^3 * 3): in place. */
static napi_value lut_apply(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc != 3)
    return veil_fail(env, "lutApply: expected 3 arguments");
  veil_view_t rgb, mask, lutv;
  if (!veil_view_as(env, a[0], napi_float32_array, &rgb) ||
      !veil_view_as(env, a[1], napi_uint8_array, &mask) ||
      !veil_view_as(env, a[2], napi_float32_array, &lutv))
    return veil_fail(env, "lutApply: bad arguments");
  if (lutv.length != (size_t)LUT_SIDE * LUT_SIDE * LUT_SIDE * 3)
    return veil_fail(env, "lutApply: lut must hold 17^3 * 3 values");
  if (rgb.length / 3 < mask.length) return veil_fail(env, "lutApply: rgb shorter than mask * 3");
  float *px = (float *)rgb.data;
  const uint8_t *m = (const uint8_t *)mask.data;
  const float *lut = (const float *)lutv.data;
  const int sg = LUT_SIDE * 3;
  const int sr = LUT_SIDE * sg;
  const double top = LUT_SIDE - 1.0001;
  for (size_t i = 0; i < mask.length; i++) {
    if (!m[i]) continue;
    const size_t o = i * 3;
    const double fr = dmin(top, dmax(0, round_pixel(px[o]) / LUT_STEP));
    const double fg = dmin(top, dmax(0, round_pixel(px[o + 1]) / LUT_STEP));
    const double fb = dmin(top, dmax(0, round_pixel(px[o + 2]) / LUT_STEP));
    const double r0 = floor(fr);
    const double g0 = floor(fg);
    const double b0 = floor(fb);
    const double dr = fr - r0;
    const double dg = fg - g0;
    const double db = fb - b0;
    const int base = (int)r0 * sr + (int)g0 * sg + (int)b0 * 3;
    for (int c = 0; c < 3; c++) {
      const int k = base + c;
      const double c00 = (double)lut[k] + ((double)lut[k + 3] - lut[k]) * db;
      const double c01 = (double)lut[k + sg] + ((double)lut[k + sg + 3] - lut[k + sg]) * db;
      const double c10 = (double)lut[k + sr] + ((double)lut[k + sr + 3] - lut[k + sr]) * db;
      const double c11 =
          (double)lut[k + sr + sg] + ((double)lut[k + sr + sg + 3] - lut[k + sr + sg]) * db;
      const double c0 = c00 + (c01 - c00) * dg;
      const double c1 = c10 + (c11 - c10) * dg;
      px[o + c] = (float)round_pixel(c0 + (c1 - c0) * dr);
    }
  }
  return NULL;
}


/* ------------------------------------------------------------------------------------------ */
/* cropAround's resampled paths (face.crop.ts)                                                  */

/* Smallest and largest element of an Int32Array view (n > 0). */
static void int_range(const int32_t *v, size_t n, int64_t *lo, int64_t *hi) {
  *lo = v[0];
  *hi = v[0];
  for (size_t i = 1; i < n; i++) {
    if (v[i] < *lo) *lo = v[i];
    if (v[i] > *hi) *hi = v[i];
  }
}

/* One source row interpolated along x at every tap column (cropAround's `horizontal`). */
static VEIL_HOT void crop_horizontal(const uint8_t *row, const int32_t *c0, const int32_t *c1,
                                     const double *ax, int32_t cols, double *out) {
  for (int32_t x = 0, o = 0; x < cols; x++, o += 3) {
    const uint8_t *p0 = row + c0[x];
    const uint8_t *p1 = row + c1[x];
    const double a = ax[x];
    out[o] = p0[0] + ((double)p1[0] - p0[0]) * a;
    out[o + 1] = p0[1] + ((double)p1[1] - p0[1]) * a;
    out[o + 2] = p0[2] + ((double)p1[2] - p0[2]) * a;
  }
}

/* roundPixel of a value in 0..255 (a blend of bytes), stored as a byte. */
static inline uint8_t byte_round(double v) { return v < 0.5 ? 0 : (uint8_t)(int32_t)(v + 0.5); }

/*
 * Which of the two row buffers holds source row `row` interpolated along x (computed into the
 * buffer other than `keep` when neither does): cropAround's `rowOf`.
 */
static int crop_row(const uint8_t *sd, int64_t row, int keep, const int32_t *c0, const int32_t *c1,
                    const double *ax, int32_t cols, double *buf[2], int64_t keys[2]) {
  if (keys[0] == row) return 0;
  if (keys[1] == row) return 1;
  const int b = keep == 0 ? 1 : 0;
  crop_horizontal(sd + row, c0, c1, ax, cols, buf[b]);
  keys[b] = row;
  return b;
}

/* One output row of the one-tap crop: top + (bottom - top) * ay, rounded. */
static VEIL_HOT void crop_vertical(const double *top, const double *bottom, double ay, int32_t n,
                                   uint8_t *out) {
  for (int32_t i = 0; i < n; i++) out[i] = byte_round(top[i] + (bottom[i] - top[i]) * ay);
}

/*
 * cropBilinear(src Uint8Array, taps 1|2, side, c0 Int32Array, c1 Int32Array, ax Float64Array,
 * r0 Int32Array, r1 Int32Array, ay Float64Array, out Uint8Array side*side*3): the axis arrays as
 * cropAround's `axis` makes them (byte offsets of the two source pixels per tap: columns times
 * 3, rows times the row's bytes; the upper one's weight).
 */
static napi_value crop_bilinear(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10];
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc != 10)
    return veil_fail(env, "cropBilinear: expected 10 arguments");
  veil_view_t src, c0v, c1v, axv, r0v, r1v, ayv, outv;
  int32_t taps, side;
  if (!veil_view_as(env, a[0], napi_uint8_array, &src) || !veil_int(env, a[1], &taps) ||
      !veil_int(env, a[2], &side) || !veil_view_as(env, a[3], napi_int32_array, &c0v) ||
      !veil_view_as(env, a[4], napi_int32_array, &c1v) ||
      !veil_view_as(env, a[5], napi_float64_array, &axv) ||
      !veil_view_as(env, a[6], napi_int32_array, &r0v) ||
      !veil_view_as(env, a[7], napi_int32_array, &r1v) ||
      !veil_view_as(env, a[8], napi_float64_array, &ayv) ||
      !veil_view_as(env, a[9], napi_uint8_array, &outv))
    return veil_fail(env, "cropBilinear: bad arguments");
  if ((taps != 1 && taps != 2) || side < 1 || side > 8192)
    return veil_fail(env, "cropBilinear: taps must be 1 or 2, side 1..8192");
  const size_t n = (size_t)side * (size_t)taps;
  if (c0v.length != n || c1v.length != n || axv.length != n || r0v.length != n ||
      r1v.length != n || ayv.length != n)
    return veil_fail(env, "cropBilinear: axis arrays must hold side * taps values");
  if (outv.length != (size_t)side * side * 3)
    return veil_fail(env, "cropBilinear: out must hold side * side * 3 bytes");
  int64_t clo, chi, c1lo, c1hi, rlo, rhi, r1lo, r1hi;
  int_range(c0v.data, n, &clo, &chi);
  int_range(c1v.data, n, &c1lo, &c1hi);
  int_range(r0v.data, n, &rlo, &rhi);
  int_range(r1v.data, n, &r1lo, &r1hi);
  if (clo < 0 || c1lo < 0 || rlo < 0 || r1lo < 0 ||
      (chi > c1hi ? chi : c1hi) + (rhi > r1hi ? rhi : r1hi) + 2 >= (int64_t)src.length)
    return veil_fail(env, "cropBilinear: a sample lies outside src");
  const uint8_t *sd = src.data;
  const int32_t *c0 = c0v.data, *c1 = c1v.data, *r0 = r0v.data, *r1 = r1v.data;
  const double *ax = axv.data, *ay = ayv.data;
  uint8_t *out = outv.data;
  /*
   * Each source row is interpolated along x once per tap column (`crop_horizontal`, the same
   * operations as per output pixel) into one of two buffers kept while the next rows need it.
   */
  const size_t span = n * 3;
  double *bufs = malloc(sizeof(double) * (span * 2 + (size_t)side * 3));
  if (!bufs) return veil_fail(env, "cropBilinear: out of memory");
  double *buf[2] = {bufs, bufs + span};
  int64_t keys[2] = {-1, -1};
  if (taps == 1) {
    for (int32_t y = 0; y < side; y++) {
      const int bt = crop_row(sd, r0[y], -1, c0, c1, ax, (int32_t)n, buf, keys);
      const int bb = crop_row(sd, r1[y], bt, c0, c1, ax, (int32_t)n, buf, keys);
      crop_vertical(buf[bt], buf[bb], ay[y], side * 3, out + (size_t)y * side * 3);
    }
    free(bufs);
    return NULL;
  }
  /* Two taps: per output pixel the four taps summed in the JavaScript's order. */
  double *sums = bufs + span * 2;
  for (int32_t y = 0; y < side; y++) {
    for (int32_t i = 0; i < side * 3; i++) sums[i] = 0;
    for (int32_t ty = 0; ty < 2; ty++) {
      const int32_t ry = y * 2 + ty;
      const int bt = crop_row(sd, r0[ry], -1, c0, c1, ax, (int32_t)n, buf, keys);
      const int bb = crop_row(sd, r1[ry], bt, c0, c1, ax, (int32_t)n, buf, keys);
      const double *top = buf[bt];
      const double *bottom = buf[bb];
      const double wy = ay[ry];
      for (int32_t x = 0, o = 0, k = 0; x < side; x++, o += 3, k += 6) {
        sums[o] += top[k] + (bottom[k] - top[k]) * wy;
        sums[o + 1] += top[k + 1] + (bottom[k + 1] - top[k + 1]) * wy;
        sums[o + 2] += top[k + 2] + (bottom[k + 2] - top[k + 2]) * wy;
        sums[o] += top[k + 3] + (bottom[k + 3] - top[k + 3]) * wy;
        sums[o + 1] += top[k + 4] + (bottom[k + 4] - top[k + 4]) * wy;
        sums[o + 2] += top[k + 5] + (bottom[k + 5] - top[k + 5]) * wy;
      }
    }
    uint8_t *o = out + (size_t)y * side * 3;
    for (int32_t i = 0; i < side * 3; i++) o[i] = byte_round(sums[i] * 0.25);
  }
  free(bufs);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* cutTurned's samples (tracked.input.ts): TensorFlow.js WASM's float32 arithmetic             */

/* C's round (half away from zero) as tracked.input.ts's roundC computes it. */
static inline double round_c(double v) { return v < 0 ? -round_pixel(-v) : round_pixel(v); }

/* Fields of one packed axis entry: inside, lo, hi, lerp, loCos, loSin, hiCos, hiSin. */
#define AX_FIELDS 8

/* turnedAt: the RGB offset of the turned image's pixel, or -1 outside. */
static inline int64_t turned_at(float xCos, float xSin, float yCos, float ySin, float cx, float cy,
                                int32_t w, int32_t h) {
  const float tx = (float)((double)xCos - ySin);
  const float ty = (float)((double)xSin + yCos);
  const double sx = round_c((float)((double)tx + cx));
  const double sy = round_c((float)((double)ty + cy));
  return sx >= 0 && sx < w && sy >= 0 && sy < h ? ((int64_t)sy * w + (int64_t)sx) * 3 : -1;
}

#define CUT_TURNED_LOOP(T)                                                                       \
  for (int32_t y = 0; y < size; y++) {                                                           \
    const double *ry = rows + (size_t)y * AX_FIELDS;                                             \
    if (!ry[0]) continue;                                                                        \
    const int64_t top = (int64_t)ry[1], bottom = (int64_t)ry[2];                                 \
    const float yLerp = (float)ry[3], tCos = (float)ry[4], tSin = (float)ry[5];                  \
    const float bCos = (float)ry[6], bSin = (float)ry[7];                                        \
    for (int32_t x = 0; x < size; x++) {                                                         \
      const double *cx_ = cols + (size_t)x * AX_FIELDS;                                          \
      if (!cx_[0]) continue;                                                                     \
      const int64_t left = (int64_t)cx_[1], right = (int64_t)cx_[2];                             \
      const float xLerp = (float)cx_[3], lCos = (float)cx_[4], lSin = (float)cx_[5];             \
      const float rCos = (float)cx_[6], rSin = (float)cx_[7];                                    \
      const int64_t tl = turned ? turned_at(lCos, lSin, tCos, tSin, cxf, cyf, w, h)              \
                                : (top * w + left) * 3;                                          \
      const int64_t tr = turned ? turned_at(rCos, rSin, tCos, tSin, cxf, cyf, w, h)              \
                                : (top * w + right) * 3;                                         \
      const int64_t bl = turned ? turned_at(lCos, lSin, bCos, bSin, cxf, cyf, w, h)              \
                                : (bottom * w + left) * 3;                                       \
      const int64_t br = turned ? turned_at(rCos, rSin, bCos, bSin, cxf, cyf, w, h)              \
                                : (bottom * w + right) * 3;                                      \
      float *o = out + ((size_t)y * size + x) * 3;                                               \
      for (int c = 0; c < 3; c++) {                                                              \
        const double vtl = tl < 0 ? 0 : (double)((const T *)sd)[tl + c];                         \
        const double vtr = tr < 0 ? 0 : (double)((const T *)sd)[tr + c];                         \
        const double vbl = bl < 0 ? 0 : (double)((const T *)sd)[bl + c];                         \
        const double vbr = br < 0 ? 0 : (double)((const T *)sd)[br + c];                         \
        const float t = (float)(vtl + (double)(float)((double)(float)(vtr - vtl) * xLerp));      \
        const float b = (float)(vbl + (double)(float)((double)(float)(vbr - vbl) * xLerp));      \
        const float v = (float)((double)t + (double)(float)((double)(float)((double)b - t) *     \
                                                          yLerp));                               \
        o[c] = (float)((double)v / divisor);                                                     \
      }                                                                                          \
    }                                                                                            \
  }

/*
 * cutTurned(src Uint8Array|Float32Array h*w*3, w, h, turned 0|1, centreX, centreY, cols
 * Float64Array size*8, rows Float64Array size*8, size, divisor, out Float32Array size*size*3):
 * the per-sample loop of tracked.input.ts's cutTurned, its axis entries packed (inside, lo, hi,
 * lerp, loCos, loSin, hiCos, hiSin); samples outside are left as `out` holds them (0).
 */
static napi_value cut_turned(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value a[11];
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc != 11)
    return veil_fail(env, "cutTurned: expected 11 arguments");
  veil_view_t src, colsv, rowsv, outv;
  int32_t w, h, turned, size;
  double cx, cy, divisor;
  if (!veil_view(env, a[0], &src) ||
      (src.type != napi_uint8_array && src.type != napi_float32_array) ||
      !veil_int(env, a[1], &w) || !veil_int(env, a[2], &h) || !veil_int(env, a[3], &turned) ||
      !veil_num(env, a[4], &cx) || !veil_num(env, a[5], &cy) ||
      !veil_view_as(env, a[6], napi_float64_array, &colsv) ||
      !veil_view_as(env, a[7], napi_float64_array, &rowsv) || !veil_int(env, a[8], &size) ||
      !veil_num(env, a[9], &divisor) || !veil_view_as(env, a[10], napi_float32_array, &outv))
    return veil_fail(env, "cutTurned: bad arguments");
  if (w < 1 || h < 1 || size < 1 || size > 4096 || divisor == 0 ||
      src.length != (size_t)w * h * 3)
    return veil_fail(env, "cutTurned: src must hold w * h * 3 values, size 1..4096");
  if (colsv.length != (size_t)size * AX_FIELDS || rowsv.length != (size_t)size * AX_FIELDS ||
      outv.length != (size_t)size * size * 3)
    return veil_fail(env, "cutTurned: axis or out arrays of the wrong length");
  const double *cols = colsv.data, *rows = rowsv.data;
  /* Without a turn the samples index src directly: every inside entry must lie in the image. */
  for (int32_t i = 0; i < size; i++) {
    const double *c = cols + (size_t)i * AX_FIELDS, *r = rows + (size_t)i * AX_FIELDS;
    if ((c[0] && !(c[1] >= 0 && c[2] < w && c[1] <= c[2])) ||
        (r[0] && !(r[1] >= 0 && r[2] < h && r[1] <= r[2])))
      return veil_fail(env, "cutTurned: an axis sample lies outside the image");
  }
  const void *sd = src.data;
  float *out = outv.data;
  const float cxf = (float)cx, cyf = (float)cy;
  if (src.type == napi_uint8_array) {
    CUT_TURNED_LOOP(uint8_t)
  } else {
    CUT_TURNED_LOOP(float)
  }
  return NULL;
}

void veil_register_syn(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"warpTriangles", NULL, warp_triangles, NULL, NULL, NULL, napi_default, NULL},
      {"lutApply", NULL, lut_apply, NULL, NULL, NULL, napi_default, NULL},
      {"cropBilinear", NULL, crop_bilinear, NULL, NULL, NULL, napi_default, NULL},
      {"cutTurned", NULL, cut_turned, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
