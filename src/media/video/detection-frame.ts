/**
 * Detection runs on a reduced copy of each video frame (`reducedRgb`): on 1080p the detectors
 * cost about 106 ms per full frame against 17 ms per 640x360 copy (measured here). Boxes found
 * on the copy are scaled back to the frame here.
 */
import { longerSide } from '../../engine/box.ts';
import { visibleShare, type TrackState } from '../../engine/tracker.ts';
import type { Box, Detection, Point } from '../../engine/types.ts';

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

/**
 * The scores the detectors are asked for on video frames: below the thresholds, so that weak
 * detections continue face tracks (`weakFactor` of `blur_threshold`, default 0.6) and plates
 * (`plateWeak` of `lp_threshold`, default 0.4: 0.2 at the API's 0.5). A plate's score dips
 * further than a face's on moving, re-encoded footage (a far plate, motion blur): tracked, such
 * detections keep its track (which a 6-frame blur would otherwise end, and only a strong
 * detection could start again); untracked, they keep it drawn where one was drawn on the
 * previous detection frame (`Tracker.update`). Tracking off: the thresholds themselves.
 */
export function detectionFloors(
  thresholds: { blurThreshold: number; lpThreshold: number },
  r: { noTracking?: boolean; weakFactor?: number; plateWeak?: number },
): { blurThreshold: number; lpThreshold: number } {
  if (r.noTracking) return { ...thresholds };
  return {
    blurThreshold: thresholds.blurThreshold * (r.weakFactor ?? 0.6),
    lpThreshold: thresholds.lpThreshold * (r.plateWeak ?? 0.4),
  };
}

/** What the look-back buffer may hold for the small-face passes' gaps (frames of the video). */
export const LOOKBACK_BUDGET_BYTES = 112 * 2 ** 20;

/**
 * Default `quietSmallGap` and `wholeSmallGap` for frames of `frameBytes`: the look-back covers
 * the gaps (it holds gap - 1 frames), so they are as long as `LOOKBACK_BUDGET_BYTES` of frames
 * allows, between 12 (the gaps before, whatever the memory) and 36: 36 up to 1080p (35 frames,
 * 109 MB), 22 at 1440p, 12 at 4K.
 */
