/*
 * Veil's native image kernels (N-API, plain C): the hot loops of src/engine/preprocess.ts,
 * with the same float operations in the same order as the JavaScript they replace, so results
 * are equal element for element (built with -ffp-contract=off: no fused multiply-add).
 * The JavaScript stays the reference and the fallback when this module did not build.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "napi-args.h"

/* One output row's vertical sum: the first product rounded to float, the second added in double. */
/* Kept out of line: inlined into the caller GCC no longer vectorizes it. */
VEIL_HOT static void vertical2(const uint8_t *restrict ra, const uint8_t *restrict rb, size_t n, double ua,
                      double ub, float *restrict acc) {
  for (size_t i = 0; i < n; i++) acc[i] = (float)((double)(float)(ra[i] * ua) + rb[i] * ub);
}

/* One channel's horizontal taps (interleaved `acc`, tap offsets pre-multiplied by 3). */
VEIL_HOT static void horizontal2(const float *restrict acc, const int32_t *restrict hp,
                        const double *restrict hw, size_t width, float *restrict dst) {
  for (size_t x = 0; x < width; x++)
    dst[x] = (float)floor((double)acc[hp[2 * x]] * hw[2 * x] +
                          (double)acc[hp[2 * x + 1]] * hw[2 * x + 1] + 0.5);
}

/*
 * resamplePlanar(src u8, sw, sh, hStart i32, hCount i32, hW f32, hStride,
 *                vStart i32, vCount i32, vW f32, vStride, out f32, first, second, third, padW)
 * Two taps at most on both axes: resampleTwoTaps; else resampleTaps (preprocess.ts).
 */
