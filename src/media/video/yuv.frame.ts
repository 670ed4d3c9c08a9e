/**
 * Video frames travel as planar YUV 4:2:0 (what decoders produce and encoders take): half the
 * bytes of RGB over the pipes and no full-frame colour conversion in ffmpeg. RGB exists only
 * where needed: a reduced copy for the detectors, and the regions a renderer draws on.
 * Conversions use BT.601 limited range, as ffmpeg's scaler does by default.
 */
import type { Box, Detection, RgbFrame } from '../../engine/types.ts';
import { nativeKernels } from '../../native/index.ts';

/** I420: Y plane (width x height), then U and V planes (ceil(width/2) x ceil(height/2)). */
export interface YuvFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

export function yuvFrameSize(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v | 0);

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

/**
 * Saturation to 0..255 by lookup, `CLAMP[CLAMP_ZERO + x]`, for every x the tables above can
 * give ((Y_T + V_R) >> 10 and the like lie within -300..600).
 */
const CLAMP_ZERO = 1024;
const CLAMP = new Uint8Array(2 * CLAMP_ZERO);
for (let i = 0; i < CLAMP.length; i++) CLAMP[i] = clamp(i - CLAMP_ZERO);

/** Writes the RGB of one pixel at `o`. */
function put(out: Uint8Array, o: number, y: number, u: number, v: number): void {
  const yy = Y_T[y];
  out[o] = clamp((yy + V_R[v]) >> 10);
  out[o + 1] = clamp((yy + U_G[u] + V_G[v]) >> 10);
  out[o + 2] = clamp((yy + U_B[u]) >> 10);
}

function planes(f: YuvFrame) {
  const cw = Math.ceil(f.width / 2);
  const ch = Math.ceil(f.height / 2);
  const uOff = f.width * f.height;
  return { cw, ch, uOff, vOff: uOff + cw * ch };
}

/** Bytes of `reducedRgb`'s copy of a width x height frame for `maxSide`. */
export function reducedRgbBytes(width: number, height: number, maxSide: number): number {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return Math.max(1, Math.round(width * scale)) * Math.max(1, Math.round(height * scale)) * 3;
}

/**
 * An RGB copy of `frame` no larger than `maxSide` on its longer side, for the detectors;
 * luma is averaged over 2x2 source pixels when reducing by 2 or more (less aliasing).
 * Written into `into` when it is large enough (buffers reused across frames).
 */
export function reducedRgb(
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
  const average = sx >= 2 && sy >= 2 && w > 1 && h > 1;
  if (sx === 2 && sy === 2 && w % 2 === 0 && h % 2 === 0) {
    // The native kernel (src/native/yuv.c) gives the same bytes.
    const halve = nativeKernels()?.halveToRgb;
    if (halve) halve(data, w, h, out);
    else halveToRgb(data, w, dw, dh, cw, uOff, vOff, out);
    return { frame: { data: out, width: dw, height: dh }, sx, sy };
  }
  // Source column (and its chroma column) per output column, computed once per frame.
  const xs = new Int32Array(dw);
  const cs = new Int32Array(dw);
  for (let i = 0; i < dw; i++) {
    xs[i] = Math.min(w - (average ? 2 : 1), Math.floor(i * sx));
    cs[i] = xs[i] >> 1;
  }
  const native = nativeKernels();
  if (native) {
    // The native kernel (src/native/yuv.c): the same bytes as the loops below.
    const ys = new Int32Array(dh);
    for (let j = 0; j < dh; j++) ys[j] = Math.min(h - (average ? 2 : 1), Math.floor(j * sy));
    native.reduceToRgb(data, w, h, xs, ys, average, out);
    return { frame: { data: out, width: dw, height: dh }, sx, sy };
  }
  // 4 pixels (12 bytes) stored as 3 words where the copy is word-aligned.
  const words = LITTLE_ENDIAN && out.byteOffset % 4 === 0 && dw % 4 === 0;
  const o32 = words ? new Int32Array(out.buffer, out.byteOffset, out.length >> 2) : null;
  for (let j = 0; j < dh; j++) {
    const y = Math.min(h - (average ? 2 : 1), Math.floor(j * sy));
    const row = y * w;
    const uRow = uOff + (y >> 1) * cw;
    const vRow = vOff + (y >> 1) * cw;
    const below = average ? w : 0;
    if (o32) {
      for (let i = 0, o = (j * dw * 3) >> 2; i < dw; i += 4, o += 3) {
        const p0 = pixel(data, row + xs[i], below, uRow + cs[i], vRow + cs[i]);
        const p1 = pixel(data, row + xs[i + 1], below, uRow + cs[i + 1], vRow + cs[i + 1]);
        const p2 = pixel(data, row + xs[i + 2], below, uRow + cs[i + 2], vRow + cs[i + 2]);
        const p3 = pixel(data, row + xs[i + 3], below, uRow + cs[i + 3], vRow + cs[i + 3]);
        o32[o] = p0 | (p1 << 24);
        o32[o + 1] = (p1 >>> 8) | (p2 << 16);
        o32[o + 2] = (p2 >>> 16) | (p3 << 8);
      }
    } else {
      for (let i = 0, o = j * dw * 3; i < dw; i++, o += 3) {
        const q = pixel(data, row + xs[i], below, uRow + cs[i], vRow + cs[i]);
        out[o] = q & 255;
        out[o + 1] = (q >> 8) & 255;
        out[o + 2] = q >> 16;
      }
    }
  }
  return { frame: { data: out, width: dw, height: dh }, sx, sy };
}

