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
  /** Colour of a band along the left edge (the EU country band), if the plate has one. */
  band?: Rgb;
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

/** Luminance of every pixel of `plate`. */
function lumaPlane(plate: RgbFrame): Float32Array {
  const out = new Float32Array(plate.width * plate.height);
  for (let i = 0, o = 0; i < out.length; i++, o += 3) out[i] = luma(plate.data, o);
  return out;
}

/** The value at quantile `q` (0..1) of `sorted`. */
const at = (sorted: Float32Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(sorted.length * q)))];

/**
 * Measures `plate` (straightened, about its size in the frame). The ring of the outer 8% is
 * left out of the colours; the larger luminance cluster inside is the background.
 */
export function measurePlate(plate: RgbFrame): PlateLook {
  const { width: w, height: h, data } = plate;
  const L = lumaPlane(plate);
  const mx = Math.floor(w * 0.08);
  const my = Math.floor(h * 0.12);
  const inner = new Int32Array(Math.max(0, (w - 2 * mx) * (h - 2 * my)));
  let k = 0;
  for (let y = my; y < h - my; y++) for (let x = mx; x < w - mx; x++) inner[k++] = y * w + x;
  const lum = Float32Array.from(inner, (i) => L[i]);
  const split = twoMeansSplit(lum);
  let nHigh = 0;
  for (const v of lum) if (v > split) nHigh++;
  const bgHigh = nHigh >= lum.length - nHigh;
  const isBg = (v: number) => v > split === bgHigh;
  const bgLum = lum.filter(isBg).sort();
  const inkLum = lum.filter((v) => !isBg(v)).sort();
  /** Mean colour of the inner pixels whose luminance lies in [lo, hi]. */
  const meanBetween = (lo: number, hi: number): Rgb => {
    const sum = [0, 0, 0];
    let n = 0;
    for (const i of inner) {
      if (L[i] < lo || L[i] > hi) continue;
      for (let c = 0; c < 3; c++) sum[c] += data[i * 3 + c];
      n++;
    }
    return n === 0 ? [lo, lo, lo] : [sum[0] / n, sum[1] / n, sum[2] / n];
  };
  // Background from its cluster's middle half; ink from the quarter of its cluster farthest
  // from the background (the rest are edges mixed with the background).
  const background =
    bgLum.length === 0 ? meanBetween(0, 255) : meanBetween(at(bgLum, 0.25), at(bgLum, 0.75));
  const rawInk =
    inkLum.length === 0
      ? background
      : bgHigh
        ? meanBetween(-1, at(inkLum, 0.25))
        : meanBetween(at(inkLum, 0.75), 256);
  const ink = legibleInk(background, rawInk);
  const contrast = Math.abs(luma(background, 0) - luma(rawInk, 0));
  return {
    background,
    ink,
    border: hasBorder(L, w, h, luma(background, 0), luma(ink, 0)),
    ...bandOf(plate, background, ink),
    textHeight: textHeightOf(L, w, h, isBg, mx, my),
    blurSigma: blurOf(L, w, h, contrast),
    noise: noiseOf(L, w, inner, isBg),
  };
}

/** Width of a left band, as a share of the plate width (EU plates: about 8%). */
export const BAND_SHARE = 0.08;

const colourDistance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/**
 * A band along the left edge: the strip of BAND_SHARE of the width (rows 20-80%) is nearly
 * uniform and far in colour from both the background and the ink.
 */
function bandOf(plate: RgbFrame, background: Rgb, ink: Rgb): { band?: Rgb } {
  const { width: w, height: h, data } = plate;
  const x1 = Math.max(1, Math.round(w * 0.015));
  const x2 = Math.round(w * BAND_SHARE * 0.85);
  const sum = [0, 0, 0];
  const lums: number[] = [];
  for (let y = Math.round(h * 0.2); y < Math.round(h * 0.8); y++) {
    for (let x = x1; x < x2; x++) {
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) sum[c] += data[o + c];
      lums.push(luma(data, o));
    }
  }
  if (lums.length < 4) return {};
  const band: Rgb = [sum[0] / lums.length, sum[1] / lums.length, sum[2] / lums.length];
  const mean = lums.reduce((a, b) => a + b, 0) / lums.length;
  const sd = Math.sqrt(lums.reduce((a, b) => a + (b - mean) ** 2, 0) / lums.length);
  const distinct = colourDistance(band, background) > 80 && colourDistance(band, ink) > 60;
  return distinct && sd < 25 ? { band } : {};
}

