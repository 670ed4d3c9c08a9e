/**
 * Image preparation for the detectors, in plain JS so it runs inside inference workers:
 * resampling of interleaved RGB frames, crops, and planar float tensors (padded or letterboxed).
 */
import type { RgbFrame } from './types.ts';
import { nativeKernels } from '../native/index.ts';
import type { InputAffine } from './onnx-graph.ts';

/** Per-output-pixel source taps along one axis: `count[i]` weights starting at `start[i]`. */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  stride: number;
}

/**
 * Area averaging when shrinking (every source pixel counts, so small faces keep their contrast),
 * bilinear when enlarging.
 */
function computeTaps(src: number, dst: number): Taps {
  const scale = src / dst;
  const stride = scale >= 1 ? Math.ceil(scale) + 1 : 2;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float32Array(dst * stride);
  for (let i = 0; i < dst; i++) {
    if (scale >= 1) {
      const s0 = i * scale;
      const s1 = Math.min(src, (i + 1) * scale);
      const j0 = Math.floor(s0);
      const j1 = Math.min(src, Math.ceil(s1));
      start[i] = j0;
      count[i] = j1 - j0;
      for (let j = j0; j < j1; j++) {
        const overlap = Math.min(j + 1, s1) - Math.max(j, s0);
        weights[i * stride + (j - j0)] = overlap / (s1 - s0);
      }
    } else {
      const centre = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), src - 1);
      const j0 = Math.floor(centre);
      const f = centre - j0;
      start[i] = j0;
      count[i] = j0 + 1 < src ? 2 : 1;
      weights[i * stride] = count[i] === 2 ? 1 - f : 1;
      weights[i * stride + 1] = count[i] === 2 ? f : 0;
    }
  }
  return { start, count, weights, stride };
}

