/** Faces with YuNet-n (libfacedetection.train, Apache-2.0): any input size padded to 32, BGR 0..255. */
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { TensorBuffers } from './preprocess.ts';
import { runResized } from './resized-run.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
import type { Detection, RgbFrame } from './types.ts';
import {
  detectWithEnlargedPass,
  DEFAULT_REGIONAL,
  passWindows,
  type EnlargedPass,
  type RegionalPass,
} from './small-pass.ts';
import { decodeYunet, type YunetOutputs } from './yunet.decode.ts';

/**
 * Video's small-face pass (`hints.smallObjects` true; photos never ask), as `EnlargedPass`
 * describes it. At the 960 px main pass alone YuNet left 157 of 900 face-frames of 28 px faces
 * uncovered in `eval-video --small --small-px 28`; at 1.5x 21; at 1.75x 0 (26 Nov 2026: `--small
 * --small-px 28/40/44/56 --seed 0/1/2` and the standard and fast clips at 720p and 1080p, every
 * one 0 of its face-frames, as RetinaFace's video pass, `sequenceUpscale`).
 */
export interface YunetSettings extends EnlargedPass {
  /** The small-face pass over windows only (as RetinaFace's; absent: whole frames). */
  regional?: RegionalPass;
}

export const DEFAULT_YUNET: YunetSettings = {
  upscale: 1.75,
  upscaleMaxSide: 1920,
  upscaleKeepPx: 64,
  upscaleRaise: 0.2,
  regional: DEFAULT_REGIONAL,
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
    return detectWithEnlargedPass(
      image,
      minScore,
      hints?.smallObjects === true,
      this.settings,
      this.nmsIou,
      (picture, width, height, score) => this.pass(picture, width, height, score),
      passWindows(this.settings.regional, hints),
    );
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