/**
 * One output pixel of `reducedRgb` as r | g << 8 | b << 16: luma at `p` (with `below` > 0, the
 * mean of p, p + 1 and the two pixels `below` bytes further on), chroma at `u` and `v`.
 */
function pixel(data: Uint8Array, p: number, below: number, u: number, v: number): number {
  const yy =
    below > 0
      ? Y_T[(data[p] + data[p + 1] + data[p + below] + data[p + below + 1]) >> 2]
      : Y_T[data[p]];
  const cu = data[u];
  const cv = data[v];
  return (
    CLAMP[CLAMP_ZERO + ((yy + V_R[cv]) >> 10)] |
    (CLAMP[CLAMP_ZERO + ((yy + U_G[cu] + V_G[cv]) >> 10)] << 8) |
    (CLAMP[CLAMP_ZERO + ((yy + U_B[cu]) >> 10)] << 16)
  );
}

/** Whether this machine stores the lowest byte of a 32-bit word first (it reads 4 at a time). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The exact half-size case (1080p to 960 x 540): output pixel (i, j) is the mean of luma
 * 2i..2i+1 x 2j..2j+1 with chroma sample (i, j) itself. Where the planes allow it, bytes are
 * read 4 at a time and the two luma pairs of a word summed in 16-bit lanes (the same integer
 * sums, so the same output as the byte-wise loop).
 */
function halveToRgb(
  data: Uint8Array,
  w: number,
  dw: number,
  dh: number,
  cw: number,
  uOff: number,
  vOff: number,
  out: Uint8Array,
): void {
  const words =
    LITTLE_ENDIAN &&
    data.byteOffset % 4 === 0 &&
    out.byteOffset % 4 === 0 &&
    w % 8 === 0 &&
    cw % 4 === 0 &&
    uOff % 4 === 0 &&
    vOff % 4 === 0;
  if (!words) {
    for (let j = 0, o = 0; j < dh; j++) {
      let p = 2 * j * w;
      let c = j * cw;
      for (let i = 0; i < dw; i++, o += 3, p += 2, c++) {
        const yy = Y_T[(data[p] + data[p + 1] + data[p + w] + data[p + w + 1]) >> 2];
        const u = data[uOff + c];
        const v = data[vOff + c];
        out[o] = CLAMP[CLAMP_ZERO + ((yy + V_R[v]) >> 10)];
        out[o + 1] = CLAMP[CLAMP_ZERO + ((yy + U_G[u] + V_G[v]) >> 10)];
        out[o + 2] = CLAMP[CLAMP_ZERO + ((yy + U_B[u]) >> 10)];
      }
    }
    return;
  }
  const d32 = new Int32Array(data.buffer, data.byteOffset, data.length >> 2);
  const o32 = new Int32Array(out.buffer, out.byteOffset, out.length >> 2);
  const w4 = w >> 2;
  const M = 0xff00ff;
  const C = CLAMP;
  const Z = CLAMP_ZERO;
  for (let j = 0, o = 0; j < dh; j++) {
    let t = (2 * j * w) >> 2;
    let b = t + w4;
    let u4 = (uOff + j * cw) >> 2;
    let v4 = (vOff + j * cw) >> 2;
    // 4 output pixels per step: 2 luma words from each of the two rows, 1 word of U and of V
    // in; their 12 bytes out as 3 words.
    for (let i = 0; i < dw; i += 4, o += 3, t += 2, b += 2, u4++, v4++) {
      const ta = d32[t];
      const tb = d32[t + 1];
      const ba = d32[b];
      const bb = d32[b + 1];
      const sa = (ta & M) + ((ta >>> 8) & M) + (ba & M) + ((ba >>> 8) & M);
      const sb = (tb & M) + ((tb >>> 8) & M) + (bb & M) + ((bb >>> 8) & M);
      const uu = d32[u4];
      const vv = d32[v4];
      let yy = Y_T[(sa & 0xffff) >> 2];
      let u = uu & 255;
      let v = vv & 255;
      const r0 = C[Z + ((yy + V_R[v]) >> 10)];
      const g0 = C[Z + ((yy + U_G[u] + V_G[v]) >> 10)];
      const b0 = C[Z + ((yy + U_B[u]) >> 10)];
      yy = Y_T[sa >>> 18];
      u = (uu >>> 8) & 255;
      v = (vv >>> 8) & 255;
      const r1 = C[Z + ((yy + V_R[v]) >> 10)];
      const g1 = C[Z + ((yy + U_G[u] + V_G[v]) >> 10)];
      const b1 = C[Z + ((yy + U_B[u]) >> 10)];
      yy = Y_T[(sb & 0xffff) >> 2];
      u = (uu >>> 16) & 255;
      v = (vv >>> 16) & 255;
      const r2 = C[Z + ((yy + V_R[v]) >> 10)];
      const g2 = C[Z + ((yy + U_G[u] + V_G[v]) >> 10)];
      const b2 = C[Z + ((yy + U_B[u]) >> 10)];
      yy = Y_T[sb >>> 18];
      u = uu >>> 24;
      v = vv >>> 24;
      const r3 = C[Z + ((yy + V_R[v]) >> 10)];
      const g3 = C[Z + ((yy + U_G[u] + V_G[v]) >> 10)];
      const b3 = C[Z + ((yy + U_B[u]) >> 10)];
      o32[o] = r0 | (g0 << 8) | (b0 << 16) | (r1 << 24);
      o32[o + 1] = g1 | (b1 << 8) | (r2 << 16) | (g2 << 24);
      o32[o + 2] = b2 | (r3 << 8) | (g3 << 16) | (b3 << 24);
    }
  }
}

