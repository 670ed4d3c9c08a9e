/** Faces with YuNet-n (libfacedetection.train, Apache-2.0): any input size padded to 32, BGR 0..255. */
import { clipDetection, mapDetection } from './box.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { TensorBuffers } from './preprocess.ts';
import { runResized } from './resized-run.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import { fromSmallPass, smallPassThreshold } from './small-pass.ts';
import { decodeYunet, type YunetOutputs } from './yunet.decode.ts';

export interface YunetSettings {
  /**
   * Video's small-face pass (`hints.smallObjects` true; photos never ask): the copy enlarged by
   * this factor (1: none), run only while its longer side stays within `upscaleMaxSide`; of its
   * faces those under `upscaleKeepPx` (image px) are added, at a threshold raised by
   * `upscaleRaise` of what is left. At the 960 px main pass alone YuNet left 157 of 900
   * face-frames of 28 px faces uncovered in `eval-video --small --small-px 28`.
   */
  upscale: number;
  upscaleMaxSide: number;
  upscaleKeepPx: number;
  upscaleRaise: number;
}

export const DEFAULT_YUNET: YunetSettings = {
  upscale: 1.5,
  upscaleMaxSide: 1920,
  upscaleKeepPx: 64,
  upscaleRaise: 0.2,
};

export class YunetFaceDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide = 960;
  readonly reliablePx = 16;
  /** OpenCV's FaceDetectorYN default. */
  readonly nmsIou = 0.3;
  private readonly inputs = new TensorBuffers();

  constructor(
    private readonly session: ModelSession,
    private readonly settings: YunetSettings = DEFAULT_YUNET,
  ) {}

  async detect(image: RgbFrame, minScore: number, hints?: DetectHints): Promise<Detection[]> {
    let found = await this.pass(image, image.width, image.height, minScore);
    const { upscale, upscaleMaxSide, upscaleKeepPx, upscaleRaise } = this.settings;
    const big = {
      width: Math.round(image.width * upscale),
      height: Math.round(image.height * upscale),
    };
    if (
      hints?.smallObjects === true &&
      upscale > 1 &&
      Math.max(big.width, big.height) <= upscaleMaxSide
    ) {
      const raised = smallPassThreshold(minScore, upscaleRaise);
      const back = {
        scaleX: image.width / big.width,
        scaleY: image.height / big.height,
        offsetX: 0,
        offsetY: 0,
      };
      const small = (await this.pass(image, big.width, big.height, raised)).map((f) =>
        mapDetection(f, back),
      );
      // A face of both passes is kept once; a part of a face inside a whole one is dropped.
      found = nms([...found, ...fromSmallPass(small, upscaleRaise, upscaleKeepPx)], {
        iou: this.nmsIou,
        containment: 0.7,
      });
    }
    return found.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
  }

  /** One run on `image` resampled to width x height: faces in the resampled pixels. */
  private async pass(
    image: RgbFrame,
    width: number,
    height: number,
    minScore: number,
  ): Promise<Detection[]> {
    const run = await runResized(this.session, this.inputs, image, width, height, 'bgr');
    const raw: YunetOutputs = {};
    for (const [name, tensor] of Object.entries(run.outputs)) raw[name] = tensor.data;
    return nms(decodeYunet(raw, run.width, run.height, minScore), { iou: this.nmsIou });
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
