/**
 * Filters that compute the replacement pixels of one region of a frame (interleaved RGB),
 * reading only that region: blur, pixelate, fill. Cost is linear in the region's area and
 * independent of the blur radius.
 */
import { nativeKernels } from '../../native/index.ts';
import { roundPixel } from '../round.ts';
import type { RgbFrame } from '../types.ts';
import type { Region } from './mask.geometry.ts';

/**
 * Area-averaged copy of a region reduced by an integer `factor` (ceil division at the edges).
 * With `sampleStep` > 1 only every step-th pixel of every step-th row is read: the blur that
 * follows a large reduction hides the aliasing, and huge faces cost a fraction as much.
 */
export function downsampleRegion(
  frame: RgbFrame,
  region: Region,
  factor: number,
  sampleStep = 1,
): { data: Float32Array; w: number; h: number } {
  const w = Math.ceil(region.w / factor);
  const h = Math.ceil(region.h / factor);
  const sum = new Float32Array(w * h * 3);
  const count = new Float32Array(w * h);
  const src = frame.data;
  const step = Math.max(1, Math.min(sampleStep, factor));
  const col = new Int32Array(region.w);
  for (let i = 0; i < region.w; i++) col[i] = Math.floor(i / factor);
  for (let j = 0; j < region.h; j += step) {
    const rowOut = Math.floor(j / factor) * w;
    let p = ((region.y + j) * frame.width + region.x) * 3;
    for (let i = 0; i < region.w; i += step, p += 3 * step) {
      const o = rowOut + col[i];
      const o3 = o * 3;
      sum[o3] += src[p];
      sum[o3 + 1] += src[p + 1];
      sum[o3 + 2] += src[p + 2];
      count[o] += 1;
    }
  }
  for (let o = 0; o < w * h; o++) {
    const c = count[o];
    if (c === 0) {
      // A sliver of a last cell column or row that no sample fell in (sampleStep > 1) takes
      // its finished neighbour's value: left, or above in the first column (cell (0, 0) always
      // holds a sample). Divided, it would be NaN, which the blur's running sums spread over
      // the rest of the row and column (black).
      const from = (o % w === 0 ? o - w : o - 1) * 3;
      sum.copyWithin(o * 3, from, from + 3);
      continue;
    }
    sum[o * 3] /= c;
    sum[o * 3 + 1] /= c;
    sum[o * 3 + 2] /= c;
  }
  return { data: sum, w, h };
}

/**
 * One box-blur pass along the rows of a w x h grid of 3-channel pixels, `src` into `dst`;
 * edges clamp. A running sum per channel: each output costs one add and one subtract
 * whatever the radius.
 */
function boxBlurRows(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  const norm = 1 / (2 * r + 1);
  const last = w - 1;
  for (let y = 0; y < h; y++) {
    const base = y * w * 3;
    // Window [-r, r] around 0 with the edge pixel repeated.
    let a0 = (r + 1) * src[base];
    let a1 = (r + 1) * src[base + 1];
    let a2 = (r + 1) * src[base + 2];
    for (let k = 1; k <= r; k++) {
      const t = base + 3 * (k < last ? k : last);
      a0 += src[t];
      a1 += src[t + 1];
      a2 += src[t + 2];
    }
    for (let k = 0, o = base; k < w; k++, o += 3) {
      dst[o] = a0 * norm;
      dst[o + 1] = a1 * norm;
      dst[o + 2] = a2 * norm;
      const add = k + r + 1;
      const sub = k - r;
      const ta = base + 3 * (add < last ? add : last);
      const ts = base + (sub > 0 ? 3 * sub : 0);
      a0 += src[ta] - src[ts];
      a1 += src[ta + 1] - src[ts + 1];
      a2 += src[ta + 2] - src[ts + 2];
    }
  }
}

/**
 * The same pass along the columns, all columns at once: one running sum per column and
 * channel in `acc` (doubles, as the row pass's locals), walking down the rows.
 */
function boxBlurColumns(
  src: Float32Array,
  dst: Float32Array,
  acc: Float64Array,
  w: number,
  h: number,
  r: number,
): void {
  const norm = 1 / (2 * r + 1);
  const last = h - 1;
  const stride = w * 3;
  for (let c = 0; c < stride; c++) acc[c] = (r + 1) * src[c];
  for (let k = 1; k <= r; k++) {
    const t = stride * (k < last ? k : last);
    for (let c = 0; c < stride; c++) acc[c] += src[t + c];
  }
  for (let k = 0; k < h; k++) {
    const o = k * stride;
    const add = k + r + 1;
    const sub = k - r;
    const ta = stride * (add < last ? add : last);
    const ts = sub > 0 ? stride * sub : 0;
    for (let c = 0; c < stride; c++) {
      dst[o + c] = acc[c] * norm;
      acc[c] += src[ta + c] - src[ts + c];
    }
  }
}

/** Second grid and column sums of `gaussianish`, reused from call to call (grown only). */
let pong = new Float32Array(3 * 4096);
let sums = new Float64Array(3 * 256);

/** Three box passes each way: close to a gaussian of sigma ~ r. In place. */
export function gaussianish(buf: Float32Array, w: number, h: number, r: number, passes = 3): void {
  if (r < 1) return;
  // The native kernel (src/native/yuv.c): the same passes, bit for bit.
  const native = nativeKernels();
  if (native && Number.isInteger(r) && Number.isInteger(passes) && w > 0 && h > 0) {
    native.gaussianish(buf, w, h, r, passes);
    return;
  }
  if (pong.length < w * h * 3) pong = new Float32Array(2 * w * h * 3);
  if (sums.length < w * 3) sums = new Float64Array(2 * w * 3);
  for (let p = 0; p < passes; p++) {
    // Rows into the second grid, columns back: the result ends where it started.
    boxBlurRows(buf, pong, w, h, r);
    boxBlurColumns(pong, buf, sums, w, h, r);
  }
}

