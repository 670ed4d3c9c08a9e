/**
 * A tiny appearance descriptor of a detected object, for the video tracker (pure): the mean
 * colour of an 8 x 8 grid of cells over its box on the detection copy, centred and scaled to
 * unit length, so that two boxes of one face on nearby frames correlate highly and two faces
 * that cross usually do not. Not an identity model: it only tells which of a few nearby
 * tracks a box continues.
 */
import type { Box, RgbFrame } from './types.ts';

const GRID = 8;
/** Samples per cell side (cells are averaged from GRID x SAMPLES points per side). */
const SAMPLES = 3;
export const LOOK_SIZE = GRID * GRID * 3;

/**
 * The descriptor of `box` (frame pixels of `frame`), or undefined for a box under 8 px a side
 * or mostly outside the frame.
 */
export function lookOf(frame: RgbFrame, box: Box): Float32Array | undefined {
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  if (w < 8 || h < 8) return undefined;
  const inside =
    (Math.min(box.x2, frame.width) - Math.max(box.x1, 0)) *
    (Math.min(box.y2, frame.height) - Math.max(box.y1, 0));
  if (inside < 0.75 * w * h) return undefined;
  const out = new Float32Array(LOOK_SIZE);
  const n = GRID * SAMPLES;
  const { data, width, height } = frame;
  for (let gy = 0; gy < n; gy++) {
    const y = Math.min(height - 1, Math.max(0, Math.floor(box.y1 + ((gy + 0.5) * h) / n)));
    const row = y * width;
    const cy = Math.floor(gy / SAMPLES) * GRID;
    for (let gx = 0; gx < n; gx++) {
      const x = Math.min(width - 1, Math.max(0, Math.floor(box.x1 + ((gx + 0.5) * w) / n)));
      const p = (row + x) * 3;
      const c = (cy + Math.floor(gx / SAMPLES)) * 3;
      out[c] += data[p];
      out[c + 1] += data[p + 1];
      out[c + 2] += data[p + 2];
    }
  }
  return normalised(out);
}

/** Centred (mean 0) and of unit length; all zero for a flat box. */
function normalised(v: Float32Array): Float32Array {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] -= mean;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

/** Correlation of two descriptors, -1..1 (1: the same pattern of colours). */
export function lookSimilarity(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A track's running descriptor after seeing `seen`: mostly the past, renormalised. */
export function blendLook(
  past: Float32Array | undefined,
  seen: Float32Array,
  keep = 0.7,
): Float32Array {
  if (!past) return seen;
  const out = new Float32Array(past.length);
  for (let i = 0; i < out.length; i++) out[i] = keep * past[i] + (1 - keep) * seen[i];
  return normalised(out);
}