/** Resample an RGB frame to width x height. Returns the input itself when the size already matches. */
export function resizeRgb(frame: RgbFrame, width: number, height: number): RgbFrame {
  if (width === frame.width && height === frame.height) return frame;
  if (width < 1 || height < 1) throw new RangeError(`bad target size ${width}x${height}`);
  const kx = frame.width / width;
  if (Number.isInteger(kx) && kx === frame.height / height) return shrinkByInteger(frame, kx);
  const hx = computeTaps(frame.width, width);
  const vy = computeTaps(frame.height, height);
  if (maxCount(hx) <= 2 && maxCount(vy) <= 2) return resizeTwoTaps(frame, hx, vy);
  const src = frame.data;
  const srcRow = frame.width * 3;
  // Horizontal pass into floats: frame.height rows of `width` pixels.
  const tmp = new Float32Array(frame.height * width * 3);
  for (let y = 0; y < frame.height; y++) {
    const rowIn = y * srcRow;
    const rowOut = y * width * 3;
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      const n = hx.count[x];
      const w0 = x * hx.stride;
      let p = rowIn + hx.start[x] * 3;
      for (let k = 0; k < n; k++, p += 3) {
        const w = hx.weights[w0 + k];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      const o = rowOut + x * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const out = new Uint8Array(width * height * 3);
  const rowLen = width * 3;
  // Vertical pass, accumulating in a float row for precision.
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    const n = vy.count[y];
    const w0 = y * vy.stride;
    for (let k = 0; k < n; k++) {
      const w = vy.weights[w0 + k];
      const base = (vy.start[y] + k) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += tmp[base + i] * w;
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = acc[i] + 0.5; // rounds: weights sum to 1, so 0 <= acc <= 255
  }
  return { data: out, width, height };
}

/**
 * `resizeRgb` with at most two taps on both axes (enlargements, shrinks by less than 2): the
 * same float operations in the same order (horizontal sums of two products in doubles stored
 * as floats, then the vertical float sum, + 0.5, truncated), without tap loops. A missing
 * second tap reads its first pixel again with weight 0 (an exact 0 added).
 */
function resizeTwoTaps(frame: RgbFrame, hx: Taps, vy: Taps): RgbFrame {
  const src = frame.data;
  const width = hx.count.length;
  const height = vy.count.length;
  const srcRow = frame.width * 3;
  const rowLen = width * 3;
  const hp = new Int32Array(width);
  const hq = new Int32Array(width);
  const h0 = new Float64Array(width);
  const h1 = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const two = hx.count[x] === 2;
    hp[x] = 3 * hx.start[x];
    hq[x] = 3 * (two ? hx.start[x] + 1 : hx.start[x]);
    h0[x] = hx.weights[x * hx.stride];
    h1[x] = two ? hx.weights[x * hx.stride + 1] : 0;
  }
  // Horizontal pass into floats, for the source rows the output uses.
  const tmp = new Float32Array(frame.height * rowLen);
  const used = new Uint8Array(frame.height);
  for (let y = 0; y < height; y++) {
    used[vy.start[y]] = 1;
    if (vy.count[y] === 2) used[vy.start[y] + 1] = 1;
  }
  for (let y = 0; y < frame.height; y++) {
    if (!used[y]) continue;
    const rowIn = y * srcRow;
    for (let x = 0, o = y * rowLen; x < width; x++, o += 3) {
      const p = rowIn + hp[x];
      const q = rowIn + hq[x];
      const u = h0[x];
      const v = h1[x];
      tmp[o] = src[p] * u + src[q] * v;
      tmp[o + 1] = src[p + 1] * u + src[q + 1] * v;
      tmp[o + 2] = src[p + 2] * u + src[q + 2] * v;
    }
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const two = vy.count[y] === 2;
    const s = vy.start[y] * rowLen;
    const t = two ? s + rowLen : s;
    const wa = vy.weights[y * vy.stride];
    const wb = two ? vy.weights[y * vy.stride + 1] : 0;
    // The reference's float accumulator row: (0 + a * wa) as a float, then + b * wb as a float.
    for (let i = 0, o = y * rowLen; i < rowLen; i++) {
      out[o + i] = Math.fround(Math.fround(tmp[s + i] * wa) + tmp[t + i] * wb) + 0.5;
    }
  }
  return { data: out, width, height };
}

/** Exact k x k box average (1080p -> 960 px, 4K -> 960 px): integer sums, about 3x faster. */
function shrinkByInteger(frame: RgbFrame, k: number): RgbFrame {
  if (k === 2) return halve(frame);
  if (k === 3) return third(frame);
  const width = frame.width / k;
  const height = frame.height / k;
  const src = frame.data;
  const out = new Uint8Array(width * height * 3);
  const sums = new Uint32Array(width * 3);
  const half = (k * k) >> 1;
  const area = k * k;
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < k; dy++) {
      let p = (y * k + dy) * frame.width * 3;
      for (let x = 0; x < width; x++) {
        const o = x * 3;
        for (let dx = 0; dx < k; dx++, p += 3) {
          sums[o] += src[p];
          sums[o + 1] += src[p + 1];
          sums[o + 2] += src[p + 2];
        }
      }
    }
    const row = y * width * 3;
    for (let i = 0; i < width * 3; i++) out[row + i] = ((sums[i] + half) / area) | 0;
  }
  return { data: out, width, height };
}

/** 2 x 2 average, the 1080p -> 960 px case, unrolled. */
function halve(frame: RgbFrame): RgbFrame {
  const width = frame.width / 2;
  const height = frame.height / 2;
  const src = frame.data;
  const stride = frame.width * 3;
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let a = 2 * y * stride;
    let b = a + stride;
    for (let x = 0; x < width; x++, a += 6, b += 6, o += 3) {
      out[o] = (src[a] + src[a + 3] + src[b] + src[b + 3] + 2) >> 2;
      out[o + 1] = (src[a + 1] + src[a + 4] + src[b + 1] + src[b + 4] + 2) >> 2;
      out[o + 2] = (src[a + 2] + src[a + 5] + src[b + 2] + src[b + 5] + 2) >> 2;
    }
  }
  return { data: out, width, height };
}

/** 3 x 3 average (960 -> 320 px), unrolled: the same integer sums as the general loop. */
function third(frame: RgbFrame): RgbFrame {
  const width = frame.width / 3;
  const height = frame.height / 3;
  const src = frame.data;
  const stride = frame.width * 3;
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let a = 3 * y * stride;
    let b = a + stride;
    let c = b + stride;
    for (let x = 0; x < width; x++, a += 9, b += 9, c += 9, o += 3) {
      for (let ch = 0; ch < 3; ch++) {
        const sum =
          src[a + ch] +
          src[a + ch + 3] +
          src[a + ch + 6] +
          src[b + ch] +
          src[b + ch + 3] +
          src[b + ch + 6] +
          src[c + ch] +
          src[c + ch + 3] +
          src[c + ch + 6];
        out[o + ch] = ((sum + 4) / 9) | 0;
      }
    }
  }
  return { data: out, width, height };
}

