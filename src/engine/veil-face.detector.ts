/**
 * Faces with Veil's own detector (models/veil-face/face-det.onnx, trained by scripts/train-face,
 * committed): any input size padded to 32, RGB 0..255. The image is scaled so that its longest
 * side is `longSide` (small photos enlarged, large frames reduced).
 */
import { clipDetection } from './box.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import type { RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import { decodeVeilFaces } from './veil-face.decode.ts';
import { runVeilGrid, toImageBox } from './veil-grid.ts';

/** Longest side of the model's input (measured on eval-data/faces, see models/README.md). */
export const VEIL_FACE_SIDE = 960;

export class VeilFaceDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide: number;
  readonly reliablePx = 16;
  readonly nmsIou = 0.4;

  constructor(
    private readonly session: ModelSession,
    readonly longSide: number = VEIL_FACE_SIDE,
  ) {
    this.tileSide = longSide;
  }

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const run = await runVeilGrid(this.session, image, this.longSide);
    const faces = nms(decodeVeilFaces(run.outputs, run.width, run.height, minScore), {
      iou: this.nmsIou,
      containment: 0.7,
    }).map((f) => ({ ...f, box: toImageBox(run, f.box) }));
    return faces.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