/**
 * Bilinear upsampling of a buffer reduced by `factor` from `source`, evaluated only over
 * `target` (a rectangle inside `source`), pixel-centre aligned.
 */
export function upsample(
  small: Float32Array,
  sw: number,
  sh: number,
  factor: number,
  source: Region,
  target: Region,
): Uint8Array {
  const out = new Uint8Array(target.w * target.h * 3);
  const ox = target.x - source.x;
  const oy = target.y - source.y;
  // Per column, computed once (not once per row): its two source columns and weight.
  const left = new Int32Array(target.w);
  const right = new Int32Array(target.w);
  const weight = new Float64Array(target.w);
  for (let i = 0; i < target.w; i++) {
    const sx = Math.min(sw - 1, Math.max(0, (i + ox + 0.5) / factor - 0.5));
    const x0 = Math.floor(sx);
    left[i] = x0 * 3;
    right[i] = Math.min(sw - 1, x0 + 1) * 3;
    weight[i] = sx - x0;
  }
  for (let j = 0, o = 0; j < target.h; j++) {
    const sy = Math.min(sh - 1, Math.max(0, (j + oy + 0.5) / factor - 0.5));
    const y0 = Math.floor(sy);
    const top0 = y0 * sw * 3;
    const bot0 = Math.min(sh - 1, y0 + 1) * sw * 3;
    const fy = sy - y0;
    for (let i = 0; i < target.w; i++, o += 3) {
      const fx = weight[i];
      const a = top0 + left[i];
      const b = top0 + right[i];
      const c = bot0 + left[i];
      const d = bot0 + right[i];
      // The three channels written out (same operations as a loop over k).
      const a0 = small[a];
      const a1 = small[a + 1];
      const a2 = small[a + 2];
      const c0 = small[c];
      const c1 = small[c + 1];
      const c2 = small[c + 2];
      const t0 = a0 + (small[b] - a0) * fx;
      const t1 = a1 + (small[b + 1] - a1) * fx;
      const t2 = a2 + (small[b + 2] - a2) * fx;
      const u0 = c0 + (small[d] - c0) * fx;
      const u1 = c1 + (small[d + 1] - c1) * fx;
      const u2 = c2 + (small[d + 2] - c2) * fx;
      out[o] = roundPixel(t0 + (u0 - t0) * fy);
      out[o + 1] = roundPixel(t1 + (u1 - t1) * fy);
      out[o + 2] = roundPixel(t2 + (u2 - t2) * fy);
    }
  }
  return out;
}

/**
 * Blurred pixels of `target`, computed from the larger `source` (so the blur near the edge is
 * made of real neighbours), with strength `radius` (about the gaussian sigma in pixels).
 * Large radii blur a reduced copy (factor radius/4) and upsample it: the same look, a fraction
 * of the cost, and the detail thrown away by the reduction cannot be recovered.
 */
export function blurRegion(
  frame: RgbFrame,
  source: Region,
  radius: number,
  target: Region = source,
): Uint8Array {
  const factor = Math.max(1, Math.floor(radius / 4));
  // Read every pixel up to a reduction of 8, then about 16 samples per reduced cell.
  const small = downsampleRegion(frame, source, factor, Math.floor(factor / 4));
  gaussianish(small.data, small.w, small.h, Math.max(1, Math.round(radius / factor)));
  return upsample(small.data, small.w, small.h, factor, source, target);
}

/** Blocks of `cell` pixels (aligned to `origin`, e.g. the object's box) each set to their mean. */
export function pixelateRegion(
  frame: RgbFrame,
  region: Region,
  cell: number,
  origin: [number, number],
): Uint8Array {
  const offX = (((region.x - Math.round(origin[0])) % cell) + cell) % cell;
  const offY = (((region.y - Math.round(origin[1])) % cell) + cell) % cell;
  // Shift the region so block edges fall on the origin grid, average, then cut back.
  const grid: Region = {
    x: region.x - offX,
    y: region.y - offY,
    w: region.w + offX,
    h: region.h + offY,
  };
  const clipped: Region = {
    x: Math.max(0, grid.x),
    y: Math.max(0, grid.y),
    w: Math.min(frame.width, grid.x + grid.w) - Math.max(0, grid.x),
    h: Math.min(frame.height, grid.y + grid.h) - Math.max(0, grid.y),
  };
  const small = downsampleRegion(frame, clipped, cell);
  const out = new Uint8Array(region.w * region.h * 3);
  for (let j = 0; j < region.h; j++) {
    const sj = Math.floor((region.y + j - clipped.y) / cell);
    for (let i = 0; i < region.w; i++) {
      const s = (sj * small.w + Math.floor((region.x + i - clipped.x) / cell)) * 3;
      const o = (j * region.w + i) * 3;
      out[o] = roundPixel(small.data[s]);
      out[o + 1] = roundPixel(small.data[s + 1]);
      out[o + 2] = roundPixel(small.data[s + 2]);
    }
  }
  return out;
}

export function fillRegion(region: Region, rgb: [number, number, number]): Uint8Array {
  const out = new Uint8Array(region.w * region.h * 3);
  for (let o = 0; o < out.length; o += 3) {
    out[o] = rgb[0];
    out[o + 1] = rgb[1];
    out[o + 2] = rgb[2];
  }
  return out;
}