/** Copy a rectangle (clamped to the frame) out of a frame. */
export function cropRgb(
  frame: RgbFrame,
  x: number,
  y: number,
  width: number,
  height: number,
): RgbFrame {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const w = Math.min(frame.width - x0, Math.floor(width));
  const h = Math.min(frame.height - y0, Math.floor(height));
  if (w < 1 || h < 1) throw new RangeError(`crop outside frame: ${x},${y} ${width}x${height}`);
  const out = new Uint8Array(w * h * 3);
  for (let row = 0; row < h; row++) {
    const s = ((y0 + row) * frame.width + x0) * 3;
    out.set(frame.data.subarray(s, s + w * 3), row * w * 3);
  }
  return { data: out, width: w, height: h };
}

export interface TensorLayout {
  /** Canvas size of the tensor; the frame is drawn at (offsetX, offsetY), the rest is 0. */
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  /** Channel order of the planes. */
  order: 'rgb' | 'bgr';
  /** Multiplier applied to 0..255 values (1 or 1/255). */
  scale: number;
}

/** Planar float tensor [3, height, width] (batch 1) holding the frame on a black canvas. */
export function toPlanarTensor(frame: RgbFrame, layout: TensorLayout): Float32Array {
  const { width, height, offsetX, offsetY, scale } = layout;
  if (
    offsetX < 0 ||
    offsetY < 0 ||
    offsetX + frame.width > width ||
    offsetY + frame.height > height
  ) {
    throw new RangeError('frame does not fit the tensor canvas');
  }
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const first = layout.order === 'rgb' ? 0 : 2 * plane;
  const third = layout.order === 'rgb' ? 2 * plane : 0;
  const src = frame.data;
  for (let y = 0; y < frame.height; y++) {
    let s = y * frame.width * 3;
    let d = (y + offsetY) * width + offsetX;
    for (let x = 0; x < frame.width; x++, s += 3, d++) {
      out[first + d] = src[s] * scale;
      out[plane + d] = src[s + 1] * scale;
      out[third + d] = src[s + 2] * scale;
    }
  }
  return out;
}

/**
 * The frame, raw 0..255, at the top-left of a planar tensor whose sides are padded up to
 * multiples of 32 (the largest stride of YuNet and RetinaFace), with the dims to run it.
 */
export function paddedPlanarTensor(
  frame: RgbFrame,
  order: TensorLayout['order'],
): { data: Float32Array; dims: number[]; width: number; height: number } {
  const width = roundUp(frame.width, 32);
  const height = roundUp(frame.height, 32);
  const data = toPlanarTensor(frame, { width, height, offsetX: 0, offsetY: 0, order, scale: 1 });
  return { data, dims: [1, 3, height, width], width, height };
}

/** Round up to a multiple of `m` (YuNet needs sides that are multiples of 32). */
export function roundUp(value: number, m: number): number {
  return Math.ceil(value / m) * m;
}

/** Size of a frame scaled so its longest side is at most `maxSide` (never enlarged). */
export function fitWithin(
  width: number,
  height: number,
  maxSide: number,
): { width: number; height: number; scale: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
    scale,
  };
}

export interface Letterbox {
  /** Model pixels per frame pixel. */
  scale: number;
  width: number;
  height: number;
  padX: number;
  padY: number;
}

/** Geometry of fitting width x height into the centre of a size x size canvas (as HyperLPR3 trains). */
export function letterboxGeometry(width: number, height: number, size: number): Letterbox {
  const scale = Math.min(size / width, size / height);
  const w = Math.max(1, Math.min(size, Math.round(width * scale)));
  const h = Math.max(1, Math.min(size, Math.round(height * scale)));
  return {
    scale,
    width: w,
    height: h,
    padX: Math.floor((size - w) / 2),
    padY: Math.floor((size - h) / 2),
  };
}

