/**
 * What Veil's own detectors share (models/veil-plate, models/veil-face; scripts/train-plate,
 * scripts/train-face): one ONNX graph with input `input` [1, 3, H, W] (RGB 0..255, H and W
 * multiples of 32, padded bottom/right with black) and per stride 8/16/32 one map
 * [1, 5, H/s, W/s]: channel 0 the score (sigmoid applied in the graph, trained towards the IoU
 * of the cell's box), 1-2 the box centre offset in cells, 3-4 the log of its width and height in
 * strides.
 */
import type { ModelSession } from './onnx.runtime.ts';
import { resizeRgb, roundUp, toPlanarTensor } from './preprocess.ts';
import type { Box, Detection, ObjectClass, RgbFrame } from './types.ts';

export const VEIL_STRIDES = [8, 16, 32] as const;

/** Output tensors by name: s8, s16, s32 (batch 1). */
export type VeilGridOutputs = Record<string, Float32Array>;

/** Largest log-size the decoder trusts (e^6 strides); the training clamps the same way. */
const MAX_LOG = 6;

export interface VeilGridBox {
  box: Box;
  /** The graph's own score (0..1). */
  raw: number;
}

/** Boxes whose raw score is at least `minRaw` (and above 0), in input-tensor pixels. */
export function decodeVeilGrid(
  outputs: VeilGridOutputs,
  width: number,
  height: number,
  minRaw: number,
  what = 'detector',
): VeilGridBox[] {
  const found: VeilGridBox[] = [];
  for (const stride of VEIL_STRIDES) {
    const cols = width / stride;
    const rows = height / stride;
    const map = outputs[`s${stride}`];
    if (!map) throw new Error(`${what} output s${stride} missing`);
    const cells = rows * cols;
    if (map.length !== 5 * cells) {
      throw new Error(`${what} s${stride}: ${map.length} values, expected 5x${rows}x${cols}`);
    }
    for (let i = 0; i < cells; i++) {
      const raw = map[i];
      if (raw < minRaw || raw <= 0) continue;
      const r = Math.floor(i / cols);
      const c = i - r * cols;
      const cx = (c + 0.5 + map[cells + i]) * stride;
      const cy = (r + 0.5 + map[2 * cells + i]) * stride;
      const w = Math.exp(Math.min(MAX_LOG, Math.max(-MAX_LOG, map[3 * cells + i]))) * stride;
      const h = Math.exp(Math.min(MAX_LOG, Math.max(-MAX_LOG, map[4 * cells + i]))) * stride;
      found.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, raw });
    }
  }
  return found;
}

/** Piecewise linear, 0 -> 0, cut -> 0.5, 1 -> 1: monotonic, so thresholds keep their order. */
export function veilScoreFromRaw(raw: number, cut: number): number {
  if (raw <= 0) return 0;
  if (raw >= 1) return 1;
  return raw <= cut ? (raw / cut) * 0.5 : 0.5 + ((raw - cut) / (1 - cut)) * 0.5;
}

/** Inverse of `veilScoreFromRaw`: the raw cut-off for a Veil threshold. */
export function veilRawFromScore(score: number, cut: number): number {
  if (score <= 0) return 0;
  if (score >= 1) return 1;
  return score <= 0.5 ? (score / 0.5) * cut : cut + ((score - 0.5) / 0.5) * (1 - cut);
}

/**
 * Detections of class `cls` whose Veil score is at least `minScore`, in input-tensor pixels
 * (`width` x `height`: the padded input), not yet suppressed; `cut` is the raw score that Veil's
 * threshold 0.5 stands for.
 */
export function decodeVeilDetections(
  outputs: VeilGridOutputs,
  width: number,
  height: number,
  minScore: number,
  cls: ObjectClass,
  cut: number,
): Detection[] {
  return decodeVeilGrid(
    outputs,
    width,
    height,
    veilRawFromScore(minScore, cut),
    `${cls} detector`,
  ).map(({ box, raw }) => ({ cls, box, score: veilScoreFromRaw(raw, cut) }));
}

export interface VeilGridRun {
  outputs: VeilGridOutputs;
  /** Padded input size. */
  width: number;
  height: number;
  /** Input pixels to image pixels. */
  sx: number;
  sy: number;
}

/** `box` (input-tensor pixels of `run`) in the pixels of the image the run was made on. */
export function toImageBox(run: VeilGridRun, box: Box): Box {
  return { x1: box.x1 * run.sx, y1: box.y1 * run.sy, x2: box.x2 * run.sx, y2: box.y2 * run.sy };
}

/** Runs the graph on `image` scaled so that its longest side is `longSide`. */
export async function runVeilGrid(
  session: ModelSession,
  image: RgbFrame,
  longSide: number,
): Promise<VeilGridRun> {
  const scale = longSide / Math.max(image.width, image.height);
  const input =
    scale === 1
      ? image
      : resizeRgb(
          image,
          Math.max(1, Math.round(image.width * scale)),
          Math.max(1, Math.round(image.height * scale)),
        );
  const width = roundUp(input.width, 32);
  const height = roundUp(input.height, 32);
  const data = toPlanarTensor(input, {
    width,
    height,
    offsetX: 0,
    offsetY: 0,
    order: 'rgb',
    scale: 1,
  });
  const out = await session.run({ data, dims: [1, 3, height, width] });
  const outputs: VeilGridOutputs = {};
  for (const [name, tensor] of Object.entries(out)) outputs[name] = tensor.data;
  return {
    outputs,
    width,
    height,
    sx: image.width / input.width,
    sy: image.height / input.height,
  };
}
