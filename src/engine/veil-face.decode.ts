/**
 * Decoding of Veil's own face detector (models/veil-face, scripts/train-face): the graph of
 * Veil's detectors (veil-grid.ts), channel 0 the face score.
 */
import type { Detection } from './types.ts';
import {
  decodeVeilDetections,
  veilRawFromScore,
  veilScoreFromRaw,
  type VeilGridOutputs,
} from './veil-grid.ts';

/** Output tensors by name: s8, s16, s32 (batch 1). */
export type VeilFaceOutputs = VeilGridOutputs;

/**
 * The raw score that Veil's default face threshold 0.5 stands for. On eval-data/faces (515
 * faces, IoU >= 0.3, input 960 px; models/README.md) raw 0.55 kept 76.3% of faces at precision
 * 0.71 strict, 88.5% at 0.95 audited (RetinaFace at its default: 72.6% / 0.64 strict, 86.2% /
 * 0.94 audited); raw 0.5 finds more (77.3% / 0.69) but also lamps and a railing on the committed
 * test photos (raw 0.43-0.53), raw 0.6 fewer (74.8% / 0.73).
 */
export const VEIL_FACE_RAW_CUT = 0.55;

/** Veil score of a raw score (monotonic: 0 -> 0, VEIL_FACE_RAW_CUT -> 0.5, 1 -> 1). */
export function veilFaceScoreFromRaw(raw: number, cut = VEIL_FACE_RAW_CUT): number {
  return veilScoreFromRaw(raw, cut);
}

/** Inverse of `veilFaceScoreFromRaw`: the raw cut-off for a Veil threshold. */
export function veilFaceRawFromScore(score: number, cut = VEIL_FACE_RAW_CUT): number {
  return veilRawFromScore(score, cut);
}

/**
 * Faces whose Veil score is at least `minScore`, in input-tensor pixels (`width` x `height`: the
 * padded input), not yet suppressed.
 */
export function decodeVeilFaces(
  outputs: VeilFaceOutputs,
  width: number,
  height: number,
  minScore: number,
): Detection[] {
  return decodeVeilDetections(outputs, width, height, minScore, 'face', VEIL_FACE_RAW_CUT);
}
