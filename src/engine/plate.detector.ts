/**
 * License plates with HyperLPR3's y5fu detector (Apache-2.0): the image letterboxed into an
 * S x S canvas (S = 640 by default, 320 for the fast model), planar RGB / 255.
 */
import { clipDetection } from './box.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { decodePlates } from './plate.decode.ts';
import { letterboxGeometry, resizeRgb, toPlanarTensor } from './preprocess.ts';
import type { RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';

export class PlateDetector implements RegionDetector {
  readonly cls = 'plate' as const;
  readonly tileSide: number;
  readonly reliablePx = 24;
  /** HyperLPR3's own NMS threshold. */
  readonly nmsIou = 0.5;

  constructor(
    private readonly session: ModelSession,
    /** Input side of the model (fixed in the graph). */
    readonly inputSide: number,
  ) {
    this.tileSide = inputSide;
  }

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const size = this.inputSide;
    const lb = letterboxGeometry(image.width, image.height, size);
    const resized = resizeRgb(image, lb.width, lb.height);
    const data = toPlanarTensor(resized, {
      width: size,
      height: size,
      offsetX: lb.padX,
      offsetY: lb.padY,
      order: 'rgb',
      scale: 1 / 255,
    });
    const out = await this.session.run({ data, dims: [1, 3, size, size] });
    const output = out[this.session.outputNames[0]].data;
    const plates = nms(decodePlates(output, lb, minScore), { iou: this.nmsIou });
    return plates.flatMap((p) => clipDetection(p, image.width, image.height) ?? []);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
