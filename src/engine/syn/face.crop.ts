/**
 * The square crop `syn` analyses and judges a face on: twice the face's size around its
 * centre, on whole pixels, at the frame's own resolution when the face is 128-256 px (an
 * exact copy of the pixels an attacker sees), resampled to 256 px below and 512 px above
 * (the recognisers' face chips are 150-224 px, so nothing they could use is lost).
 */
import type { Detection, RgbFrame } from '../types.ts';
import type { Vec2 } from './mesh.geometry.ts';
import { roundPixel } from '../round.ts';
import { nativeKernels } from '../../native/index.ts';

export const CROP_MIN = 256;
export const CROP_MAX = 512;

export interface FaceCrop {
  image: RgbFrame;
  /** Frame pixels per crop pixel, and the crop's origin in the frame. */
  scale: number;
  x0: number;
  y0: number;
}

/** Where the crop of `det` lies: the same for the original and the output of one face. */
export function cropGeometry(det: Detection): Omit<FaceCrop, 'image'> & { side: number } {
  const cx = (det.box.x1 + det.box.x2) / 2;
  const cy = (det.box.y1 + det.box.y2) / 2;
  const extent = Math.max(
    8,
    Math.round(2 * Math.max(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1)),
  );
  const side = Math.min(CROP_MAX, Math.max(CROP_MIN, extent));
  return {
    side,
    scale: extent / side,
    x0: Math.round(cx - extent / 2),
    y0: Math.round(cy - extent / 2),
  };
}

/**
 * The fail-safe's second view: the face at a third of the view's side (the framing of a
 * portrait photo) instead of half, so Human's detector boxes and aligns it as it does in a
 * whole photo. faceres moves by up to 0.09 between the two framings (eval:syn, London Set).
 */
export function cropWide(frame: RgbFrame, det: Detection): FaceCrop {
  const cx = (det.box.x1 + det.box.x2) / 2;
  const cy = (det.box.y1 + det.box.y2) / 2;
  const w = ((det.box.x2 - det.box.x1) * WIDE) / 2;
  const h = ((det.box.y2 - det.box.y1) * WIDE) / 2;
  return cropAround(frame, {
    ...det,
    box: { ...det.box, x1: cx - w, x2: cx + w, y1: cy - h, y2: cy + h },
  });
}

/** How much wider `cropWide` is than `cropAround` (3x the face's size instead of 2x). */
export const WIDE = 1.5;

