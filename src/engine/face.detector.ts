/** Faces with YuNet-n (libfacedetection.train, Apache-2.0): any input size padded to 32, BGR 0..255. */
import { clipDetection } from './box.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { paddedPlanarTensor } from './preprocess.ts';
import type { RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import { decodeYunet, type YunetOutputs } from './yunet.decode.ts';

export class YunetFaceDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide = 960;
  readonly reliablePx = 16;
  /** OpenCV's FaceDetectorYN default. */
  readonly nmsIou = 0.3;

  constructor(private readonly session: ModelSession) {}

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const { data, dims, width, height } = paddedPlanarTensor(image, 'bgr');
    const out = await this.session.run({ data, dims });
    const raw: YunetOutputs = {};
    for (const [name, tensor] of Object.entries(out)) raw[name] = tensor.data;
    const faces = nms(decodeYunet(raw, width, height, minScore), { iou: this.nmsIou });
    return faces.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
