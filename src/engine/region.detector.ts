/** What every single-class model detector offers to the frame pipeline. */
import type { Detection, ObjectClass, RgbFrame } from './types.ts';

export interface RegionDetector {
  readonly cls: ObjectClass;
  /** Tile side in model pixels when slicing. */
  readonly tileSide: number;
  /** Smallest object (model pixels) that a pass finds reliably; decides the tile overlap. */
  readonly reliablePx: number;
  /** IoU above which overlapping detections are merged. */
  readonly nmsIou: number;
  /** Detections scoring at least `minScore` (0..1), suppressed, in `image` pixels. */
  detect(image: RgbFrame, minScore: number): Promise<Detection[]>;
  close(): Promise<void>;
}