static napi_value resample_planar(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value a[16];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc != 16) return veil_fail(env, "resamplePlanar: 16 arguments");
  veil_view_t src, hs, hc, hw, vs, vc, vw, out;
  int32_t sw, sh, hstride, vstride, first, second, third, padw;
  if (!veil_view_as(env, a[0], napi_uint8_array, &src) || !veil_int(env, a[1], &sw) ||
      !veil_int(env, a[2], &sh) || !veil_view_as(env, a[3], napi_int32_array, &hs) ||
      !veil_view_as(env, a[4], napi_int32_array, &hc) || !veil_view_as(env, a[5], napi_float32_array, &hw) ||
      !veil_int(env, a[6], &hstride) || !veil_view_as(env, a[7], napi_int32_array, &vs) ||
      !veil_view_as(env, a[8], napi_int32_array, &vc) || !veil_view_as(env, a[9], napi_float32_array, &vw) ||
      !veil_int(env, a[10], &vstride) || !veil_view_as(env, a[11], napi_float32_array, &out) ||
      !veil_int(env, a[12], &first) || !veil_int(env, a[13], &second) ||
      !veil_int(env, a[14], &third) || !veil_int(env, a[15], &padw))
    return veil_fail(env, "resamplePlanar: bad arguments");
  const uint8_t *s = (const uint8_t *)src.data;
  const int32_t *hstart = (const int32_t *)hs.data, *hcount = (const int32_t *)hc.data;
  const int32_t *vstart = (const int32_t *)vs.data, *vcount = (const int32_t *)vc.data;
  const float *hwt = (const float *)hw.data, *vwt = (const float *)vw.data;
  float *o = (float *)out.data;
  const size_t width = hc.length, height = vc.length;
  const size_t row = (size_t)sw * 3;
  if (sw < 1 || sh < 1 || (size_t)sw * sh * 3 > src.length)
    return veil_fail(env, "resamplePlanar: source too short");
  if (hstride < 1 || vstride < 1 || hs.length != width || vs.length != height ||
      hw.length < width * (size_t)hstride || vw.length < height * (size_t)vstride)
    return veil_fail(env, "resamplePlanar: bad tap arrays");
  int two = 1;
  for (size_t x = 0; x < width; x++) {
    if (hcount[x] < 1 || hcount[x] > hstride || hstart[x] < 0 || hstart[x] + hcount[x] > sw)
      return veil_fail(env, "resamplePlanar: bad horizontal taps");
    if (hcount[x] > 2) two = 0;
  }
  for (size_t y = 0; y < height; y++) {
    if (vcount[y] < 1 || vcount[y] > vstride || vstart[y] < 0 || vstart[y] + vcount[y] > sh)
      return veil_fail(env, "resamplePlanar: bad vertical taps");
    if (vcount[y] > 2) two = 0;
  }
  int32_t planes[3] = {first, second, third};
  size_t need = 0;
  for (int c = 0; c < 3; c++) {
    size_t end = (size_t)planes[c] + (height ? (height - 1) * (size_t)padw + width : 0);
    if (end > need) need = end;
  }
  if (need > out.length || padw < 0 || (size_t)padw < width)
    return veil_fail(env, "resamplePlanar: output too short");
  float *acc = (float *)malloc(row * sizeof(float));
  if (!acc) return veil_fail(env, "resamplePlanar: out of memory");
  if (two) {
    int32_t *hp = (int32_t *)malloc(width * 2 * sizeof(int32_t));
    double *hw2 = (double *)malloc(width * 2 * sizeof(double));
    if (!hp || !hw2) {
      free(hp);
      free(hw2);
      free(acc);
      return veil_fail(env, "resamplePlanar: out of memory");
    }
    for (size_t x = 0; x < width; x++) {
      int t = hcount[x] == 2;
      hp[2 * x] = 3 * hstart[x];
      hp[2 * x + 1] = 3 * (t ? hstart[x] + 1 : hstart[x]);
      hw2[2 * x] = hwt[x * hstride];
      hw2[2 * x + 1] = t ? hwt[x * hstride + 1] : 0;
    }
    for (size_t y = 0; y < height; y++) {
      int t = vcount[y] == 2;
      vertical2(s + (size_t)vstart[y] * row, s + (size_t)(vstart[y] + t) * row, row,
                vwt[y * vstride], t ? vwt[y * vstride + 1] : 0, acc);
      for (int c = 0; c < 3; c++)
        horizontal2(acc + c, hp, hw2, width, o + planes[c] + y * (size_t)padw);
    }
    free(hp);
    free(hw2);
  } else {
    for (size_t y = 0; y < height; y++) {
      const uint8_t *r0 = s + (size_t)vstart[y] * row;
      double wa = vwt[y * vstride];
      for (size_t i = 0; i < row; i++) acc[i] = (float)(r0[i] * wa);
      for (int k = 1; k < vcount[y]; k++) {
        const uint8_t *rk = r0 + (size_t)k * row;
        double w = vwt[y * vstride + k];
        for (size_t i = 0; i < row; i++) acc[i] = (float)((double)acc[i] + rk[i] * w);
      }
      float *dr = o + first + y * (size_t)padw, *dg = o + second + y * (size_t)padw,
            *db = o + third + y * (size_t)padw;
      for (size_t x = 0; x < width; x++) {
        const float *w = hwt + x * hstride;
        const float *p = acc + 3 * (size_t)hstart[x];
        double sr = (double)p[0] * w[0], sg = (double)p[1] * w[0], sb = (double)p[2] * w[0];
        for (int k = 1; k < hcount[x]; k++) {
          p += 3;
          sr += (double)p[0] * w[k];
          sg += (double)p[1] * w[k];
          sb += (double)p[2] * w[k];
        }
        dr[x] = (float)floor(sr + 0.5);
        dg[x] = (float)floor(sg + 0.5);
        db[x] = (float)floor(sb + 0.5);
      }
    }
  }
  free(acc);
  return NULL;
}

