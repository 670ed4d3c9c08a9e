/**
 * Video frames travel as planar YUV 4:2:0 (what decoders produce and encoders take): half the
 * bytes of RGB over the pipes and no full-frame colour conversion in ffmpeg. RGB exists only
 * where needed: a reduced copy for the detectors, and the regions a renderer draws on.
 * Conversions use BT.601 limited range, as ffmpeg's scaler does by default.
 */
import type { Box, Detection, RgbFrame } from '../../engine/types.ts';

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

/**
 * An RGB copy of `frame` no larger than `maxSide` on its longer side, for the detectors;
 * luma is averaged over 2x2 source pixels when reducing by 2 or more (less aliasing).
 */
export function reducedRgb(
  frame: YuvFrame,
  maxSide: number,
): { frame: RgbFrame; sx: number; sy: number } {
  const { width: w, height: h, data } = frame;
  const scale = Math.min(1, maxSide / Math.max(w, h));
  const dw = Math.max(1, Math.round(w * scale));
  const dh = Math.max(1, Math.round(h * scale));
  const sx = w / dw;
  const sy = h / dh;
  const { cw, uOff, vOff } = planes(frame);
  const out = new Uint8Array(dw * dh * 3);
  const average = sx >= 2 && sy >= 2 && w > 1 && h > 1;
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
      const r = (yy + V_R[v]) >> 10;
      const g = (yy + U_G[u] + V_G[v]) >> 10;
      const b = (yy + U_B[u]) >> 10;
      // Uint8Array stores wrap: clamp by hand.
      out[o] = r < 0 ? 0 : r > 255 ? 255 : r;
      out[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      out[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return { frame: { data: out, width: dw, height: dh }, sx, sy };
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

/**
 * Big objects are rendered at 1/2 or 1/4 resolution (a blur of a big face is smooth: nothing
 * is lost) and blended back with the renderer's own coverage mask, recomputed here.
 */
export interface ReducedRendering {
  /** Objects whose shorter side is at least 2x / 4x this are rendered at 1/2 / 1/4. */
  minSide: number;
  /** The renderer's coverage (0..1) of detection `d` over `region` of a frame, row-major. */
  coverage: (d: Detection, region: Box) => Float32Array;
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

function renderReduced(
  frame: YuvFrame,
  d: Detection,
  region: Box,
  k: number,
  render: (rgb: RgbFrame, d: Detection) => Box | undefined,
  coverage: ReducedRendering['coverage'],
): void {
  const small = regionToRgbReduced(frame, region, k);
  const local = scaled(d, region.x1, region.y1, k);
  render(small, local);
  const alpha = coverage(local, { x1: 0, y1: 0, x2: small.width, y2: small.height });
  blendReduced(frame, region, small, alpha, k, { x: region.x1, y: region.y1 });
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

/**
 * Draws detections on a YUV frame through an RGB renderer, converting only what each object
 * needs: `sourceOf(d)` is the frame area the renderer reads for `d`; `render` draws on that
 * area as an RGB frame (detection in its coordinates) and returns the part it changed.
 */
export function renderOnYuv(
  frame: YuvFrame,
  detections: Detection[],
  sourceOf: (d: Detection) => Box,
  render: (rgb: RgbFrame, d: Detection) => Box | undefined,
  reduced?: ReducedRendering,
): void {
  for (const d of detections) {
    const region = evenBox(sourceOf(d), frame.width, frame.height);
    if (region.x2 <= region.x1 || region.y2 <= region.y1) continue;
    const side = Math.min(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1);
    const k = reduced ? (side >= 4 * reduced.minSide ? 4 : side >= 2 * reduced.minSide ? 2 : 1) : 1;
    if (k > 1 && reduced) {
      renderReduced(frame, d, region, k, render, reduced.coverage);
      continue;
    }
    const rgb = regionToRgb(frame, region);
    const dx = region.x1;
    const dy = region.y1;
    const shift = (p: [number, number]): [number, number] => [p[0] - dx, p[1] - dy];
    const local: Detection = {
      ...d,
      box: { x1: d.box.x1 - dx, y1: d.box.y1 - dy, x2: d.box.x2 - dx, y2: d.box.y2 - dy },
      ...(d.landmarks ? { landmarks: d.landmarks.map(shift) } : {}),
      ...(d.polygon ? { polygon: d.polygon.map(shift) } : {}),
    };
    const changed = render(rgb, local);
    if (changed && (changed.x2 <= changed.x1 || changed.y2 <= changed.y1)) continue;
    const back = changed
      ? evenBox(
          { x1: changed.x1 + dx, y1: changed.y1 + dy, x2: changed.x2 + dx, y2: changed.y2 + dy },
          frame.width,
          frame.height,
        )
      : region;
    const clipped = {
      x1: Math.max(back.x1, region.x1),
      y1: Math.max(back.y1, region.y1),
      x2: Math.min(back.x2, region.x2),
      y2: Math.min(back.y2, region.y2),
    };
    rgbToRegion(frame, clipped, rgb, { x: region.x1, y: region.y1 });
  }
}

/** An RGB copy of `box` of the frame reduced by `k` (2 or 4): luma averaged over k x k. */
export function regionToRgbReduced(frame: YuvFrame, box: Box, k: number): RgbFrame {
  const { width: w, data } = frame;
  const { cw, uOff, vOff } = planes(frame);
  const rw = Math.ceil((box.x2 - box.x1) / k);
  const rh = Math.ceil((box.y2 - box.y1) / k);
  const out = new Uint8Array(rw * rh * 3);
  const kc = k >> 1;
  for (let j = 0, o = 0; j < rh; j++) {
    const y0 = box.y1 + j * k;
    const ny = Math.min(k, box.y2 - y0);
    for (let i = 0; i < rw; i++, o += 3) {
      const x0 = box.x1 + i * k;
      const nx = Math.min(k, box.x2 - x0);
      let luma = 0;
      for (let dy = 0; dy < ny; dy++) {
        const row = (y0 + dy) * w + x0;
        for (let dx = 0; dx < nx; dx++) luma += data[row + dx];
      }
      let u = 0;
      let v = 0;
      const ncy = Math.max(1, Math.min(kc, (ny + 1) >> 1));
      const ncx = Math.max(1, Math.min(kc, (nx + 1) >> 1));
      for (let dy = 0; dy < ncy; dy++) {
        const c = ((y0 >> 1) + dy) * cw + (x0 >> 1);
        for (let dx = 0; dx < ncx; dx++) {
          u += data[uOff + c + dx];
          v += data[vOff + c + dx];
        }
      }
      const n = ncx * ncy;
      put(out, o, Math.round(luma / (nx * ny)), Math.round(u / n), Math.round(v / n));
    }
  }
  return { data: out, width: rw, height: rh };
}

/** For each output coordinate t in [from, to): the two grid cells and weight of a bilinear 1/k upsampling. */
function taps(from: number, to: number, origin: number, k: number, size: number) {
  const n = Math.max(0, to - from);
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const w1 = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    const f = Math.min(Math.max((from + t - origin + 0.5) / k - 0.5, 0), size - 1);
    i0[t] = Math.floor(f);
    i1[t] = Math.min(i0[t] + 1, size - 1);
    w1[t] = f - i0[t];
  }
  return { i0, i1, w1 };
}

/** Bilinear upsampling of `plane` (rendered grid) blended into `dst` by `alpha`. */
function blendPlane(
  dst: Uint8Array,
  dstOffset: number,
  dstStride: number,
  cols: ReturnType<typeof taps>,
  rows: ReturnType<typeof taps>,
  x0: number,
  y0: number,
  plane: Float32Array,
  alpha: Float32Array,
  rw: number,
): void {
  const { i0: c0, i1: c1, w1: cw1 } = cols;
  for (let j = 0; j < rows.i0.length; j++) {
    const r0 = rows.i0[j] * rw;
    const r1 = rows.i1[j] * rw;
    const wy = rows.w1[j];
    let p = dstOffset + (y0 + j) * dstStride + x0;
    for (let i = 0; i < c0.length; i++, p++) {
      const wx = cw1[i];
      const a00 = alpha[r0 + c0[i]];
      const a01 = alpha[r0 + c1[i]];
      const a10 = alpha[r1 + c0[i]];
      const a11 = alpha[r1 + c1[i]];
      if (a00 === 0 && a01 === 0 && a10 === 0 && a11 === 0) continue;
      const top = a00 + (a01 - a00) * wx;
      const a = top + (a10 + (a11 - a10) * wx - top) * wy;
      const v00 = plane[r0 + c0[i]];
      const v01 = plane[r0 + c1[i]];
      const v10 = plane[r1 + c0[i]];
      const v11 = plane[r1 + c1[i]];
      const vt = v00 + (v01 - v00) * wx;
      const v = vt + (v10 + (v11 - v10) * wx - vt) * wy;
      const old = dst[p];
      const out = old + a * (v - old) + 0.5;
      dst[p] = out < 0 ? 0 : out > 255 ? 255 : out;
    }
  }
}

/**
 * Blends a region rendered at 1/k resolution back into the frame: each full-resolution
 * pixel moves toward the (bilinear) rendered value by the (bilinear) coverage `alpha`, so
 * uncovered pixels stay exactly as they were and covered ones carry no original detail.
 * `box` is the part to write (even edges), `origin` the frame position of the rendered
 * image's top-left; `alpha` has one coverage per rendered pixel.
 */
export function blendReduced(
  frame: YuvFrame,
  box: Box,
  rendered: RgbFrame,
  alpha: Float32Array,
  k: number,
  origin: { x: number; y: number },
): void {
  const { width: w, data } = frame;
  const { cw, ch, uOff, vOff } = planes(frame);
  const { width: rw, height: rh } = rendered;
  const n = rw * rh;
  const Y = new Float32Array(n);
  const U = new Float32Array(n);
  const V = new Float32Array(n);
  for (let i = 0, s = 0; i < n; i++, s += 3) {
    const r = rendered.data[s];
    const g = rendered.data[s + 1];
    const b = rendered.data[s + 2];
    Y[i] = 16 + 0.257 * r + 0.504 * g + 0.098 * b;
    U[i] = 128 - 0.148 * r - 0.291 * g + 0.439 * b;
    V[i] = 128 + 0.439 * r - 0.368 * g - 0.071 * b;
  }
  // Only where coverage is non-zero (the blur reach around the shape is read, not written).
  let ax1 = rw;
  let ay1 = rh;
  let ax2 = -1;
  let ay2 = -1;
  for (let j = 0; j < rh; j++) {
    for (let i = 0; i < rw; i++) {
      if (alpha[j * rw + i] === 0) continue;
      if (i < ax1) ax1 = i;
      if (i > ax2) ax2 = i;
      if (j < ay1) ay1 = j;
      if (j > ay2) ay2 = j;
    }
  }
  if (ax2 < 0) return;
  box = {
    x1: Math.max(box.x1, origin.x + 2 * Math.floor(((ax1 - 1) * k) / 2)),
    y1: Math.max(box.y1, origin.y + 2 * Math.floor(((ay1 - 1) * k) / 2)),
    x2: Math.min(box.x2, origin.x + 2 * Math.ceil(((ax2 + 2) * k) / 2)),
    y2: Math.min(box.y2, origin.y + 2 * Math.ceil(((ay2 + 2) * k) / 2)),
  };
  const cols = taps(box.x1, box.x2, origin.x, k, rw);
  const rows = taps(box.y1, box.y2, origin.y, k, rh);
  blendPlane(data, 0, w, cols, rows, box.x1, box.y1, Y, alpha, rw);
  // Chroma sample c sits at luma 2c + 0.5 (between its two luma pixels).
  const cx1 = box.x1 >> 1;
  const cx2 = Math.min(cw, (box.x2 + 1) >> 1);
  const cy1 = box.y1 >> 1;
  const cy2 = Math.min(ch, (box.y2 + 1) >> 1);
  const ccols = taps(cx1, cx2, origin.x / 2, k / 2, rw);
  const crows = taps(cy1, cy2, origin.y / 2, k / 2, rh);
  blendPlane(data, uOff, cw, ccols, crows, cx1, cy1, U, alpha, rw);
  blendPlane(data, vOff, cw, ccols, crows, cx1, cy1, V, alpha, rw);
}
