/**
 * Detection runs on a reduced copy of each video frame (`reducedRgb`): on 1080p the detectors
 * cost about 106 ms per full frame against 17 ms per 640x360 copy (measured here). Boxes found
 * on the copy are scaled back to the frame here.
 */
import type { Detection, Point } from '../../engine/types.ts';

/** Detections found on a reduced copy, in the coordinates of the full frame. */
export function scaleDetections(dets: Detection[], sx: number, sy: number): Detection[] {
  if (sx === 1 && sy === 1) return dets;
  const p = ([x, y]: Point): Point => [x * sx, y * sy];
  return dets.map((d) => ({
    ...d,
    box: { x1: d.box.x1 * sx, y1: d.box.y1 * sy, x2: d.box.x2 * sx, y2: d.box.y2 * sy },
    ...(d.landmarks ? { landmarks: d.landmarks.map(p) } : {}),
    ...(d.polygon ? { polygon: d.polygon.map(p) } : {}),
  }));
}

/** What one detection frame runs: the small-face passes or not, and the copy's longer side. */
export interface CopyPlan {
  /** `DetectHints.smallObjects`: the detectors' small-face passes run. */
  smallObjects: boolean;
  /** Longer side of the reduced copy the detectors get. */
  side: number;
}

export interface CopyRules {
  /** This detection frame's turn for the small-face passes (every Nth detection frame). */
  smallTurn: boolean;
  /** The smallest face track's longer side on the `detectSide` copy (Infinity: none). */
  smallestFacePx: number;
  /** Under this, a face track keeps the `detectSide` copy (`smallFacePx`). */
  keepPx: number;
  /** Under this, a face track also keeps the small-face passes (`enlargedFacePx`). */
  passPx: number;
  detectSide: number;
  /** The copy on frames that need neither (`detectSide` when the detectors have no use for it). */
  coarseSide: number;
  /** Something else needs the `detectSide` copy (slicing, the text plate fallback). */
  needsSide: boolean;
}

/**
 * The small-face passes run on their turn or while a face track is under `passPx`; the
 * `detectSide` copy is kept with them, while a face track is under `keepPx`, or when asked.
 */
export function copyPlan(r: CopyRules): CopyPlan {
  const smallObjects = r.smallTurn || r.smallestFacePx < Math.min(r.passPx, r.keepPx);
  const keep = smallObjects || r.smallestFacePx < r.keepPx || r.needsSide;
  return { smallObjects, side: keep ? r.detectSide : Math.min(r.coarseSide, r.detectSide) };
}