/** Cuts the crop of `det` out of `frame` (edges replicated beyond the frame). */
export function cropAround(frame: RgbFrame, det: Detection): FaceCrop {
  const { side, scale, x0, y0 } = cropGeometry(det);
  const data = new Uint8Array(side * side * 3);
  const { width: fw, height: fh, data: src } = frame;
  if (scale === 1) {
    // Whole-pixel copy: the very pixels of the frame, a row span at a time.
    const inX1 = Math.min(side, Math.max(0, -x0));
    const inX2 = Math.max(inX1, Math.min(side, fw - x0));
    for (let y = 0; y < side; y++) {
      const row = Math.min(fh - 1, Math.max(0, y0 + y)) * fw;
      const out = y * side * 3;
      if (inX2 > inX1)
        data.set(src.subarray((row + x0 + inX1) * 3, (row + x0 + inX2) * 3), out + inX1 * 3);
      for (let x = 0; x < side; x++) {
        if (x === inX1 && inX2 > inX1) x = inX2;
        if (x >= side) break;
        const o = (row + Math.min(fw - 1, Math.max(0, x0 + x))) * 3;
        data[out + x * 3] = src[o];
        data[out + x * 3 + 1] = src[o + 1];
        data[out + x * 3 + 2] = src[o + 2];
      }
    }
  } else {
    // Bilinear samples at pixel centres (edges clamped); downscaling averages a 2x2 footprint
    // so that fine texture does not alias.
    const taps = scale > 1.5 ? [-0.25, 0.25] : [0];
    const n = taps.length;
    const w = 1 / (n * n);
    // Per column and per row: the byte offsets of the two source pixels (rows: of their
    // rows) and the weight of the second.
    const cols = axis(side, x0, scale, taps, fw, 3);
    const rows = axis(side, y0, scale, taps, fh, fw * 3);
    const [c0s, c1s, axs] = cols;
    const [r0s, r1s, ays] = rows;
    const native = nativeKernels();
    if (native) {
      // src/native/syn.c: the loops below, bit for bit.
      native.cropBilinear(src, n, side, c0s, c1s, axs, r0s, r1s, ays, data);
      return { image: { data, width: side, height: side }, scale, x0, y0 };
    }
    if (n === 1) {
      // One tap: the same arithmetic as below without the sums (0 + v and v * 1 are v).
      for (let y = 0; y < side; y++) {
        const r0 = r0s[y];
        const r1 = r1s[y];
        const ay = ays[y];
        let o = y * side * 3;
        for (let x = 0; x < side; x++, o += 3) {
          const i00 = r0 + c0s[x];
          const i01 = r0 + c1s[x];
          const i10 = r1 + c0s[x];
          const i11 = r1 + c1s[x];
          const ax = axs[x];
          for (let c = 0; c < 3; c++) {
            const top = src[i00 + c] + (src[i01 + c] - src[i00 + c]) * ax;
            const bottom = src[i10 + c] + (src[i11 + c] - src[i10 + c]) * ax;
            data[o + c] = roundPixel(top + (bottom - top) * ay);
          }
        }
      }
      return { image: { data, width: side, height: side }, scale, x0, y0 };
    }
    // Two taps per axis (n = 2). Each source row is interpolated along x once, at every tap
    // column (`horizontal`), and kept while the next tap rows need it (consecutive tap rows
    // mostly share one); per output pixel the four taps are summed in the same order, with the
    // same float operations, as sampling each tap on its own: the same bytes, about 30% faster.
    const span = side * n * 3;
    const bufs = [new Float64Array(span), new Float64Array(span)];
    const keys = [-1, -1];
    const horizontal = (row: number, out: Float64Array) => {
      for (let x = 0, o = 0; x < side * n; x++, o += 3) {
        const i0 = row + c0s[x];
        const i1 = row + c1s[x];
        const ax = axs[x];
        out[o] = src[i0] + (src[i1] - src[i0]) * ax;
        out[o + 1] = src[i0 + 1] + (src[i1 + 1] - src[i0 + 1]) * ax;
        out[o + 2] = src[i0 + 2] + (src[i1 + 2] - src[i0 + 2]) * ax;
      }
    };
    /** Which buffer holds source row `row` interpolated (computed into the one not `keep`). */
    const rowOf = (row: number, keep: number): number => {
      if (keys[0] === row) return 0;
      if (keys[1] === row) return 1;
      const b = keep === 0 ? 1 : 0;
      horizontal(row, bufs[b]);
      keys[b] = row;
      return b;
    };
    const sums = new Float64Array(side * 3);
    for (let y = 0; y < side; y++) {
      sums.fill(0);
      for (let ty = 0; ty < n; ty++) {
        const ry = y * n + ty;
        const bt = rowOf(r0s[ry], -1);
        const top = bufs[bt];
        const bottom = bufs[rowOf(r1s[ry], bt)];
        const ay = ays[ry];
        // Tap columns x * 2 and x * 2 + 1 of output column x, in that order.
        for (let x = 0, o = 0, k = 0; x < side; x++, o += 3, k += 6) {
          sums[o] += top[k] + (bottom[k] - top[k]) * ay;
          sums[o + 1] += top[k + 1] + (bottom[k + 1] - top[k + 1]) * ay;
          sums[o + 2] += top[k + 2] + (bottom[k + 2] - top[k + 2]) * ay;
          sums[o] += top[k + 3] + (bottom[k + 3] - top[k + 3]) * ay;
          sums[o + 1] += top[k + 4] + (bottom[k + 4] - top[k + 4]) * ay;
          sums[o + 2] += top[k + 5] + (bottom[k + 5] - top[k + 5]) * ay;
        }
      }
      const o = y * side * 3;
      for (let i = 0; i < side * 3; i++) data[o + i] = roundPixel(sums[i] * w);
    }
  }
  return { image: { data, width: side, height: side }, scale, x0, y0 };
}

/**
 * Bilinear taps along one axis: for each output pixel and tap, the lower and upper source
 * index (clamped at 0..len-1) times `stride` (bytes per step along the axis), and the
 * weight of the upper one.
 */
function axis(
  side: number,
  origin: number,
  scale: number,
  taps: number[],
  len: number,
  stride: number,
) {
  const lo = new Int32Array(side * taps.length);
  const hi = new Int32Array(side * taps.length);
  const weight = new Float64Array(side * taps.length);
  for (let i = 0; i < side; i++)
    for (const [k, d] of taps.entries()) {
      const f = Math.min(Math.max(origin + (i + 0.5 + d) * scale - 0.5, 0), len - 1);
      const l = Math.floor(f);
      const o = i * taps.length + k;
      lo[o] = l * stride;
      hi[o] = Math.min(l + 1, len - 1) * stride;
      weight[o] = f - l;
    }
  return [lo, hi, weight] as const;
}

/** A box in a crop as fractions of the crop's side: x, y, width, height. */
export type RelativeBox = [number, number, number, number];

/** `box` (crop pixels) relative to the crop's side: a track keeps it for its next frames. */
export function relativeBox(
  box: { x: number; y: number; width: number; height: number },
  side: number,
): RelativeBox {
  return [box.x / side, box.y / side, box.width / side, box.height / side];
}

/** Crop pixels to frame pixels. */
export function toFrame(crop: Omit<FaceCrop, 'image'>, [x, y]: readonly number[]): Vec2 {
  return [crop.x0 + x * crop.scale, crop.y0 + y * crop.scale];
}
