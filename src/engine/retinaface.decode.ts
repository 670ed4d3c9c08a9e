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