/**
 * Float buffers for model inputs, reused across runs of a detector: a 1440 x 832 tensor is
 * 14 MB, and allocating (and first touching) one per pass cost about as much as filling it.
 * `take` returns a view of exactly `length` elements on a kept buffer at least that large (the
 * small-face windows come in a new size nearly every pass, so buffers are kept by capacity, not
 * by length), with stale contents: the tensor writers below overwrite all of it. onnxruntime
 * reads such a view like any array (same outputs, test/unit/engine/preprocess.test.ts).
 */
export class TensorBuffers {
  /** Kept buffers, whole (offset 0), smallest first. */
  private readonly free: Float32Array[] = [];

  take(length: number): Float32Array {
    const i = this.free.findIndex((b) => b.length >= length);
    if (i < 0) return new Float32Array(roundUp(length, TENSOR_GRAIN)).subarray(0, length);
    const [b] = this.free.splice(i, 1);
    return b.subarray(0, length);
  }

  /** Keeps the buffer under `view` (at most 4, the largest). */
  give(view: Float32Array): void {
    const whole = new Float32Array(view.buffer, 0, view.buffer.byteLength / 4);
    this.free.push(whole);
    this.free.sort((a, b) => a.length - b.length);
    if (this.free.length > 4) this.free.shift();
  }
}

/** Tensor buffers grow in steps of 1 MiB, so a window a little larger reuses the next step. */
const TENSOR_GRAIN = 2 ** 18;

/**
 * `frame` resampled to width x height (as `resizeRgb`: area averaging when shrinking, bilinear
 * when enlarging, values rounded to whole levels) straight into a planar float tensor padded
 * bottom/right to multiples of 32, raw 0..255: no intermediate RGB copy. Every element of
 * `into` (when its length fits) is written, padding included.
 *
 * Per output row the vertical taps are summed first, into one float row per channel of the
 * source's width, then the horizontal taps in doubles, rounded with floor(x + 0.5): the float
 * operations and their order are fixed (test/unit/engine/preprocess.reference.ts is the oracle
 * these kernels match element for element), so detector inputs do not move.
 */
export function resizedPlanarTensor(
  frame: RgbFrame,
  width: number,
  height: number,
  order: TensorLayout['order'],
  into?: Float32Array,
  affine?: InputAffine,
): { data: Float32Array; dims: number[]; width: number; height: number } {
  if (width < 1 || height < 1) throw new RangeError(`bad target size ${width}x${height}`);
  const padW = roundUp(width, 32);
  const padH = roundUp(height, 32);
  const plane = padW * padH;
  const out = into && into.length === 3 * plane ? into : new Float32Array(3 * plane);
  const first = order === 'rgb' ? 0 : 2 * plane;
  const third = order === 'rgb' ? 2 * plane : 0;
  const planes: Planes = { out, first, second: plane, third, padW };
  // The native kernels (src/native) give the same elements, 2-3x faster.
  const native = nativeKernels();
  const { data: src, width: sw, height: sh } = frame;
  if (width === sw && height === sh) {
    if (native) native.copyPlanar(src, sw, sh, out, first, plane, third, padW);
    else copyPlanar(frame, planes);
  } else {
    const hx = computeTaps(sw, width);
    const vy = computeTaps(sh, height);
    if (native) {
      const h = [hx.start, hx.count, hx.weights, hx.stride] as const;
      const v = [vy.start, vy.count, vy.weights, vy.stride] as const;
      native.resamplePlanar(src, sw, sh, ...h, ...v, out, first, plane, third, padW);
    } else if (maxCount(hx) <= 2 && maxCount(vy) <= 2) resampleTwoTaps(frame, hx, vy, planes);
    else resampleTaps(frame, hx, vy, planes);
  }
  // Padding: right of each row, then the rows below the picture.
  if (padW > width) {
    for (const c of [0, plane, 2 * plane]) {
      for (let y = 0, d = c + width; y < height; y++, d += padW) out.fill(0, d, d + padW - width);
    }
  }
  if (padH > height) {
    for (const c of [0, plane, 2 * plane]) out.fill(0, c + height * padW, c + plane);
  }
  if (affine) applyAffine(out, affine);
  return { data: out, dims: [1, 3, padH, padW], width: padW, height: padH };
}

