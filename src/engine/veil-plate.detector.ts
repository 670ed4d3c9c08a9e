/**
 * License plates with Veil's own detector (models/veil-plate/plate-det.onnx, trained by
 * scripts/train-plate, committed): any input size padded to 32, RGB 0..255. The image is run at
 * longest side `longSide` (small photos enlarged, large frames reduced) and, by default, again at
 * half that; a plate's score is the mean of both passes (`veil-plate.passes.ts`).
 */
import { clipDetection } from './box.ts';
import type { ModelSession } from './onnx.runtime.ts';
import type { RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import {
  DEFAULT_VEIL_PLATE_PASSES,
  detectVeilPlates,
  type VeilPlatePasses,
} from './veil-plate.passes.ts';

/** Longest side of the main pass (measured on eval-data/plates, see models/README.md). */
export const VEIL_PLATE_SIDE = 640;

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
  ) {
    this.tileSide = longSide;
    this.passes = passes ?? {
      ...DEFAULT_VEIL_PLATE_PASSES,
      sides: [longSide, Math.round(longSide / 2)],
    };
  }

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const plates = await detectVeilPlates(this.session, image, minScore, this.passes, {
      iou: this.nmsIou,
      containment: 0.7,
    });
    return plates.flatMap((p) => clipDetection(p, image.width, image.height) ?? []);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
