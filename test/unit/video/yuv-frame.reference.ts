/**
 * Reference (pre-optimisation) copy of `reducedRgb` in src/media/video/yuv.frame.ts, kept
 * verbatim as the oracle: the optimised kernel must match it byte for byte.
 * Used by test/unit/video/yuv-frame.test.ts and scripts/bench-kernels.ts; not a test itself.
 */
import type { RgbFrame } from '../../../src/engine/types.ts';
import type { YuvFrame } from '../../../src/media/video/yuv.frame.ts';

// Fixed-point (x1024) lookup tables for YUV -> RGB: one add and a shift per channel.
const Y_T = new Int32Array(256);
const V_R = new Int32Array(256);
const U_G = new Int32Array(256);
const V_G = new Int32Array(256);
const U_B = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  Y_T[i] = Math.round(1.164 * (i - 16) * 1024) + 512;
  V_R[i] = Math.round(1.596 * (i - 128) * 1024);
  U_G[i] = Math.round(-0.392 * (i - 128) * 1024);
  V_G[i] = Math.round(-0.813 * (i - 128) * 1024);
  U_B[i] = Math.round(2.017 * (i - 128) * 1024);
}

function planes(f: YuvFrame) {
  const cw = Math.ceil(f.width / 2);
  const ch = Math.ceil(f.height / 2);
  const uOff = f.width * f.height;
  return { cw, ch, uOff, vOff: uOff + cw * ch };
}

/**
 * An RGB copy of `frame` no larger than `maxSide` on its longer side, for the detectors;
 * luma is averaged over 2x2 source pixels when reducing by 2 or more (less aliasing).
 * Written into `into` when it is large enough (buffers reused across frames).
 */
export function referenceReducedRgb(
  frame: YuvFrame,
  maxSide: number,
  into?: Uint8Array,
): { frame: RgbFrame; sx: number; sy: number } {
  const { width: w, height: h, data } = frame;
  const scale = Math.min(1, maxSide / Math.max(w, h));
  const dw = Math.max(1, Math.round(w * scale));
  const dh = Math.max(1, Math.round(h * scale));
  const sx = w / dw;
  const sy = h / dh;
  const { cw, uOff, vOff } = planes(frame);
  const out =
    into && into.length >= dw * dh * 3
      ? into.subarray(0, dw * dh * 3)
      : new Uint8Array(dw * dh * 3);
  // Stores into a clamped view saturate at 0 and 255 without a branch per channel.
  const o8 = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  const average = sx >= 2 && sy >= 2 && w > 1 && h > 1;
  if (sx === 2 && sy === 2 && w % 2 === 0 && h % 2 === 0) {
    halveToRgb(data, w, dw, dh, cw, uOff, vOff, o8);
    return { frame: { data: out, width: dw, height: dh }, sx, sy };
  }
  // Source column per output column, computed once per frame rather than per pixel.
  const xs = new Int32Array(dw);
  for (let i = 0; i < dw; i++) xs[i] = Math.min(w - (average ? 2 : 1), Math.floor(i * sx));
  let o = 0;
  for (let j = 0; j < dh; j++) {
    const y = Math.min(h - (average ? 2 : 1), Math.floor(j * sy));
    const row = y * w;
    const crow = (y >> 1) * cw;
    for (let i = 0; i < dw; i++, o += 3) {
      const x = xs[i];
      const p = row + x;
      const luma = average ? (data[p] + data[p + 1] + data[p + w] + data[p + w + 1]) >> 2 : data[p];
      const c = crow + (x >> 1);
      const yy = Y_T[luma];
      const u = data[uOff + c];
      const v = data[vOff + c];
      o8[o] = (yy + V_R[v]) >> 10;
      o8[o + 1] = (yy + U_G[u] + V_G[v]) >> 10;
      o8[o + 2] = (yy + U_B[u]) >> 10;
    }
  }
  return { frame: { data: out, width: dw, height: dh }, sx, sy };
}

/**
 * The exact half-size case (1080p to 960 x 540): output pixel (i, j) is the mean of luma
 * 2i..2i+1 x 2j..2j+1 with chroma sample (i, j) itself.
 */
function halveToRgb(
  data: Uint8Array,
  w: number,
  dw: number,
  dh: number,
  cw: number,
  uOff: number,
  vOff: number,
  out: Uint8ClampedArray,
): void {
  for (let j = 0, o = 0; j < dh; j++) {
    let p = 2 * j * w;
    let c = j * cw;
    for (let i = 0; i < dw; i++, o += 3, p += 2, c++) {
      const yy = Y_T[(data[p] + data[p + 1] + data[p + w] + data[p + w + 1]) >> 2];
      const u = data[uOff + c];
      const v = data[vOff + c];
      out[o] = (yy + V_R[v]) >> 10;
      out[o + 1] = (yy + U_G[u] + V_G[v]) >> 10;
      out[o + 2] = (yy + U_B[u]) >> 10;
    }
  }
}
