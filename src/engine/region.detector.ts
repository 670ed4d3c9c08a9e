/** What every single-class model detector offers to the frame pipeline. */
import type { Box, Detection, ObjectClass, RgbFrame } from './types.ts';

/**
 * What a caller that sees many frames of one scene (video) knows and tells the detectors; a
 * detector may ignore any of it. Photos pass none.
 */
export interface DetectHints {
  /**
   * Run the passes that only add small objects (RetinaFace's enlarged pass; default true).
   * Video runs them on some detection frames only: its tracker holds a face in between.
   */
  smallObjects?: boolean;
  /**
   * Where plates that earlier frames accepted are expected on this frame (frame pixels): a
   * detector that reads its candidates (the text fallback) takes a candidate on one of them as
   * a plate without reading it again.
   */
  knownPlates?: Box[];
  /**
   * The frame is one of a video's: a detector made of two models runs its first only (the
   * tracker bridges what it misses; the second would double the cost of every frame), unless
   * `bothFaces`.
   */
  sequence?: boolean;
  /**
   * Video: this frame of a sequence runs both models of a two-model face detector, merged as on
   * photos (the second without its small-face pass); the pipeline asks on some detection frames
   * (`VideoPipelineSettings.bothFacesStride`), and the tracker holds what only the second finds.
   */
  bothFaces?: boolean;
  /**
   * Video: boxes (image pixels) where face tracks too small for the main pass are expected on
   * this frame; a detector whose small-face pass covers parts of a frame looks there too.
   */
  smallFaces?: Box[];
  /**
   * Video: whether a small-face pass whose windows would cover most of this frame may run over
   * the whole frame (default true). False: only the windows around `smallFaces` and the most
   * likely proposals, up to the detector's `capShare` of the frame (the pipeline allows the
   * whole frame at most every `wholeSmallGap` frames).
   */
  smallPassWhole?: boolean;
  /**
   * A detector made of two face models runs only this one (0: the first, 1: the second): the
   * engine splits a photo across two workers and merges their faces (`mergeFaces`), and video
   * asks the second alone for its opinion on a crop around a new face (`face-check.ts`).
   */
  facePart?: 0 | 1;
}

export interface RegionDetector {
  readonly cls: ObjectClass;
  /** Tile side in model pixels when slicing. */
  readonly tileSide: number;
  /** Smallest object (model pixels) that a pass finds reliably; decides the tile overlap. */
  readonly reliablePx: number;
  /** IoU above which overlapping detections are merged. */
  readonly nmsIou: number;
  /**
   * Detections scoring at least `minScore` (0..1), suppressed, in `image` pixels (`hints` boxes
   * in `image` pixels too).
   */
  detect(image: RgbFrame, minScore: number, hints?: DetectHints): Promise<Detection[]>;
  close(): Promise<void>;
}