export function smallPassGapFor(frameBytes: number): number {
  return Math.max(12, Math.min(36, Math.floor(LOOKBACK_BUDGET_BYTES / frameBytes) + 1));
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

/**
 * When a pass that footage can make unnecessary runs: the small-face passes (needed while a
 * face track is small) and the plate search (needed while plates are around).
 */
export interface TurnRules {
  /** This detection frame's index and its count among detection frames (from 0). */
  index: number;
  count: number;
  /** The pass on every Nth detection frame (`smallFaceStride`, `plateStride`). */
  stride: number;
  /**
   * The last frame that needed the pass: a face track under `quietFacePx` expected there, a
   * plate found or tracked (the start: 0).
   */
  lastNeeded: number;
  /** The last detection frame with the pass (-Infinity: none yet). */
  lastPass: number;
  /** Frames without such a need after which the footage is quiet (`quietFrames`). */
  quietFrames: number;
  /** On quiet footage, the most frames between two passes (`quietSmallGap`; 0: off). */
  quietGap: number;
  /** The longest gap between detection frames (`sparseEvery`, at least `detectEvery`). */
  sparse: number;
}

/**
 * Whether this detection frame is the pass's turn: every `stride`th detection frame, or on
 * quiet footage the last detection frame before `quietGap` frames since the last pass have
 * gone by (the next one may be `sparse` frames away).
 */
export function passTurn(r: TurnRules): boolean {
  const quiet = r.quietGap > 0 && r.index - r.lastNeeded >= r.quietFrames;
  return quiet ? r.index - r.lastPass + r.sparse > r.quietGap : r.count % r.stride === 0;
}

/** A live track as the cadence reads it (`Tracker.states`), with its class's rules. */
export interface CadenceTrack extends TrackState {
  /** Its class's display threshold: a track last found below it is weak. */
  threshold: number;
  /** Under this longer side (frame px) the track keeps the dense cadence. */
  minSide: number;
}

export interface CadenceRules {
  /** Every live track of the tracked classes, boxes expected on the frame being decided. */
  tracks: CadenceTrack[];
  width: number;
  height: number;
  /**
   * Frames since a track was started or lost in view (`Tracker.lost`; one that left the frame
   * does not count; the video's start counts as one).
   */
  sinceChange: number;
  /** The cadence whenever in doubt (`detectEvery`). */
  dense: number;
  /** The cadence while every track is safe (`sparseEvery`; at most the look-back). */
  sparse: number;
  /** Detections a track needs before it counts as established (default 3). */
  minHits?: number;
  /** Largest centre motion per frame, as a share of the track's longer side (default 0.08). */
  maxMotion?: number;
  /** Frames after such a change during which the cadence stays dense (default 12). */
  calm?: number;
}

/**
 * Frames until the next detection frame. `sparse` only while every track is established (seen
 * on `minHits` detections, found on the last detection frame, above its threshold), large
 * (`minSide`), slow (under `maxMotion` of its size per frame) and, over the next `2 x sparse`
 * frames (detections in flight make the state that old), at least half its size away from
 * every border unless it is heading out through one, and no track was started or lost in view
 * in the last `calm` frames (the video's start counts as one). A track missed and mostly out of
 * view is leaving: the tracker holds it until it is out, and it is left out of these rules (a
 * dense cadence would find nothing there). `dense` otherwise, also without any track in view
 * (every face in view is then a new one: letting the first frames of `eval-video --small` go
 * sparse that way doubled one clip's uncovered face-frames, 18 -> 37/900). A face that appears while the cadence is sparse is
 * found at most `sparse - 1` frames later than at `dense`, within the look-back (at least
 * `sparse` frames).
 */
export function cadenceGap(r: CadenceRules): number {
  return denseBecause(r) === undefined ? r.sparse : r.dense;
}

/** Why `cadenceGap` keeps the dense cadence (the first reason found), or undefined: sparse. */
export function denseBecause(r: CadenceRules): DenseReason | undefined {
  if (r.sparse <= r.dense) return 'off';
  if (r.sinceChange < (r.calm ?? 12)) return 'change';
  // Missed and mostly out of view: leaving (or gone), held by the tracker until out of the
  // frame; no detection frame can find it, so it does not hold the cadence dense.
  const inView = r.tracks.filter(
    (t) => t.seenLast || visibleShare(t.box, r.width, r.height) >= 0.5,
  );
  if (inView.length === 0) return 'none';
  const reach = 2 * r.sparse;
  const inside = (b: Box, margin: number) =>
    b.x1 >= margin && b.y1 >= margin && r.width - b.x2 >= margin && r.height - b.y2 >= margin;
  // Distance of a box to the nearest border (negative: partly outside).
  const edge = (b: Box) => Math.min(b.x1, b.y1, r.width - b.x2, r.height - b.y2);
  for (const t of inView) {
    const b = t.box;
    const size = longerSide(b);
    if (!t.seenLast) return 'missed';
    if (t.hits < (r.minHits ?? 3)) return 'new';
    if (t.score < t.threshold) return 'weak';
    if (size < t.minSide) return 'small';
    if (Math.hypot(t.vx, t.vy) > (r.maxMotion ?? 0.08) * size) return 'fast';
    const ahead = {
      x1: b.x1 + t.vx * reach,
      y1: b.y1 + t.vy * reach,
      x2: b.x2 + t.vx * reach,
      y2: b.y2 + t.vy * reach,
    };
    // Near a border only while not heading out through it (entering, or still there).
    const leaving = edge(ahead) < edge(b) - 1;
    if (!leaving && (!inside(b, size / 2) || !inside(ahead, size / 2))) return 'border';
  }
  return undefined;
}

export type DenseReason =
  'off' | 'change' | 'none' | 'missed' | 'new' | 'weak' | 'small' | 'fast' | 'border';
