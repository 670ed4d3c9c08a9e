/**
 * Decoding of HyperLPR3's plate detector output [1, N, 15]: rows already in input pixels as
 * cx, cy, w, h, objectness, 4 corners (TL, TR, BR, BL) as x,y pairs, then single-row and
 * double-row plate class scores. Boxes are mapped back out of the letterbox.
 */
import type { Letterbox } from './preprocess.ts';
import type { Detection, Point } from './types.ts';

export const PLATE_ROW = 15;

/** The model's own cut-off (HyperLPR3 keeps objectness x class above 0.25). */
export const PLATE_RAW_DEFAULT = 0.25;

/**
 * Maps the model's raw score to Veil's 0..1 plate score so that the API default
 * `lp_threshold=0.5` lands on the model's own default cut-off of 0.25: piecewise linear,
 * 0 -> 0, 0.25 -> 0.5, 1 -> 1. Monotonic, so thresholds keep their order.
 */
export function plateScoreFromRaw(raw: number): number {
  if (raw <= 0) return 0;
  if (raw >= 1) return 1;
  return raw <= PLATE_RAW_DEFAULT
    ? (raw / PLATE_RAW_DEFAULT) * 0.5
    : 0.5 + ((raw - PLATE_RAW_DEFAULT) / (1 - PLATE_RAW_DEFAULT)) * 0.5;
}

/** Inverse of `plateScoreFromRaw`: the raw cut-off for a Veil threshold. */
export function plateRawFromScore(score: number): number {
  if (score <= 0) return 0;
  if (score >= 1) return 1;
  return score <= 0.5
    ? (score / 0.5) * PLATE_RAW_DEFAULT
    : PLATE_RAW_DEFAULT + ((score - 0.5) / 0.5) * (1 - PLATE_RAW_DEFAULT);
}

/**
 * Plates whose Veil score is at least `minScore`, in the pixels of the frame that was
 * letterboxed (`lb`), not yet suppressed.
 */
export function decodePlates(output: Float32Array, lb: Letterbox, minScore: number): Detection[] {
  const rawMin = plateRawFromScore(minScore);
  const plates: Detection[] = [];
  const unX = (x: number): number => (x - lb.padX) / lb.scale;
  const unY = (y: number): number => (y - lb.padY) / lb.scale;
  for (let o = 0; o + PLATE_ROW <= output.length; o += PLATE_ROW) {
    const objectness = output[o + 4];
    if (objectness < rawMin) continue; // cheap reject: the score cannot exceed objectness
    const raw = objectness * Math.max(output[o + 13], output[o + 14]);
    if (raw < rawMin) continue;
    const cx = output[o];
    const cy = output[o + 1];
    const w = output[o + 2];
    const h = output[o + 3];
    const polygon: Point[] = [];
    for (let k = 0; k < 4; k++)
      polygon.push([unX(output[o + 5 + 2 * k]), unY(output[o + 6 + 2 * k])]);
    plates.push({
      cls: 'plate',
      box: { x1: unX(cx - w / 2), y1: unY(cy - h / 2), x2: unX(cx + w / 2), y2: unY(cy + h / 2) },
      score: plateScoreFromRaw(raw),
      polygon,
    });
  }
  return plates;
}
