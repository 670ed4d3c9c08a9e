/**
 * Veil's plate detector over several input scales (issue #4): the picture is run at each
 * longest side of `VeilPlatePasses.sides` and a plate's score becomes the mean over the passes
 * of each pass's best raw score on it (a pass that does not see it gives 0). On eval-data/plates
 * a second pass at half the side (320 px) agreed with the 640 px pass on plates and disagreed
 * on signs, stickers and badges: at the same precision it keeps far more plates (see
 * models/README.md, `scripts/eval/veil-plate-sweep.ts`).
 */
import { iou as boxIou } from './box.ts';
import { nms, type NmsOptions } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import type { Detection, RgbFrame } from './types.ts';
import { veilPlateRawFromScore, veilPlateScoreFromRaw } from './veil-plate.decode.ts';
import {
  decodeVeilGrid,
  runVeilGrid,
  toImageBox,
  veilRawFromScore,
  veilScoreFromRaw,
} from './veil-grid.ts';

export interface VeilPlatePasses {
  /** Longest side of the model input in each pass (the picture scaled up or down to it). */
  sides: readonly number[];
  /** The fused raw score that Veil's threshold 0.5 stands for. */
  rawCut: number;
  /**
   * Plates too small for some pass: one narrower than `minSeenPx` at a pass's own scale cannot
   * be seen by that pass, so its silence does not count; such a plate is judged by the passes
   * that could see it, whose mean is read at `singleCut` (the raw score one pass needs for
   * Veil's 0.5). Absent: every pass counts, whatever the plate's size.
   */
  small?: { minSeenPx: number; singleCut: number };
}

/** The raw score of one 640 px pass that Veil's threshold 0.5 stands for (eval-data/plates). */
export const SINGLE_PASS_RAW_CUT = 0.6;

/**
 * 640 + 320 px, mean score, raw 0.35 = Veil 0.5 (the weights trained with plate-free pictures,
 * scripts/train-plate/README.md "Third run"). On eval-data/plates (120 photos, 142 plates):
 * recall 0.958 at precision 0.901 (the weights before at raw 0.45: 0.873 / 0.912); on the
 * held-out split of the training sources (85 plates): 0.847 / 0.911 (before: 0.835 / 0.959).
 */
export const DEFAULT_VEIL_PLATE_PASSES: VeilPlatePasses = { sides: [640, 320], rawCut: 0.35 };

/** One pass at `side`, as before issue #4's second scale: raw 0.6 = Veil 0.5. */
export function singleVeilPlatePass(side: number): VeilPlatePasses {
  return { sides: [side], rawCut: SINGLE_PASS_RAW_CUT };
}

/**
 * What each pass decodes: a single pass `rawMin`; with several, the lowest raw score one pass
 * must reach for the mean to reach `rawMin` (the others at most 1), but not under 0.15 (or
 * `rawMin` when lower): weaker boxes barely move a mean.
 */
export function passFloor(rawMin: number, passes: number): number {
  if (passes <= 1) return rawMin;
  return Math.max(Math.min(0.15, rawMin), passes * rawMin - (passes - 1));
}

/**
 * Merges the plates of several passes (`score` = raw score, image pixels, each pass already
 * suppressed): greedy NMS over all of them keeps the best box of each group, whose score becomes
 * the mean over the passes of each pass's best score among its boxes overlapping the kept one at
 * IoU >= `options.iou` (0 where none does).
 */
export function fuseVeilPasses(
  passes: readonly Detection[][],
  options: NmsOptions,
  small?: SmallPlates,
): Detection[] {
  if (passes.length === 1) return nms(passes[0], options);
  return nms(passes.flat(), options).map((kept) => {
    const bests = passes.map((pass) => bestOverlapping(pass, kept, options.iou));
    const width = kept.box.x2 - kept.box.x1;
    const counted = small ? bests.filter((_, i) => width * small.scales[i] >= small.minSeenPx) : [];
    if (!small || counted.length === 0 || counted.length === bests.length) {
      return { ...kept, score: mean(bests) };
    }
    // judged by the passes that could see it: their mean read at one pass's cut, written at the
    // fused cut
    const veil = veilScoreFromRaw(mean(counted), small.singleCut);
    return { ...kept, score: veilRawFromScore(veil, small.rawCut) };
  });
}

/**
 * Which passes can see a plate: each pass's scale (its px per image px), the smallest width a
 * pass sees, the raw cut of one pass and the fused raw cut (`VeilPlatePasses.rawCut`) that the
 * result is expressed in.
 */
export interface SmallPlates {
  scales: readonly number[];
  minSeenPx: number;
  singleCut: number;
  rawCut: number;
}

function bestOverlapping(pass: readonly Detection[], kept: Detection, iou: number): number {
  let best = 0;
  for (const d of pass) {
    if (d.score > best && boxIou(d.box, kept.box) >= iou) best = d.score;
  }
  return best;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * One pass: `image` scaled to longest side `side`, padded to 32; plates of raw score >=
 * `rawFloor`, suppressed, in `image` pixels, `score` = raw score.
 */
export async function runVeilPlatePass(
  session: ModelSession,
  image: RgbFrame,
  side: number,
  rawFloor: number,
  suppress: NmsOptions,
): Promise<Detection[]> {
  const run = await runVeilGrid(session, image, side);
  const found: Detection[] = decodeVeilGrid(
    run.outputs,
    run.width,
    run.height,
    rawFloor,
    'plate detector',
  ).map(({ box, raw }) => ({ cls: 'plate', box, score: raw }));
  return nms(found, suppress).map((p) => ({ ...p, box: toImageBox(run, p.box) }));
}

/** Plates of `image` whose Veil score (fused over `settings.sides`) is at least `minScore`. */
export async function detectVeilPlates(
  session: ModelSession,
  image: RgbFrame,
  minScore: number,
  settings: VeilPlatePasses,
  suppress: NmsOptions,
): Promise<Detection[]> {
  const rawMin = veilPlateRawFromScore(minScore, settings.rawCut);
  const floor = passFloor(rawMin, settings.sides.length);
  const passes: Detection[][] = [];
  for (const side of settings.sides) {
    passes.push(await runVeilPlatePass(session, image, side, floor, suppress));
  }
  const longest = Math.max(image.width, image.height);
  const small = settings.small && {
    ...settings.small,
    scales: settings.sides.map((side) => side / longest),
    rawCut: settings.rawCut,
  };
  return fuseVeilPasses(passes, suppress, small)
    .filter((p) => p.score >= rawMin)
    .map((p) => ({ ...p, score: veilPlateScoreFromRaw(p.score, settings.rawCut) }));
}
