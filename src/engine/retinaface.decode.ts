/**
 * Decoding of RetinaFace MobileNet-0.25 (insightface `mnet.25`) outputs: per stride 32/16/8,
 * two anchors per cell (sizes 16 x scales 32,16 / 8,4 / 2,1), class probabilities
 * [bg a0, bg a1, face a0, face a1], box deltas and 5 landmark deltas (std 0.2) per anchor.
 */
import type { Detection, Point } from './types.ts';

export const RETINA_STRIDES = [32, 16, 8] as const;
const ANCHOR_SCALES: Record<number, readonly number[]> = { 32: [32, 16], 16: [8, 4], 8: [2, 1] };
const BASE = 16;
const LANDMARK_STD = 0.2;

/** Output tensors by stride: class probs [4,H,W], box deltas [8,H,W], landmarks [20,H,W]. */
export interface RetinaStrideOutput {
  cls: Float32Array;
  bbox: Float32Array;
  landmarks: Float32Array;
  rows: number;
  cols: number;
}

/** Faces scoring at least `minScore` in input-tensor pixels, not yet suppressed. */
export function decodeRetinaface(
  outputs: Record<number, RetinaStrideOutput>,
  minScore: number,
): Detection[] {
  const faces: Detection[] = [];
  for (const stride of RETINA_STRIDES) {
    const o = outputs[stride];
    if (!o) throw new Error(`RetinaFace output for stride ${stride} missing`);
    const plane = o.rows * o.cols;
    const scales = ANCHOR_SCALES[stride];
    for (let a = 0; a < scales.length; a++) {
      const size = BASE * scales[a];
      for (let r = 0; r < o.rows; r++) {
        for (let c = 0; c < o.cols; c++) {
          const cell = r * o.cols + c;
          const score = o.cls[(scales.length + a) * plane + cell];
          if (score < minScore) continue;
          const cx = c * stride + (BASE - 1) / 2;
          const cy = r * stride + (BASE - 1) / 2;
          const d = (k: number): number => o.bbox[(a * 4 + k) * plane + cell];
          const px = d(0) * size + cx;
          const py = d(1) * size + cy;
          const pw = Math.exp(d(2)) * size;
          const ph = Math.exp(d(3)) * size;
          const landmarks: Point[] = [];
          for (let k = 0; k < 5; k++) {
            const lx = o.landmarks[(a * 10 + 2 * k) * plane + cell] * LANDMARK_STD;
            const ly = o.landmarks[(a * 10 + 2 * k + 1) * plane + cell] * LANDMARK_STD;
            landmarks.push([lx * size + cx, ly * size + cy]);
          }
          faces.push({
            cls: 'face',
            box: {
              x1: px - (pw - 1) / 2,
              y1: py - (ph - 1) / 2,
              x2: px + (pw - 1) / 2 + 1,
              y2: py + (ph - 1) / 2 + 1,
            },
            score,
            landmarks,
          });
        }
      }
    }
  }
  return faces;
}

/**
 * Veil score (compared with `blur_threshold`) from RetinaFace's face probability: piecewise
 * linear 0 -> 0, `RETINA_RAW_CUT` -> 0.5, 1 -> 1. Its probabilities are peaked: on the crowd
 * eval set raw 0.5 kept only 0.62 of faces (precision 0.73), raw 0.3 kept 0.65 (0.66) and raw
 * 0.2 0.68 (0.61, YuNet's precision at its 0.5); the API default 0.5 thus means raw 0.3.
 */
export const RETINA_RAW_CUT = 0.3;

export function retinaScoreFromRaw(raw: number, cut = RETINA_RAW_CUT): number {
  const p = Math.min(1, Math.max(0, raw));
  return p <= cut ? (0.5 * p) / cut : 0.5 + (0.5 * (p - cut)) / (1 - cut);
}

/** The raw probability whose Veil score is `score` (inverse of `retinaScoreFromRaw`). */
export function rawFromRetinaScore(score: number, cut = RETINA_RAW_CUT): number {
  const s = Math.min(1, Math.max(0, score));
  return s <= 0.5 ? (s * cut) / 0.5 : cut + ((s - 0.5) * (1 - cut)) / 0.5;
}