/**
 * Whether the plate has a border: some ring of pixels at a fixed distance from the edge, within
 * the outer 8% of the height, is closer in mean luminance to the ink than to the background.
 */
function hasBorder(L: Float32Array, w: number, h: number, lb: number, li: number): boolean {
  const rings = Math.max(2, Math.round(h * 0.08));
  const sum = new Float64Array(rings);
  const count = new Float64Array(rings);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const edge = Math.min(x, y, w - 1 - x, h - 1 - y);
      if (edge >= rings) continue;
      sum[edge] += L[y * w + x];
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
  L: Float32Array,
  w: number,
  h: number,
  isBg: (v: number) => boolean,
  mx: number,
  my: number,
): number {
  const fallback = h * 0.6;
  const span = w - 2 * mx;
  if (span <= 0) return fallback;
  let best = 0;
  let run = 0;
  const top = Math.floor(my / 2);
  for (let y = top; y < h - top; y++) {
    let ink = 0;
    for (let x = mx; x < w - mx; x++) if (!isBg(L[y * w + x])) ink++;
    run = ink > span * 0.06 ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best < h * 0.3 ? fallback : Math.min(best, h * 0.8);
}

/**
 * Blur: a sharp edge of contrast C blurred by a gaussian of sigma s has a largest gradient of
 * C / (s * 2.5); the 98th percentile gradient gives s, less what sampling and the renderer's
 * own anti-aliasing already give (about 0.8 px).
 */
function blurOf(L: Float32Array, w: number, h: number, contrast: number): number {
  if (w < 3 || h < 3 || contrast < 20) return 0;
  const grads = new Float32Array((w - 2) * (h - 2));
  let k = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      grads[k++] = Math.hypot((L[i + 1] - L[i - 1]) / 2, (L[i + w] - L[i - w]) / 2);
    }
  }
  const g98 = at(grads.sort(), 0.98);
  if (!(g98 > 0)) return 0;
  const s = contrast / (g98 * 2.5);
  return Math.min(4, Math.sqrt(Math.max(0, s * s - 0.8 * 0.8)));
}

/** Noise: the spread of neighbour differences over background pixels (median absolute deviation). */
function noiseOf(
  L: Float32Array,
  w: number,
  inner: Int32Array,
  isBg: (v: number) => boolean,
): number {
  const diffs = new Float32Array(inner.length);
  let n = 0;
  for (const i of inner) {
    if (i % w === w - 1 || !isBg(L[i])) continue;
    diffs[n++] = Math.abs(L[i] - L[i + 1]);
  }
  if (n === 0) return 0;
  const mad = at(diffs.subarray(0, n).sort(), 0.5);
  // |a - b| of two gaussian samples has median 0.954 * sigma * sqrt(2).
  return Math.min(10, mad / 0.954 / Math.SQRT2);
}

/** What a video track remembers of its plate's look, so the synthetic plate does not flicker. */
export interface LookMemory {
  look?: PlateLook;
  /** Plate height (canvas pixels) that `look.textHeight` was measured against. */
  height?: number;
}

/**
 * `measured` (on a plate `height` pixels tall) blended into `memory`, which keeps `keep` of
 * what it had: colours, blur, noise and the text's share of the plate height move slowly;
 * the border is decided on the first frame. Returns the look to draw and updates `memory`.
 */
export function steadyLook(
  memory: LookMemory,
  measured: PlateLook,
  height: number,
  keep = 0.8,
): PlateLook {
  const old = memory.look;
  const oldHeight = memory.height;
  if (!old || !oldHeight) {
    memory.look = measured;
    memory.height = height;
    return measured;
  }
  const mix = (a: number, b: number) => a * keep + b * (1 - keep);
  const rgb = (a: Rgb, b: Rgb): Rgb => [mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])];
  const look: PlateLook = {
    background: rgb(old.background, measured.background),
    ink: rgb(old.ink, measured.ink),
    border: old.border,
    ...(old.band ? { band: measured.band ? rgb(old.band, measured.band) : old.band } : {}),
    textHeight: mix(old.textHeight / oldHeight, measured.textHeight / height) * height,
    blurSigma: mix(old.blurSigma, measured.blurSigma),
    noise: mix(old.noise, measured.noise),
  };
  memory.look = look;
  memory.height = height;
  return look;
}
