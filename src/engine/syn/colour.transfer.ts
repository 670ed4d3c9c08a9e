/**
 * Colour transfer in CIE L*a*b* (D65, sRGB): the synthetic face takes the mean and spread of
 * the original face's colours, so skin tone and scene lighting colour carry over while the
 * texture (which carries identity) does not.
 */
import { roundPixel } from '../round.ts';
import { nativeKernels } from '../../native/index.ts';

const WHITE = [0.95047, 1, 1.08883];

// Lookup tables: the sRGB curve's pow() per pixel was most of the renderer's time.
const TO_LINEAR = Float64Array.from({ length: 256 }, (_, c) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
});
const FROM_STEPS = 8192;
const FROM_LINEAR = Float32Array.from({ length: FROM_STEPS + 1 }, (_, i) => {
  const v = i / FROM_STEPS;
  return 255 * (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);
});

function toLinear(c: number): number {
  return TO_LINEAR[c <= 0 ? 0 : c >= 255 ? 255 : roundPixel(c)];
}

function fromLinear(v: number): number {
  if (v <= 0) return 0;
  if (v >= 1) return 255;
  // Dark tones change fast: compute them exactly, the rest from the table.
  if (v < 0.01) return 255 * (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);
  return FROM_LINEAR[Math.round(v * FROM_STEPS)];
}

const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 / 116) * t + 16 / 116);
const fInv = (t: number) => {
  const t3 = t * t * t;
  return t3 > 216 / 24389 ? t3 : (116 * t - 16) / (24389 / 27);
};

/** sRGB 0..255 (rounded to integers) to L* 0..100, a*, b*. */
export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const out = new Float64Array(3);
  toLab(r, g, b, out);
  return [out[0], out[1], out[2]];
}

/** `rgbToLab` into `out` (no allocation: the per-pixel loops call it). */
function toLab(r: number, g: number, b: number, out: Float64Array): void {
  const lr = toLinear(r);
  const lg = toLinear(g);
  const lb = toLinear(b);
  const fx = f((0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / WHITE[0]);
  const fy = f((0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb) / WHITE[1]);
  const fz = f((0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / WHITE[2]);
  out[0] = 116 * fy - 16;
  out[1] = 500 * (fx - fy);
  out[2] = 200 * (fy - fz);
}

/** L*a*b* to sRGB 0..255 (clamped, not rounded). */
export function labToRgb(l: number, a: number, bb: number): [number, number, number] {
  const out = new Float64Array(3);
  toRgb(l, a, bb, out);
  return [out[0], out[1], out[2]];
}

/** `labToRgb` into `out`. */
function toRgb(l: number, a: number, bb: number, out: Float64Array): void {
  const fy = (l + 16) / 116;
  const x = fInv(fy + a / 500) * WHITE[0];
  const y = fInv(fy) * WHITE[1];
  const z = fInv(fy - bb / 200) * WHITE[2];
  out[0] = fromLinear(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  out[1] = fromLinear(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
  out[2] = fromLinear(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
}

/** Grid of the colour transfer's lookup table: every 16 levels of R, G and B (0..256). */
const LUT_SIDE = 17;
const LUT_STEP = 16;

export interface LabStats {
  mean: [number, number, number];
  std: [number, number, number];
  count: number;
}

/** Mean and standard deviation per L*a*b* channel of the RGB pixels where `mask` is set (every `step`-th). */
export function labStats(rgb: ArrayLike<number>, mask: ArrayLike<number>, step = 1): LabStats {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  let count = 0;
  const lab = new Float64Array(3);
  for (let i = 0; i < mask.length; i += step) {
    if (!mask[i]) continue;
    toLab(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], lab);
    for (let c = 0; c < 3; c++) {
      sum[c] += lab[c];
      sq[c] += lab[c] * lab[c];
    }
    count++;
  }
  const n = Math.max(1, count);
  const mean = sum.map((s) => s / n) as [number, number, number];
  const std = sq.map((s, c) =>
    Math.sqrt(Math.max(0, s / n - mean[c] * mean[c])),
  ) as LabStats['std'];
  return { mean, std, count };
}

/**
 * Recolours the masked pixels of `rgb` (floats, in place) so their L*a*b* statistics become
 * `to`'s: x' = (x - mean_from) * k + mean_to, with the spread ratio k clamped to
 * [minGain, maxGain] so a flat or noisy patch cannot blow the texture up.
 */
export function transferLab(
  rgb: Float32Array | Uint8Array,
  mask: ArrayLike<number>,
  from: LabStats,
  to: LabStats,
  minGain = 0.6,
  maxGain = 1.6,
): void {
  const gain = [0, 1, 2].map((c) =>
    Math.min(maxGain, Math.max(minGain, to.std[c] / Math.max(1e-3, from.std[c]))),
  );
  // The mapping depends on the colour only: computed exactly on a 17^3 grid of RGB (every
  // 16 levels) and interpolated trilinearly per pixel: measured 0.05-0.3 levels off on
  // average (at most 6, in dark tones), 3-5 times faster than converting every pixel.
  const lut = new Float32Array(LUT_SIDE ** 3 * 3);
  const lab = new Float64Array(3);
  const out = new Float64Array(3);
  for (let r = 0, k = 0; r < LUT_SIDE; r++)
    for (let g = 0; g < LUT_SIDE; g++)
      for (let b = 0; b < LUT_SIDE; b++, k += 3) {
        toLab(r * LUT_STEP, g * LUT_STEP, b * LUT_STEP, lab);
        toRgb(
          (lab[0] - from.mean[0]) * gain[0] + to.mean[0],
          (lab[1] - from.mean[1]) * gain[1] + to.mean[1],
          (lab[2] - from.mean[2]) * gain[2] + to.mean[2],
          out,
        );
        lut[k] = out[0];
        lut[k + 1] = out[1];
        lut[k + 2] = out[2];
      }
  const native = nativeKernels();
  if (native && rgb instanceof Float32Array && mask instanceof Uint8Array) {
    // src/native/syn.c: the loop below, bit for bit.
    native.lutApply(rgb, mask, lut);
    return;
  }
  const sg = LUT_SIDE * 3;
  const sr = LUT_SIDE * sg;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const o = i * 3;
    const fr = Math.min(LUT_SIDE - 1.0001, Math.max(0, roundPixel(rgb[o]) / LUT_STEP));
    const fg = Math.min(LUT_SIDE - 1.0001, Math.max(0, roundPixel(rgb[o + 1]) / LUT_STEP));
    const fb = Math.min(LUT_SIDE - 1.0001, Math.max(0, roundPixel(rgb[o + 2]) / LUT_STEP));
    const r0 = Math.floor(fr);
    const g0 = Math.floor(fg);
    const b0 = Math.floor(fb);
    const dr = fr - r0;
    const dg = fg - g0;
    const db = fb - b0;
    const base = r0 * sr + g0 * sg + b0 * 3;
    for (let c = 0; c < 3; c++) {
      const k = base + c;
      const c00 = lut[k] + (lut[k + 3] - lut[k]) * db;
      const c01 = lut[k + sg] + (lut[k + sg + 3] - lut[k + sg]) * db;
      const c10 = lut[k + sr] + (lut[k + sr + 3] - lut[k + sr]) * db;
      const c11 = lut[k + sr + sg] + (lut[k + sr + sg + 3] - lut[k + sr + sg]) * db;
      const c0 = c00 + (c01 - c00) * dg;
      const c1 = c10 + (c11 - c10) * dg;
      rgb[o + c] = roundPixel(c0 + (c1 - c0) * dr);
    }
  }
}
