/**
 * The pure steps of a small-face pass (an enlarged copy whose extra faces must beat a raised
 * threshold): enlarged noise looks like small faces, so such a pass is asked for t + (1 - t) x
 * `raise` and its scores s are reported as (s - raise) / (1 - raise), which is the same test
 * against t. The score carries the raise, not only the call's threshold: video asks for weak
 * detections (to continue tracks) and starts tracks at the user's threshold, so a small-pass
 * score must mean what a main-pass score means.
 */
import { boxHeight, boxWidth } from './box.ts';
import type { Detection } from './types.ts';

/** The threshold a small-face pass is run at for the caller's `minScore`. */
export function smallPassThreshold(minScore: number, raise: number): number {
  return minScore + (1 - minScore) * raise;
}

/**
 * A small-face pass's detections (image px) as the caller sees them: only those whose longer
 * side is under `keepPx`, scores lowered by the raise (never below 0).
 */
export function fromSmallPass(found: Detection[], raise: number, keepPx: number): Detection[] {
  return found
    .filter((f) => Math.max(boxWidth(f.box), boxHeight(f.box)) < keepPx)
    .map((f) => ({ ...f, score: Math.max(0, (f.score - raise) / (1 - raise)) }));
}
