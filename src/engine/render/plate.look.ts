/**
 * How a plate looks, measured on the plate straightened into its own canvas: background and
 * ink colours (two clusters of luminance), whether it has a dark/light border, how tall its
 * text is, how blurred and how noisy it is. A synthetic plate copies these. Pure.
 */
import type { RgbFrame } from '../types.ts';

export type Rgb = [number, number, number];

export interface PlateLook {
  background: Rgb;
  ink: Rgb;
  /** The outer ring of the plate is ink-coloured (an EU-style border). */
  border: boolean;
  /** Height of the text line in canvas pixels. */
  textHeight: number;
  /** Gaussian sigma (canvas pixels) that softens sharp rendering to the plate's sharpness. */
  blurSigma: number;
  /** Luminance noise standard deviation (grey levels). */
  noise: number;
}

/** Least luminance difference between background and ink; closer colours get black or white ink. */
export const MIN_INK_CONTRAST = 60;

const luma = (d: ArrayLike<number>, o: number) =>
  0.299 * d[o] + 0.587 * d[o + 1] + 0.114 * d[o + 2];

/** Two-means of `values` (initialised at the 10th and 90th percentiles): the split value. */
export function twoMeansSplit(values: Float32Array): number {
  if (values.length === 0) return 128;
  const sorted = Float32Array.from(values).sort();
  let lo = sorted[Math.floor(sorted.length * 0.1)];
  let hi = sorted[Math.floor(sorted.length * 0.9)];
  for (let it = 0; it < 12 && hi > lo; it++) {
    const split = (lo + hi) / 2;
    let sl = 0;
    let nl = 0;
    let sh = 0;
    let nh = 0;
    for (const v of values) {
      if (v <= split) {
        sl += v;
        nl++;
      } else {
        sh += v;
        nh++;
      }
    }
    const nlo = nl ? sl / nl : lo;
    const nhi = nh ? sh / nh : hi;
    if (nlo === lo && nhi === hi) break;
    lo = nlo;
    hi = nhi;
  }
  return (lo + hi) / 2;
}

/** Ink for `background` when the measured ink is too close to it: near black or near white. */
export function legibleInk(background: Rgb, ink: Rgb): Rgb {
  const lb = luma(background, 0);
  if (Math.abs(lb - luma(ink, 0)) >= MIN_INK_CONTRAST) return ink;
  return lb > 128 ? [20, 20, 20] : [235, 235, 235];
}

/**
 * Measures `plate` (straightened, about its size in the frame). The ring of the outer 8% is
 * left out of the colours; the larger luminance cluster inside is the background.
 */
export function measurePlate(plate: RgbFrame): PlateLook {
  const { width: w, height: h, data } = plate;
  const mx = Math.floor(w * 0.08);
  const my = Math.floor(h * 0.12);
  const inner: number[] = [];
  for (let y = my; y < h - my; y++) for (let x = mx; x < w - mx; x++) inner.push((y * w + x) * 3);
  const lum = Float32Array.from(inner, (o) => luma(data, o));
  const split = twoMeansSplit(lum);
  let nHigh = 0;
  for (const v of lum) if (v > split) nHigh++;
  const bgHigh = nHigh >= lum.length - nHigh;
  const isBg = (v: number) => v > split === bgHigh;
  // Colours: background from its cluster's middle half, ink from the quarter farthest from it (edges are mixed).
  const bgVals: number[] = [];
  const inkVals: number[] = [];
  lum.forEach((v, i) => (isBg(v) ? bgVals : inkVals).push(i));
  const meanOf = (idx: number[]): Rgb => {
    const s = [0, 0, 0];
    for (const i of idx) for (let c = 0; c < 3; c++) s[c] += data[inner[i] + c];
    const n = Math.max(1, idx.length);
    return [s[0] / n, s[1] / n, s[2] / n];
  };
  const byLum = (a: number, b: number) => lum[a] - lum[b];
  bgVals.sort(byLum);
  inkVals.sort(byLum);
  const q = (a: number[], from: number, to: number) =>
    a.slice(
      Math.floor(a.length * from),
      Math.max(Math.floor(a.length * from) + 1, Math.floor(a.length * to)),
    );
  const background = meanOf(q(bgVals, 0.25, 0.75));
  const rawInk =
    inkVals.length === 0 ? background : meanOf(bgHigh ? q(inkVals, 0, 0.25) : q(inkVals, 0.75, 1));
  const ink = legibleInk(background, rawInk);
  return {
    background,
    ink,
    border: hasBorder(plate, luma(background, 0), luma(ink, 0)),
    textHeight: textHeightOf(plate, isBg, mx, my),
    ...sharpnessOf(
      plate,
      Math.abs(luma(background, 0) - luma(rawInk, 0)),
      bgVals.map((i) => inner[i]),
    ),
  };
}