/**
 * x = (x - sub) * mul over the whole tensor, padding included, in float32 arithmetic: what the
 * model's own Sub and Mul nodes computed before `withoutInputAffine` took them out.
 */
function applyAffine(out: Float32Array, { sub, mul }: InputAffine): void {
  const native = nativeKernels();
  if (native) return native.affineInPlace(out, sub, mul);
  const s = Math.fround(sub);
  const m = Math.fround(mul);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(Math.fround(out[i] - s) * m);
}

/** Where `resizedPlanarTensor` writes: plane offsets in `out` (in channel order) and row length. */
interface Planes {
  out: Float32Array;
  first: number;
  second: number;
  third: number;
  padW: number;
}

function maxCount(t: Taps): number {
  let m = 0;
  for (let i = 0; i < t.count.length; i++) if (t.count[i] > m) m = t.count[i];
  return m;
}

/** Same size: the bytes themselves, de-interleaved. */
function copyPlanar(frame: RgbFrame, { out, first, second, third, padW }: Planes): void {
  const src = frame.data;
  const w = frame.width;
  for (let y = 0, s = 0; y < frame.height; y++) {
    const r = first + y * padW;
    const g = second + y * padW;
    const b = third + y * padW;
    for (let x = 0; x < w; x++, s += 3) {
      out[r + x] = src[s];
      out[g + x] = src[s + 1];
      out[b + x] = src[s + 2];
    }
  }
}

/**
 * A stretch of output columns whose two taps repeat every `period` columns, `step` source
 * pixels further each time, with the same weights (a 1.5x enlargement: 3 columns per 2 source
 * pixels; 2x: 2 per 1; 960 -> 640: 2 per 3). Column x0 + j of each block reads source `base +
 * d[j]` and `base + e[j]`. `period` 0: columns with taps of their own (the generic loop).
 */
interface Stretch {
  /** `period/d/e` (its kernel's key), '' for the generic loop. */
  shape: string;
  x0: number;
  x1: number;
  period: number;
  step: number;
  base: number;
  d: number[];
  e: number[];
  u: number[];
  v: number[];
}

/** Shortest run of whole periods worth a stretch of its own. */
const MIN_BLOCKS = 4;

/**
 * Splits the output columns into periodic stretches (checked column by column, weights compared
 * exactly, so a float weight that breaks the pattern only ends a stretch) and generic ones.
 */
function planColumns(
  hp: Int32Array,
  hq: Int32Array,
  h0: Float64Array,
  h1: Float64Array,
): Stretch[] {
  const width = hp.length;
  const plan: Stretch[] = [];
  const generic = (x: number) => {
    const last = plan[plan.length - 1];
    if (last && last.period === 0 && last.x1 === x) last.x1 = x + 1;
    else {
      plan.push({
        shape: '',
        x0: x,
        x1: x + 1,
        period: 0,
        step: 0,
        base: 0,
        d: [],
        e: [],
        u: [],
        v: [],
      });
    }
  };
  let x = 0;
  while (x < width) {
    let best = 0;
    let bestPeriod = 0;
    for (const period of [7, 3, 2]) {
      if (x + 2 * period > width) continue;
      const step = hp[x + period] - hp[x];
      let blocks = 0;
      for (let b = x; b + period <= width; b += period, blocks++) {
        let same = true;
        for (let j = 0; j < period && same; j++) {
          const c = b + j;
          same =
            hp[c] - hp[x + j] === blocks * step &&
            hq[c] - hp[c] === hq[x + j] - hp[x + j] &&
            h0[c] === h0[x + j] &&
            h1[c] === h1[x + j];
        }
        if (!same) break;
      }
      if (blocks * period > best) {
        best = blocks * period;
        bestPeriod = period;
      }
    }
    if (best >= MIN_BLOCKS * bestPeriod && bestPeriod > 0) {
      const period = bestPeriod;
      const base = hp[x];
      const cols = Array.from({ length: period }, (_, j) => x + j);
      const d = cols.map((c) => hp[c] - base);
      const e = cols.map((c) => hq[c] - base);
      plan.push({
        shape: `${period}/${d.join()}/${e.join()}`,
        x0: x,
        x1: x + best,
        period,
        step: hp[x + period] - base,
        base,
        d,
        e,
        u: cols.map((c) => h0[c]),
        v: cols.map((c) => h1[c]),
      });
      x += best;
    } else generic(x++);
  }
  return plan;
}

