/**
 * Decoding of Veil's own plate detector (models/veil-plate, scripts/train-plate): per stride
 * 8/16/32 one map [1, 5, H/s, W/s] whose channel 0 is the plate score (sigmoid applied in the
 * graph, trained towards the IoU of the cell's box), 1-2 the box centre offset in cells and 3-4
 * the log of its width and height in strides.
 */
import type { Detection } from './types.ts';

export const VEIL_PLATE_STRIDES = [8, 16, 32] as const;

/** Output tensors by name: s8, s16, s32 (batch 1). */
export type VeilPlateOutputs = Record<string, Float32Array>;

/**
 * The raw score that Veil's default threshold 0.5 stands for. On eval-data/plates (142 plates)
 * raw 0.6 kept 83% of plates at precision 0.89 (HyperLPR3 at its default: 81%, 0.91), raw 0.5
 * 87% at 0.84, raw 0.4 92% at 0.78, raw 0.3 94% at 0.67: the default keeps about HyperLPR3's
 * precision, and a lower lp_threshold buys recall (0.3 here means raw 0.36).
 */
export const VEIL_PLATE_RAW_CUT = 0.6;

/** Piecewise linear, 0 -> 0, cut -> 0.5, 1 -> 1: monotonic, so thresholds keep their order. */
export function veilPlateScoreFromRaw(raw: number, cut = VEIL_PLATE_RAW_CUT): number {
  if (raw <= 0) return 0;
  if (raw >= 1) return 1;
  return raw <= cut ? (raw / cut) * 0.5 : 0.5 + ((raw - cut) / (1 - cut)) * 0.5;
}

/** Inverse of `veilPlateScoreFromRaw`: the raw cut-off for a Veil threshold. */
export function veilPlateRawFromScore(score: number, cut = VEIL_PLATE_RAW_CUT): number {
  if (score <= 0) return 0;
  if (score >= 1) return 1;
  return score <= 0.5 ? (score / 0.5) * cut : cut + ((score - 0.5) / 0.5) * (1 - cut);
}

/** Largest log-size the decoder trusts (e^6 strides); the training clamps the same way. */
const MAX_LOG = 6;

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
  const rawCut = veilPlateRawFromScore(minScore);
  const plates: Detection[] = [];
  for (const stride of VEIL_PLATE_STRIDES) {
    const cols = width / stride;
    const rows = height / stride;
    const map = outputs[`s${stride}`];
    if (!map) throw new Error(`plate detector output s${stride} missing`);
    const cells = rows * cols;
    if (map.length !== 5 * cells) {
      throw new Error(
        `plate detector s${stride}: ${map.length} values, expected 5x${rows}x${cols}`,
      );
    }
    for (let i = 0; i < cells; i++) {
      const raw = map[i];
      if (raw < rawCut || raw <= 0) continue;
      const r = Math.floor(i / cols);
      const c = i - r * cols;
      const cx = (c + 0.5 + map[cells + i]) * stride;
      const cy = (r + 0.5 + map[2 * cells + i]) * stride;
      const w = Math.exp(Math.min(MAX_LOG, Math.max(-MAX_LOG, map[3 * cells + i]))) * stride;
      const h = Math.exp(Math.min(MAX_LOG, Math.max(-MAX_LOG, map[4 * cells + i]))) * stride;
      plates.push({
        cls: 'plate',
        box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 },
        score: veilPlateScoreFromRaw(raw),
      });
    }
  }
  return plates;
}
