/**
 * Faces with Veil's own detector (models/veil-face/face-det.onnx, trained by scripts/train-face,
 * committed): any input size padded to 32, RGB 0..255. The image is scaled so that its longest
 * side is `side` (small photos enlarged, large frames reduced); a second pass at `smallSide`
 * adds the small faces the first one misses (see `VeilFaceSettings`).
 */
import path from 'node:path';
import { clipDetection } from './box.ts';
import { modelPath } from './models.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import { decodeVeilFaces } from './veil-face.decode.ts';
import { runVeilGrid, toImageBox } from './veil-grid.ts';
import { fromSmallPass, smallPassThreshold } from './small-pass.ts';
import { veilPlateInt8Model } from './veil-plate.detector.ts';

/** Longest side of the model's input (measured on eval-data/faces, see models/README.md). */
export const VEIL_FACE_SIDE = 960;

/**
 * Where `scripts/calibrate-int8.ts` writes the activation ranges of its 8-bit model, which video
 * frames run (`veilFaceInt8Model`).
 */
export const VEIL_FACE_RANGES = path.join(
  import.meta.dirname,
  '..',
  '..',
  'models',
  'veil-face',
  'int8-ranges.json',
);

/**
 * The face detector in 8 bits, or `{ why }` not: it is the plate detector's network, so it is
 * quantized as that is (`veilPlateInt8Model`), with its own activation ranges.
 */
export function veilFaceInt8Model(
  file = modelPath('veilFace'),
): { bytes: Uint8Array } | { why: string } {
  return veilPlateInt8Model(file, VEIL_FACE_RANGES);
}

export interface VeilFaceSettings {
  /** Longest side of the main pass's input. */
  side: number;
  /**
   * Longest side of the small-face pass's input (0: none). The model finds faces of 16-30 px far
   * more often enlarged.
   */
  smallSide: number;
  /** From the small-face pass only faces under this (longer side, main-pass input px) are taken. */
  smallKeepPx: number;
  /**
   * The small-face pass must beat a raised threshold, t + (1 - t) x this (enlarged noise looks
   * like small faces), as RetinaFace's enlarged pass does.
   */
  smallRaise: number;
  /**
   * With `hints.smallObjects` false (video frames whose small-face passes are off, given a
   * smaller copy), the main pass runs at the image's own size when under `side`.
   */
  coarseAsGiven: boolean;
}

/**
 * A second pass at 2x (1920 px) for faces under 48 px on the main pass, at a threshold raised by
 * a fifth of what is left (0.6 for the default 0.5). See models/README.md for the measurements.
 */
export const DEFAULT_VEIL_FACE: VeilFaceSettings = {
  side: VEIL_FACE_SIDE,
  smallSide: 1920,
  smallKeepPx: 48,
  smallRaise: 0.2,
  coarseAsGiven: true,
};

export class VeilFaceDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide: number;
  readonly reliablePx = 16;
  readonly nmsIou = 0.4;
  readonly settings: VeilFaceSettings;

  constructor(
    private readonly session: ModelSession,
    settings: Partial<VeilFaceSettings> = {},
    /** Runs video frames (`hints.sequence`) instead of `session`: the 8-bit model. */
    private readonly video?: ModelSession,
  ) {
    this.settings = { ...DEFAULT_VEIL_FACE, ...settings };
    this.tileSide = this.settings.side;
  }

  /**
   * The small-face pass runs only when video asks (`hints.smallObjects` true): on photos it
   * cost 94 -> 445 ms per eval photo and 2.3 points of precision for 1.4 of recall.
   * `hints.smallObjects` false: the main pass at the copy's own size.
   */
  async detect(image: RgbFrame, minScore: number, hints?: DetectHints): Promise<Detection[]> {
    const { side, smallSide, smallKeepPx, smallRaise, coarseAsGiven } = this.settings;
    const small = hints?.smallObjects === true;
    const longest = Math.max(image.width, image.height);
    const mainSide = !small && coarseAsGiven ? Math.min(side, longest) : side;
    const session = (hints?.sequence && this.video) || this.session;
    let found = await this.pass(session, image, mainSide, minScore);
    if (small && smallSide > side) {
      const raised = smallPassThreshold(minScore, smallRaise);
      const keepPx = (smallKeepPx * longest) / side;
      const extra = fromSmallPass(
        await this.pass(session, image, smallSide, raised),
        smallRaise,
        keepPx,
      );
      // A face of both passes is kept once; a part of a face inside a whole one is dropped.
      found = nms([...found, ...extra], { iou: this.nmsIou, containment: 0.7 });
    }
    return found.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
  }

  /** One run at `side` px longest side: faces scoring `minScore`, suppressed, in image px. */
  private async pass(
    session: ModelSession,
    image: RgbFrame,
    side: number,
    minScore: number,
  ): Promise<Detection[]> {
    const run = await runVeilGrid(session, image, side);
    return nms(decodeVeilFaces(run.outputs, run.width, run.height, minScore), {
      iou: this.nmsIou,
      containment: 0.7,
    }).map((f) => ({ ...f, box: toImageBox(run, f.box) }));
  }

  async close(): Promise<void> {
    await Promise.all([this.session.close(), this.video?.close()]);
  }
}
