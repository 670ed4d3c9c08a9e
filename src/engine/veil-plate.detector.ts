/**
 * License plates with Veil's own detector (models/veil-plate/plate-det.onnx, trained by
 * scripts/train-plate, committed): any input size padded to 32, RGB 0..255. The image is scaled
 * so that its longest side is `longSide` (small photos enlarged, large frames reduced).
 */
import { clipDetection } from './box.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { resizeRgb, roundUp, toPlanarTensor } from './preprocess.ts';
import type { RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import { decodeVeilPlates, type VeilPlateOutputs } from './veil-plate.decode.ts';

/** Longest side of the model's input (measured on eval-data/plates, see models/README.md). */
export const VEIL_PLATE_SIDE = 640;

export class VeilPlateDetector implements RegionDetector {
  readonly cls = 'plate' as const;
  readonly tileSide: number;
  readonly reliablePx = 16;
  readonly nmsIou = 0.45;

  constructor(
    private readonly session: ModelSession,
    readonly longSide: number = VEIL_PLATE_SIDE,
  ) {
    this.tileSide = longSide;
  }

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const scale = this.longSide / Math.max(image.width, image.height);
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
    const out = await this.session.run({ data, dims: [1, 3, height, width] });
    const raw: VeilPlateOutputs = {};
    for (const [name, tensor] of Object.entries(out)) raw[name] = tensor.data;
    const sx = image.width / input.width;
    const sy = image.height / input.height;
    const plates = nms(decodeVeilPlates(raw, width, height, minScore), {
      iou: this.nmsIou,
      containment: 0.7,
    }).map((p) => ({
      ...p,
      box: { x1: p.box.x1 * sx, y1: p.box.y1 * sy, x2: p.box.x2 * sx, y2: p.box.y2 * sy },
    }));
    return plates.flatMap((p) => clipDetection(p, image.width, image.height) ?? []);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