/* copyPlanar(src u8, sw, sh, out f32, first, second, third, padW): same size, de-interleaved. */
static napi_value copy_planar(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value a[8];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t src, out;
  int32_t sw, sh, first, second, third, padw;
  if (argc != 8 || !veil_view_as(env, a[0], napi_uint8_array, &src) || !veil_int(env, a[1], &sw) ||
      !veil_int(env, a[2], &sh) || !veil_view_as(env, a[3], napi_float32_array, &out) ||
      !veil_int(env, a[4], &first) || !veil_int(env, a[5], &second) ||
      !veil_int(env, a[6], &third) || !veil_int(env, a[7], &padw))
    return veil_fail(env, "copyPlanar: bad arguments");
  if (sw < 0 || sh < 0 || (size_t)sw * sh * 3 > src.length || padw < sw)
    return veil_fail(env, "copyPlanar: bad sizes");
  int32_t planes[3] = {first, second, third};
  for (int c = 0; c < 3; c++)
    if (sh > 0 && (size_t)planes[c] + (size_t)(sh - 1) * padw + sw > out.length)
      return veil_fail(env, "copyPlanar: output too short");
  const uint8_t *s = (const uint8_t *)src.data;
  float *o = (float *)out.data;
  for (int32_t y = 0; y < sh; y++) {
    const uint8_t *r = s + (size_t)y * sw * 3;
    float *dr = o + first + (size_t)y * padw, *dg = o + second + (size_t)y * padw,
          *db = o + third + (size_t)y * padw;
    for (int32_t x = 0; x < sw; x++) {
      dr[x] = r[3 * x];
      dg[x] = r[3 * x + 1];
      db[x] = r[3 * x + 2];
    }
  }
  return NULL;
}

/* One tensor pass: x = (x - sub) * mul in float arithmetic, as onnxruntime's Sub and Mul. */
VEIL_HOT static void affine_span(float *restrict x, size_t n, float sub, float mul) {
  for (size_t i = 0; i < n; i++) {
    float t = x[i] - sub;
    x[i] = t * mul;
  }
}

/* affineInPlace(x f32, sub, mul): a model's input normalisation, taken out of its graph. */
static napi_value affine_in_place(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t x;
  double sub, mul;
  if (argc != 3 || !veil_view_as(env, a[0], napi_float32_array, &x) ||
      !veil_num(env, a[1], &sub) || !veil_num(env, a[2], &mul))
    return veil_fail(env, "affineInPlace: bad arguments");
  affine_span((float *)x.data, x.length, (float)sub, (float)mul);
  return NULL;
}

/* One plane's quantization: round(x / scale) half to even, + zero, saturated (QuantizeLinear). */
VEIL_HOT static void quantize_span(const float *restrict x, size_t n, float scale, float lo,
                                   float hi, int32_t zero, uint8_t *restrict q) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i] / scale;
    v = v >= lo ? v : lo; /* NaN too: a defined byte rather than an undefined conversion */
    v = v > hi ? hi : v;
    q[i] = (uint8_t)((int32_t)nearbyintf(v) + zero);
  }
}

/* Bytes of zero point kept left and right of each quantized row (the patches' reach, + slack). */
#define STEM_PAD 8

/*
 * gatherStem(planar f32, w, h, scale, zero, padTop, padLeft, out u8, ow, oh): the gathered input
 * of a 3x3 stride-2 first layer (src/engine/stem-gather.ts), pixel by pixel (NHWC): output pixel
 * (y, x) holds 27 bytes, channel c, row ky, column kx at c * 9 + ky * 3 + kx.
 */