/**
 * Whether the plate has a border: some ring of pixels at a fixed distance from the edge, within
 * the outer 8% of the height, is closer in mean luminance to the ink than to the background.
 */
function hasBorder(plate: RgbFrame, lb: number, li: number): boolean {
  const { width: w, height: h, data } = plate;
  const rings = Math.max(2, Math.round(h * 0.08));
  const sum = new Float64Array(rings);
  const count = new Float64Array(rings);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const edge = Math.min(x, y, w - 1 - x, h - 1 - y);
      if (edge >= rings) continue;
      sum[edge] += luma(data, (y * w + x) * 3);
      count[edge]++;
    }
  }
  for (let d = 0; d < rings; d++) {
    const ring = sum[d] / Math.max(1, count[d]);
    if (count[d] > 0 && Math.abs(ring - li) < Math.abs(ring - lb)) return true;
  }
  return false;
}

/**
 * The text's height: the longest run of rows, near the middle, where more than 6% of the
 * inner pixels are ink; 60% of the plate when nothing clear is found.
 */
function textHeightOf(
  plate: RgbFrame,
  isBg: (v: number) => boolean,
  mx: number,
  my: number,
): number {
  const { width: w, height: h, data } = plate;
  const fallback = h * 0.6;
  const span = w - 2 * mx;
  if (span <= 0) return fallback;
  let best = 0;
  let run = 0;
  const top = Math.floor(my / 2);
  for (let y = top; y < h - top; y++) {
    let ink = 0;
    for (let x = mx; x < w - mx; x++) if (!isBg(luma(data, (y * w + x) * 3))) ink++;
    run = ink > span * 0.06 ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best < h * 0.3 ? fallback : Math.min(best, h * 0.8);
}

/**
 * Blur: a sharp edge of contrast C blurred by a gaussian of sigma s has a largest gradient of
 * C / (s * 2.5); the 98th percentile gradient gives s, less what sampling and the renderer's
 * own anti-aliasing already give (about 0.8 px). Noise: the spread of neighbour differences
 * over background pixels (median absolute deviation).
 */
function sharpnessOf(
  plate: RgbFrame,
  contrast: number,
  bgOffsets: number[],
): { blurSigma: number; noise: number } {
  const { width: w, height: h, data } = plate;
  const grads: number[] = [];
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const o = (y * w + x) * 3;
      const gx = (luma(data, o + 3) - luma(data, o - 3)) / 2;
      const gy = (luma(data, o + w * 3) - luma(data, o - w * 3)) / 2;
      grads.push(Math.hypot(gx, gy));
    }
  }
  grads.sort((a, b) => a - b);
  const g98 = grads[Math.floor(grads.length * 0.98)] ?? 0;
  let blurSigma = 0;
  if (contrast >= 20 && g98 > 0) {
    const s = contrast / (g98 * 2.5);
    blurSigma = Math.min(4, Math.sqrt(Math.max(0, s * s - 0.8 * 0.8)));
  }
  const diffs: number[] = [];
  for (const o of bgOffsets) {
    if ((o / 3) % w === w - 1) continue;
    diffs.push(Math.abs(luma(data, o) - luma(data, o + 3)));
  }
  diffs.sort((a, b) => a - b);
  const mad = diffs[Math.floor(diffs.length / 2)] ?? 0;
  // |a - b| of two gaussian samples has median 0.954 * sigma.
  const noise = Math.min(10, mad / 0.954 / Math.SQRT2);
  return { blurSigma, noise };
}
