/** Shared engine vocabulary. Pure types: no HTTP, database, storage or driver here. */

export type ObjectClass = 'face' | 'plate';

/** Axis-aligned box in pixels of the frame it was found in (x2, y2 exclusive). */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export type Point = [number, number];

export interface Detection {
  cls: ObjectClass;
  box: Box;
  /** Detector confidence 0..1, comparable with `blur_threshold` / `lp_threshold`. */
  score: number;
  /** Faces: 5 landmarks (right eye, left eye, nose tip, right mouth corner, left mouth corner). */
  landmarks?: Point[];
  /** Plates: 4 corners TL, TR, BR, BL; used by mask blur. */
  polygon?: Point[];
  /** Set by the video tracker; stable across frames of one object. */
  trackId?: number;
}

/** A decoded frame: interleaved 8-bit RGB, row-major, no padding. */
export interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

export type ModelName = 'blur' | 'syn';

/** How a covered region is drawn. `pixelate` and `fill` are Veil extensions. */
export type RenderStyle = 'blur' | 'pixelate' | 'fill';

/** Model parameters of the Syntonym API, normalised. Defaults in `defaultAnonymizeOptions`. */
export interface AnonymizeOptions {
  model: ModelName;
  /** Cover faces (default true). For `syn`: `syntonymize`=false means blur instead. */
  blurFace: boolean;
  /** Cover license plates (default true). */
  enableLp: boolean;
  /** Face score threshold 0..1 (default 0.5). */
  blurThreshold: number;
  /** Plate score threshold 0..1 (default 0.5; Syntonym's `lp_threshold`). */
  lpThreshold: number;
  /** Tile large images so small faces are found (default false). */
  slicing: boolean;
  /** Blur the object's own shape instead of an ellipse (default false). */
  maskBlur: boolean;
  /** Track plates across video frames (default false; faces are always tracked). */
  lpTrack: boolean;
  /** `syn` only: replace faces with synthetic ones (default true). */
  syntonymize: boolean;
  /** Replace plates with synthetic plates instead of blurring (default false). */
  lpSyntonymize: boolean;
  /** Veil extension: how regions are drawn (default 'blur'). */
  style: RenderStyle;
  /** Veil extension: also write a JSON file of detections (default false). */
  detections: boolean;
}

export const defaultAnonymizeOptions: AnonymizeOptions = {
  model: 'blur',
  blurFace: true,
  enableLp: true,
  blurThreshold: 0.5,
  lpThreshold: 0.5,
  slicing: false,
  maskBlur: false,
  lpTrack: false,
  syntonymize: true,
  lpSyntonymize: false,
  style: 'blur',
  detections: false,
};

/** Per-file outcome that the worker records on a task and the CLI prints. */
export interface MediaSummary {
  kind: 'image' | 'video';
  width: number;
  height: number;
  /** Videos only. */
  durationSeconds?: number;
  frames?: number;
  fps?: number;
  faces: number;
  plates: number;
  /**
   * `syn` videos: face renders (one face on one frame) replaced by a synthetic face, and those
   * blurred instead (unsafe to replace, or `unavailable`: syn's models/donors failed to load).
   */
  syn?: { replaced: number; blurred: number; unavailable?: string };
}

export interface ProgressReport {
  done: number;
  total: number;
}