static napi_value gather_stem(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  veil_view_t src, out;
  int32_t w, h, zero, pt, pl, ow, oh;
  double scale;
  if (argc != 10 || !veil_view_as(env, a[0], napi_float32_array, &src) || !veil_int(env, a[1], &w) ||
      !veil_int(env, a[2], &h) || !veil_num(env, a[3], &scale) || !veil_int(env, a[4], &zero) ||
      !veil_int(env, a[5], &pt) || !veil_int(env, a[6], &pl) ||
      !veil_view_as(env, a[7], napi_uint8_array, &out) || !veil_int(env, a[8], &ow) ||
      !veil_int(env, a[9], &oh))
    return veil_fail(env, "gatherStem: bad arguments");
  if (w <= 0 || h <= 0 || ow <= 0 || oh <= 0 || zero < 0 || zero > 255 || pt < 0 || pt > 2 ||
      pl < 0 || pl > 2 || !(scale > 0) || 2 * (ow - 1) - pl + 2 >= w + STEM_PAD - 1 ||
      2 * (oh - 1) - pt >= h)
    return veil_fail(env, "gatherStem: bad sizes");
  size_t plane = (size_t)w * (size_t)h;
  if (src.length < 3 * plane || out.length < (size_t)27 * (size_t)ow * (size_t)oh)
    return veil_fail(env, "gatherStem: buffers too short");
  /*
   * Quantized rows with STEM_PAD bytes of zero point either side: per channel a ring of three
   * (rows 2y-1..2y+1 serve output row y, each quantized once), and one row of zero point alone
   * for rows above and below the picture.
   */
  const size_t stride = (size_t)w + 2 * STEM_PAD;
  uint8_t *rows = malloc(10 * stride);
  if (!rows) return veil_fail(env, "gatherStem: out of memory");
  memset(rows, zero, 10 * stride);
  uint8_t *blank = rows + 9 * stride + STEM_PAD;
  int32_t cached[9];
  for (int i = 0; i < 9; i++) cached[i] = -1;
  const float lo = (float)(0 - zero), hi = (float)(255 - zero);
  uint8_t *o = (uint8_t *)out.data;
  for (int32_t y = 0; y < oh; y++) {
    /* The nine rows this output row reads (channel, then patch row), from their left pad. */
    const uint8_t *r[9];
    for (int c = 0; c < 3; c++) {
      for (int ky = 0; ky < 3; ky++) {
        int32_t sy = 2 * y + ky - pt;
        if (sy < 0 || sy >= h) {
          r[c * 3 + ky] = blank - pl;
          continue;
        }
        int slot = c * 3 + sy % 3;
        uint8_t *row = rows + (size_t)slot * stride + STEM_PAD;
        if (cached[slot] != sy) {
          quantize_span((const float *)src.data + (size_t)c * plane + (size_t)sy * (size_t)w,
                        (size_t)w, (float)scale, lo, hi, zero, row);
          cached[slot] = sy;
        }
        r[c * 3 + ky] = row - pl;
      }
    }
    /* Three bytes per patch row, copied four at a time: each copy's fourth byte is overwritten
     * by the next (the last pixel of a row copies three, so nothing lands past the output). */
    for (int32_t x = 0; x + 1 < ow; x++, o += 27)
      for (int k = 0; k < 9; k++) memcpy(o + 3 * k, r[k] + 2 * x, 4);
    for (int k = 0; k < 9; k++) memcpy(o + 3 * k, r[k] + 2 * (ow - 1), 3);
    o += 27;
  }
  free(rows);
  return NULL;
}

/* The video main thread's kernels, in yuv.c. */
void veil_register_yuv(napi_env env, napi_value exports);
/* syn's kernels, in syn.c. */
void veil_register_syn(napi_env env, napi_value exports);
/* Pipes, in pipes.c; child processes, in spawn.c. */
void veil_register_pipes(napi_env env, napi_value exports);
void veil_register_spawn(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"resamplePlanar", NULL, resample_planar, NULL, NULL, NULL, napi_default, NULL},
      {"copyPlanar", NULL, copy_planar, NULL, NULL, NULL, napi_default, NULL},
      {"affineInPlace", NULL, affine_in_place, NULL, NULL, NULL, napi_default, NULL},
      {"gatherStem", NULL, gather_stem, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  veil_register_yuv(env, exports);
  veil_register_syn(env, exports);
  veil_register_pipes(env, exports);
  veil_register_spawn(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