/**
 * Channel `c` of the interleaved float row `a` resampled along x into `out` at `o`, stretch by
 * stretch (`hp`, `hq`: first and second taps' indices in `a` for channel 0).
 */
function resampleRow(
  a: Float32Array,
  c: number,
  out: Float32Array,
  o: number,
  plan: Stretch[],
  hp: Int32Array,
  hq: Int32Array,
  h0: Float64Array,
  h1: Float64Array,
): void {
  for (const s of plan) {
    const shape = s.shape;
    const p = 3 * s.base + c;
    const step = 3 * s.step;
    if (shape === '3/0,1,1/1,2,2') {
      up3to2(a, out, o, s.x0, s.x1, p, step, s.u, s.v);
    } else if (shape === '2/0,0/1,1') {
      up2(a, out, o, s.x0, s.x1, p, step, s.u, s.v);
    } else if (shape === '2/0,1/1,2') {
      down3to2(a, out, o, s.x0, s.x1, p, step, s.u, s.v);
    } else if (s.period === 3) {
      period3(a, out, o, s.x0, s.x1, p, step, s.d, s.e, s.u, s.v);
    } else if (s.period === 2) {
      period2(a, out, o, s.x0, s.x1, p, step, s.d, s.e, s.u, s.v);
    } else if (s.period === 7) {
      period7(a, out, o, s.x0, s.x1, p, step, s.d, s.e, s.u, s.v);
    } else {
      for (let x = s.x0; x < s.x1; x++) {
        out[o + x] = Math.floor(a[hp[x] + c] * h0[x] + a[hq[x] + c] * h1[x] + 0.5);
      }
    }
  }
}

/** 1.5x enlargement: columns (p, p+1), (p+1, p+2), (p+1, p+2), each source read once. */
function up3to2(
  a: Float32Array,
  out: Float32Array,
  o: number,
  x0: number,
  x1: number,
  base: number,
  step: number,
  u: number[],
  v: number[],
): void {
  const [u0, u1, u2] = u;
  const [v0, v1, v2] = v;
  for (let x = o + x0, end = o + x1, p = base; x < end; x += 3, p += step) {
    const s0 = a[p];
    const s1 = a[p + 3];
    const s2 = a[p + 6];
    out[x] = Math.floor(s0 * u0 + s1 * v0 + 0.5);
    out[x + 1] = Math.floor(s1 * u1 + s2 * v1 + 0.5);
    out[x + 2] = Math.floor(s1 * u2 + s2 * v2 + 0.5);
  }
}

/** 2x enlargement: columns (p, p+1) twice. */
function up2(
  a: Float32Array,
  out: Float32Array,
  o: number,
  x0: number,
  x1: number,
  base: number,
  step: number,
  u: number[],
  v: number[],
): void {
  const [u0, u1] = u;
  const [v0, v1] = v;
  for (let x = o + x0, end = o + x1, p = base; x < end; x += 2, p += step) {
    const s0 = a[p];
    const s1 = a[p + 3];
    out[x] = Math.floor(s0 * u0 + s1 * v0 + 0.5);
    out[x + 1] = Math.floor(s0 * u1 + s1 * v1 + 0.5);
  }
}

/** 1.5x shrink (960 -> 640): columns (p, p+1), (p+1, p+2). */
function down3to2(
  a: Float32Array,
  out: Float32Array,
  o: number,
  x0: number,
  x1: number,
  base: number,
  step: number,
  u: number[],
  v: number[],
): void {
  const [u0, u1] = u;
  const [v0, v1] = v;
  for (let x = o + x0, end = o + x1, p = base; x < end; x += 2, p += step) {
    const s0 = a[p];
    const s1 = a[p + 3];
    const s2 = a[p + 6];
    out[x] = Math.floor(s0 * u0 + s1 * v0 + 0.5);
    out[x + 1] = Math.floor(s1 * u1 + s2 * v1 + 0.5);
  }
}

