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

/**
 * Several plate models on the same image, merged: on 142 plates of the eval set HyperLPR3's 640
 * model found 71% and its 320 model 78%, together 81% (precision 0.96 / 0.93 / 0.91). The 320
 * pass costs about a quarter of the 640 one. Also merges Veil's own detector with them.
 */
export class PlateEnsembleDetector implements RegionDetector {
  readonly cls = 'plate' as const;
  readonly tileSide: number;
  readonly reliablePx: number;
  readonly nmsIou: number;

  constructor(private readonly members: readonly RegionDetector[]) {
    if (members.length === 0) throw new Error('a plate ensemble needs at least one model');
    this.tileSide = Math.max(...members.map((m) => m.tileSide));
    this.reliablePx = Math.max(...members.map((m) => m.reliablePx));
    this.nmsIou = members[0].nmsIou;
  }

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const found: Detection[] = [];
    for (const m of this.members) found.push(...(await m.detect(image, minScore)));
    return nms(found, { iou: this.nmsIou, containment: 0.7 });
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }
}