/** The region of `frame` inside `box` as RGB; box edges on even pixels (whole chroma blocks). */
export function regionToRgb(frame: YuvFrame, box: Box): RgbFrame {
  const { width: w, data } = frame;
  const { cw, uOff, vOff } = planes(frame);
  const rw = box.x2 - box.x1;
  const rh = box.y2 - box.y1;
  const out = new Uint8Array(rw * rh * 3);
  let o = 0;
  for (let y = box.y1; y < box.y2; y++) {
    const crow = (y >> 1) * cw;
    const row = y * w;
    for (let x = box.x1; x < box.x2; x++, o += 3) {
      const c = crow + (x >> 1);
      put(out, o, data[row + x], data[uOff + c], data[vOff + c]);
    }
  }
  return { data: out, width: rw, height: rh };
}

/**
 * Writes `box` of an RGB region (whose top-left is at `origin` in the frame) back into the
 * frame; chroma from the 2x2 average, as a 4:2:0 encoder would. `box` edges on even pixels.
 */
export function rgbToRegion(
  frame: YuvFrame,
  box: Box,
  rgb: RgbFrame,
  origin: { x: number; y: number } = { x: box.x1, y: box.y1 },
): void {
  const { width: w, height: h, data } = frame;
  const { cw, uOff, vOff } = planes(frame);
  const src = rgb.data;
  const rw = rgb.width;
  for (let y = box.y1; y < box.y2; y++) {
    let s = ((y - origin.y) * rw + (box.x1 - origin.x)) * 3;
    for (let x = box.x1; x < box.x2; x++, s += 3) {
      data[y * w + x] = clamp(16.5 + 0.257 * src[s] + 0.504 * src[s + 1] + 0.098 * src[s + 2]);
    }
  }
  for (let y = box.y1; y < box.y2; y += 2) {
    for (let x = box.x1; x < box.x2; x += 2) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = 0; dy < 2 && y + dy < Math.min(box.y2, h); dy++) {
        for (let dx = 0; dx < 2 && x + dx < Math.min(box.x2, w); dx++) {
          const s = ((y + dy - origin.y) * rw + (x + dx - origin.x)) * 3;
          r += src[s];
          g += src[s + 1];
          b += src[s + 2];
          n++;
        }
      }
      r /= n;
      g /= n;
      b /= n;
      const c = (y >> 1) * cw + (x >> 1);
      data[uOff + c] = clamp(128.5 - 0.148 * r - 0.291 * g + 0.439 * b);
      data[vOff + c] = clamp(128.5 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
}

/** `d` in the coordinates of a region whose top-left is (dx, dy), reduced k times. */
export function scaled(d: Detection, dx: number, dy: number, k: number): Detection {
  const p = (q: [number, number]): [number, number] => [(q[0] - dx) / k, (q[1] - dy) / k];
  return {
    ...d,
    box: {
      x1: (d.box.x1 - dx) / k,
      y1: (d.box.y1 - dy) / k,
      x2: (d.box.x2 - dx) / k,
      y2: (d.box.y2 - dy) / k,
    },
    ...(d.landmarks ? { landmarks: d.landmarks.map(p) } : {}),
    ...(d.polygon ? { polygon: d.polygon.map(p) } : {}),
  };
}

/** Grows a box to even edges (whole chroma blocks), inside the frame. */
export function evenBox(b: Box, width: number, height: number): Box {
  const down = (v: number, max: number) => Math.min(max, Math.max(0, 2 * Math.floor(v / 2)));
  // An odd last column/row belongs to the last chroma block: take it in whole.
  const up = (v: number, max: number) => {
    const e = Math.max(0, 2 * Math.ceil(v / 2));
    return e >= max - 1 ? max : e;
  };
  return {
    x1: down(b.x1, width),
    y1: down(b.y1, height),
    x2: up(b.x2, width),
    y2: up(b.y2, height),
  };
}