function period3(
  a: Float32Array,
  out: Float32Array,
  o: number,
  x0: number,
  x1: number,
  base: number,
  step: number,
  d: number[],
  e: number[],
  u: number[],
  v: number[],
): void {
  const [d0, d1, d2] = d.map((k) => 3 * k);
  const [e0, e1, e2] = e.map((k) => 3 * k);
  const [u0, u1, u2] = u;
  const [v0, v1, v2] = v;
  for (let x = o + x0, end = o + x1, p = base; x < end; x += 3, p += step) {
    out[x] = Math.floor(a[p + d0] * u0 + a[p + e0] * v0 + 0.5);
    out[x + 1] = Math.floor(a[p + d1] * u1 + a[p + e1] * v1 + 0.5);
    out[x + 2] = Math.floor(a[p + d2] * u2 + a[p + e2] * v2 + 0.5);
  }
}

function period2(
  a: Float32Array,
  out: Float32Array,
  o: number,
  x0: number,
  x1: number,
  base: number,
  step: number,
  d: number[],
  e: number[],
  u: number[],
  v: number[],
): void {
  const [d0, d1] = d.map((k) => 3 * k);
  const [e0, e1] = e.map((k) => 3 * k);
  const [u0, u1] = u;
  const [v0, v1] = v;
  for (let x = o + x0, end = o + x1, p = base; x < end; x += 2, p += step) {
    out[x] = Math.floor(a[p + d0] * u0 + a[p + e0] * v0 + 0.5);
    out[x + 1] = Math.floor(a[p + d1] * u1 + a[p + e1] * v1 + 0.5);
  }
}

/** 1.75x enlargement (video's small-face pass, 960 -> 1680): 7 columns per 4 source pixels. */
function period7(
  a: Float32Array,
  out: Float32Array,
  o: number,
  x0: number,
  x1: number,
  base: number,
  step: number,
  d: number[],
  e: number[],
  u: number[],
  v: number[],
): void {
  const [d0, d1, d2, d3, d4, d5, d6] = d.map((k) => 3 * k);
  const [e0, e1, e2, e3, e4, e5, e6] = e.map((k) => 3 * k);
  const [u0, u1, u2, u3, u4, u5, u6] = u;
  const [v0, v1, v2, v3, v4, v5, v6] = v;
  for (let x = o + x0, end = o + x1, p = base; x < end; x += 7, p += step) {
    out[x] = Math.floor(a[p + d0] * u0 + a[p + e0] * v0 + 0.5);
    out[x + 1] = Math.floor(a[p + d1] * u1 + a[p + e1] * v1 + 0.5);
    out[x + 2] = Math.floor(a[p + d2] * u2 + a[p + e2] * v2 + 0.5);
    out[x + 3] = Math.floor(a[p + d3] * u3 + a[p + e3] * v3 + 0.5);
    out[x + 4] = Math.floor(a[p + d4] * u4 + a[p + e4] * v4 + 0.5);
    out[x + 5] = Math.floor(a[p + d5] * u5 + a[p + e5] * v5 + 0.5);
    out[x + 6] = Math.floor(a[p + d6] * u6 + a[p + e6] * v6 + 0.5);
  }
}

/**
 * At most two taps on both axes (every enlargement, shrinks by less than 2 such as 960 -> 640):
 * no tap loops. A missing second tap reads its first pixel again with weight 0, which adds an
 * exact 0 and so leaves every sum as the one-tap sum. Columns go through `planColumns`.
 */
