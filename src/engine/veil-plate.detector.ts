/**
 * License plates with Veil's own detector (models/veil-plate/plate-det.onnx, trained by
 * scripts/train-plate, committed): any input size padded to 32, RGB 0..255. The image is run at
 * longest side `longSide` (small photos enlarged, large frames reduced) and, by default, again at
 * half that; a plate's score is the mean of both passes (`veil-plate.passes.ts`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { clipDetection } from './box.ts';
import { modelPath } from './models.ts';
import { int8Model, qdqModel } from './onnx-quantize.ts';
import type { ModelSession } from './onnx.runtime.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import {
  DEFAULT_VEIL_PLATE_PASSES,
  detectVeilPlates,
  SINGLE_PASS_RAW_CUT,
  type VeilPlatePasses,
} from './veil-plate.passes.ts';

/** Longest side of the main pass (measured on eval-data/plates, see models/README.md). */
export const VEIL_PLATE_SIDE = 640;

/** Where `scripts/calibrate-int8.ts` writes the activation ranges of the 8-bit model. */
export const VEIL_PLATE_RANGES = path.join(
  import.meta.dirname,
  '..',
  '..',
  'models',
  'veil-plate',
  'int8-ranges.json',
);

/** The same for the far-plate weights that run video frames (`models/veil-plate/plate-det-far.onnx`). */
export const VEIL_PLATE_FAR_RANGES = path.join(
  path.dirname(VEIL_PLATE_RANGES),
  'far-int8-ranges.json',
);

/**
 * How video frames are judged with the far-plate weights (scripts/train-plate/README.md,
 * "Fifth run"): 640 + 320 px, fused raw 0.55 = Veil 0.5 (0.35 for photos); a plate under 20 px
 * at the 320 px pass (40 at 640) is judged by the 640 px pass alone, at raw 0.6 = Veil 0.5 (the
 * photo weights' single-pass cut).
 */
export const VEIL_PLATE_FAR_PASSES: VeilPlatePasses = {
  ...DEFAULT_VEIL_PLATE_PASSES,
  rawCut: 0.55,
  small: { minSeenPx: 20, singleCut: SINGLE_PASS_RAW_CUT },
};

/**
 * The plate detector in 8 bits (`qdqModel`: every activation but the heads' quantized, int8
 * weights per channel; onnxruntime fuses it into integer operators), or `{ why }` not.
 */
export function veilPlateInt8Model(
  file = modelPath('veilPlate'),
  rangesFile = VEIL_PLATE_RANGES,
): { bytes: Uint8Array } | { why: string } {
  return int8Model(file, rangesFile, (ranges, levels) =>
    qdqModel(new Uint8Array(fs.readFileSync(file)), ranges, levels),
  );
}

export class VeilPlateDetector implements RegionDetector {
  readonly cls = 'plate' as const;
  readonly tileSide: number;
  readonly reliablePx = 16;
  readonly nmsIou = 0.45;
  /** The passes run on each image; default `longSide` and half of it, raw 0.35 = Veil 0.5. */
  readonly passes: VeilPlatePasses;

  constructor(
    private readonly session: ModelSession,
    readonly longSide: number = VEIL_PLATE_SIDE,
    passes?: VeilPlatePasses,
    /**
     * Runs video frames (`hints.sequence`) instead of `session` (the 8-bit model, or the far-plate
     * weights), judged by its own `passes` when given.
     */
    private readonly video?: { session: ModelSession; passes?: VeilPlatePasses },
  ) {
    this.tileSide = longSide;
    this.passes = passes ?? {
      ...DEFAULT_VEIL_PLATE_PASSES,
      sides: [longSide, Math.round(longSide / 2)],
    };
  }

  async detect(image: RgbFrame, minScore: number, hints?: DetectHints): Promise<Detection[]> {
    const video = hints?.sequence ? this.video : undefined;
    const session = video?.session ?? this.session;
    const passes = video?.passes ?? this.passes;
    const plates = await detectVeilPlates(session, image, minScore, passes, {
      iou: this.nmsIou,
      containment: 0.7,
    });
    return plates.flatMap((p) => clipDetection(p, image.width, image.height) ?? []);
  }

  async close(): Promise<void> {
    await Promise.all([this.session.close(), this.video?.session.close()]);
  }
}
