/**
 * Reference (pre-optimisation) copies of the resampling kernels in src/engine/preprocess.ts,
 * kept verbatim as the oracle: the optimised kernels must match them element for element.
 * Used by test/unit/engine/preprocess.test.ts and scripts/bench-kernels.ts; not a test itself.
 */
import type { RgbFrame } from '../../../src/engine/types.ts';
import { roundUp, type TensorLayout } from '../../../src/engine/preprocess.ts';

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
export function referenceResizeRgb(frame: RgbFrame, width: number, height: number): RgbFrame {
  if (width === frame.width && height === frame.height) return frame;
  if (width < 1 || height < 1) throw new RangeError(`bad target size ${width}x${height}`);
  const kx = frame.width / width;
  if (Number.isInteger(kx) && kx === frame.height / height) return shrinkByInteger(frame, kx);
  const hx = computeTaps(frame.width, width);
  const vy = computeTaps(frame.height, height);
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

/** Exact k x k box average (1080p -> 960 px, 4K -> 960 px): integer sums, about 3x faster. */
function shrinkByInteger(frame: RgbFrame, k: number): RgbFrame {
  if (k === 2) return halve(frame);
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

export function referenceResizedPlanarTensor(
  frame: RgbFrame,
  width: number,
  height: number,
  order: TensorLayout['order'],
  into?: Float32Array,
): { data: Float32Array; dims: number[]; width: number; height: number } {
  if (width < 1 || height < 1) throw new RangeError(`bad target size ${width}x${height}`);
  const padW = roundUp(width, 32);
  const padH = roundUp(height, 32);
  const plane = padW * padH;
  const out = into && into.length === 3 * plane ? into : new Float32Array(3 * plane);
  const first = order === 'rgb' ? 0 : 2 * plane;
  const third = order === 'rgb' ? 2 * plane : 0;
  const same = width === frame.width && height === frame.height;
  const hx = computeTaps(frame.width, width);
  const vy = computeTaps(frame.height, height);
  const src = frame.data;
  const rowLen = frame.width * 3;
  // Vertical taps first into one float row of the source's width, then horizontal taps.
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < height; y++) {
    const d0 = y * padW;
    if (same) {
      for (let x = 0, s = y * rowLen, d = d0; x < width; x++, s += 3, d++) {
        out[first + d] = src[s];
        out[plane + d] = src[s + 1];
        out[third + d] = src[s + 2];
      }
    } else {
      const n = vy.count[y];
      const w0 = y * vy.stride;
      const base0 = vy.start[y] * rowLen;
      const wa = vy.weights[w0];
      for (let i = 0; i < rowLen; i++) acc[i] = src[base0 + i] * wa;
      for (let k = 1; k < n; k++) {
        const w = vy.weights[w0 + k];
        const base = base0 + k * rowLen;
        for (let i = 0; i < rowLen; i++) acc[i] += src[base + i] * w;
      }
      for (let x = 0, d = d0; x < width; x++, d++) {
        let r = 0;
        let g = 0;
        let b = 0;
        const m = hx.count[x];
        const h0 = x * hx.stride;
        for (let k = 0, p = hx.start[x] * 3; k < m; k++, p += 3) {
          const w = hx.weights[h0 + k];
          r += acc[p] * w;
          g += acc[p + 1] * w;
          b += acc[p + 2] * w;
        }
        // Weights sum to 1, so the sums lie in 0..255: rounded as resizeRgb's bytes are.
        out[first + d] = Math.floor(r + 0.5);
        out[plane + d] = Math.floor(g + 0.5);
        out[third + d] = Math.floor(b + 0.5);
      }
    }
    if (padW > width) {
      for (const c of [0, plane, 2 * plane]) out.fill(0, c + d0 + width, c + d0 + padW);
    }
  }
  if (padH > height) {
    for (const c of [0, plane, 2 * plane]) out.fill(0, c + height * padW, c + plane);
  }
  return { data: out, dims: [1, 3, padH, padW], width: padW, height: padH };
}