function resampleTwoTaps(
  frame: RgbFrame,
  hx: Taps,
  vy: Taps,
  { out, first, second, third, padW }: Planes,
): void {
  const src = frame.data;
  const sw = frame.width;
  const rowLen = sw * 3;
  const width = hx.count.length;
  const height = vy.count.length;
  const hp = new Int32Array(width);
  const hq = new Int32Array(width);
  const h0 = new Float64Array(width);
  const h1 = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const two = hx.count[x] === 2;
    hp[x] = hx.start[x];
    hq[x] = two ? hx.start[x] + 1 : hx.start[x];
    h0[x] = hx.weights[x * hx.stride];
    h1[x] = two ? hx.weights[x * hx.stride + 1] : 0;
  }
  const plan = planColumns(hp, hq, h0, h1);
  for (let x = 0; x < width; x++) {
    hp[x] *= 3;
    hq[x] *= 3;
  }
  const acc = new Float32Array(rowLen);
  const next = new Float32Array(rowLen);
  const planesAt = [first, second, third];
  const ra = (y: number) => vy.start[y];
  const rb = (y: number) => (vy.count[y] === 2 ? vy.start[y] + 1 : vy.start[y]);
  const wa = (y: number) => vy.weights[y * vy.stride];
  const wb = (y: number) => (vy.count[y] === 2 ? vy.weights[y * vy.stride + 1] : 0);
  const columns = (a: Float32Array, y: number) => {
    for (let c = 0; c < 3; c++) {
      resampleRow(a, c, out, planesAt[c] + y * padW, plan, hp, hq, h0, h1);
    }
  };
  for (let y = 0; y < height; y++) {
    // As the reference: the first tap's product stored as a float, then the second added.
    const s = ra(y) * rowLen;
    const t = rb(y) * rowLen;
    const ua = wa(y);
    const ub = wb(y);
    if (y + 1 < height && ra(y + 1) === ra(y) && rb(y + 1) === rb(y)) {
      // The next output row blends the same two source rows (enlargements): both in one pass.
      const va = wa(y + 1);
      const vb = wb(y + 1);
      for (let i = 0; i < rowLen; i++) {
        const p = src[s + i];
        const q = src[t + i];
        acc[i] = Math.fround(p * ua) + q * ub;
        next[i] = Math.fround(p * va) + q * vb;
      }
      columns(acc, y);
      columns(next, ++y);
    } else if (y + 1 < height && ra(y + 1) === rb(y) && rb(y + 1) === rb(y) + 1) {
      // The next output row starts at this row's second source row (shrinks such as 960 ->
      // 640): three source rows read once for both.
      const r = t + rowLen;
      const va = wa(y + 1);
      const vb = wb(y + 1);
      for (let i = 0; i < rowLen; i++) {
        const q = src[t + i];
        acc[i] = Math.fround(src[s + i] * ua) + q * ub;
        next[i] = Math.fround(q * va) + src[r + i] * vb;
      }
      columns(acc, y);
      columns(next, ++y);
    } else {
      for (let i = 0; i < rowLen; i++) acc[i] = Math.fround(src[s + i] * ua) + src[t + i] * ub;
      columns(acc, y);
    }
  }
}

/** Any tap counts (shrinks by 2 or more): the same sums with tap loops. */
function resampleTaps(
  frame: RgbFrame,
  hx: Taps,
  vy: Taps,
  { out, first, second, third, padW }: Planes,
): void {
  const src = frame.data;
  const sw = frame.width;
  const width = hx.count.length;
  const height = vy.count.length;
  const hStart = hx.start;
  const hCount = hx.count;
  const hW = hx.weights;
  const hStride = hx.stride;
  const ar = new Float32Array(sw);
  const ag = new Float32Array(sw);
  const ab = new Float32Array(sw);
  for (let y = 0; y < height; y++) {
    const n = vy.count[y];
    const w0 = y * vy.stride;
    const base0 = vy.start[y] * sw * 3;
    const wa = vy.weights[w0];
    for (let x = 0, s = base0; x < sw; x++, s += 3) {
      ar[x] = src[s] * wa;
      ag[x] = src[s + 1] * wa;
      ab[x] = src[s + 2] * wa;
    }
    for (let k = 1; k < n; k++) {
      const w = vy.weights[w0 + k];
      for (let x = 0, s = base0 + k * sw * 3; x < sw; x++, s += 3) {
        ar[x] += src[s] * w;
        ag[x] += src[s + 1] * w;
        ab[x] += src[s + 2] * w;
      }
    }
    const r = first + y * padW;
    const g = second + y * padW;
    const b = third + y * padW;
    for (let x = 0; x < width; x++) {
      const m = hCount[x];
      const h0 = x * hStride;
      let p = hStart[x];
      let u = hW[h0];
      let sr = ar[p] * u;
      let sg = ag[p] * u;
      let sb = ab[p] * u;
      for (let k = 1; k < m; k++) {
        p++;
        u = hW[h0 + k];
        sr += ar[p] * u;
        sg += ag[p] * u;
        sb += ab[p] * u;
      }
      out[r + x] = Math.floor(sr + 0.5);
      out[g + x] = Math.floor(sg + 0.5);
      out[b + x] = Math.floor(sb + 0.5);
    }
  }
}
