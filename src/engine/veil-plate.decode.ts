/**
 * Decoding of Veil's own plate detector (models/veil-plate, scripts/train-plate): per stride
 * 8/16/32 one map [1, 5, H/s, W/s] whose channel 0 is the plate score (sigmoid applied in the
 * graph, trained towards the IoU of the cell's box), 1-2 the box centre offset in cells and 3-4
 * the log of its width and height in strides.
 */
import type { Detection } from './types.ts';
import {
  decodeVeilDetections,
  VEIL_STRIDES,
  veilRawFromScore,
  veilScoreFromRaw,
  type VeilGridOutputs,
} from './veil-grid.ts';

export const VEIL_PLATE_STRIDES = VEIL_STRIDES;

/** Output tensors by name: s8, s16, s32 (batch 1). */
export type VeilPlateOutputs = VeilGridOutputs;

/**
 * The raw score that Veil's default threshold 0.5 stands for. On eval-data/plates (142 plates)
 * raw 0.6 kept 83% of plates at precision 0.89 (HyperLPR3 at its default: 81%, 0.91), raw 0.5
 * 87% at 0.84, raw 0.4 92% at 0.78, raw 0.3 94% at 0.67: the default keeps about HyperLPR3's
 * precision, and a lower lp_threshold buys recall (0.3 here means raw 0.36).
 */
export const VEIL_PLATE_RAW_CUT = 0.6;

/** Piecewise linear, 0 -> 0, cut -> 0.5, 1 -> 1: monotonic, so thresholds keep their order. */
export function veilPlateScoreFromRaw(raw: number, cut = VEIL_PLATE_RAW_CUT): number {
  return veilScoreFromRaw(raw, cut);
}

/** Inverse of `veilPlateScoreFromRaw`: the raw cut-off for a Veil threshold. */
export function veilPlateRawFromScore(score: number, cut = VEIL_PLATE_RAW_CUT): number {
  return veilRawFromScore(score, cut);
}

/**
 * Plates whose Veil score is at least `minScore`, in input-tensor pixels (`width` x `height`:
 * the padded input), not yet suppressed.
 */
export function decodeVeilPlates(
  outputs: VeilPlateOutputs,
  width: number,
  height: number,
  minScore: number,
): Detection[] {
  return decodeVeilDetections(outputs, width, height, minScore, 'plate', VEIL_PLATE_RAW_CUT);
}
