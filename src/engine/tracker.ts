/**
 * Video object tracker (pure). Ideas from SORT and ByteTrack, our own code:
 * - each track keeps its last box and a smoothed velocity (an alpha-beta filter: the
 *   constant-velocity core of SORT's Kalman filter, without the covariance bookkeeping);
 * - association per class, greedy on IoU between predicted boxes and detections, with a
 *   centre-distance fallback for small fast objects whose boxes no longer overlap (farther for
 *   a track seen once, which has no velocity yet, the longer since its sighting: `reachOf`);
 * - ByteTrack's second pass: detections below the display threshold may continue a track
 *   but never start one;
 * - where the caller gives an appearance descriptor per detection (`appearance.ts`), a pair's
 *   affinity is weighed by how well the detection looks like its track, so that of two faces
 *   that cross each keeps its own track, and a held track takes back a detection that looks
 *   like it a little farther than the overlap rule reaches (its face came back after a gap),
 *   and a track dropped in view lives again, with its id, when a face that looks like it starts
 *   near where it was heading (`reviveFrames`): one person, one id, for `syn`'s one synthetic
 *   person per track;
 * - a track missed by the detector is held (predicted and grown) for `holdFrames`, and an
 *   object last seen at the border of the frame (leaving it, half cut off, which detectors
 *   miss), or expected there when its hold ends, is held until its predicted box has left the
 *   frame, up to 4 x `holdFrames`;
 * - frames between two detection frames get interpolated boxes (the pipeline delays
 *   rendering, so both ends are known), and a new track is drawn back over the
 *   `lookbackFrames` before its first detection, so an object is covered from its first
 *   visible frame;
 * - optionally (`confirmFrames`), a new track below a sure score is tentative: drawn on its own
 *   frame only until a second detection confirms it, then over its look-back too; a late second
 *   sighting where it was dropped still confirms it (`ghostOf`). One false detection is then one
 *   covered frame instead of a look-back and a hold.
 * Classes left out of `trackedClasses` are drawn where found, with no identity
 * (`untracked.ts`). Output is a list of (frame, detection) pairs to draw, possibly for frames
 * already seen.
 */
import { blendLook, lookSimilarity } from './appearance.ts';
import { grownBox, iou, lerpBox, longerSide } from './box.ts';
import type { Box, Detection, ObjectClass, Point } from './types.ts';
import { UntrackedObjects } from './untracked.ts';

/** A matched box smaller than this share of its track's area is taken as partly hidden. */
const SHRINK_KEEPS_EXTENT = 0.75;

/**
 * Appearance rules (descriptor correlation, `lookSimilarity`). Measured on the bench's 1080p
 * crowd clip (9 face crops over the street photo, gt boxes on the 960 px copy, frames 2 apart):
 * one face against itself median 0.999, 1st percentile 0.77 (partly hidden); two faces within
 * 1.5 face sizes of each other median 0.35, 95th percentile 0.71, highest 0.83.
 */
export const LOOK_RULES = {
  /** Affinity weight: 1 at or above `sure`, falling linearly to `floor` at `unlike`. */
  sure: 0.8,
  unlike: 0.4,
  floor: 0.2,
  /**
   * A held track (not found this frame) takes back an unmatched strong detection that looks
   * at least this much like it, within `reach` of its size from its expected box and of a size
   * within `sizeRatio` of its own.
   */
  reacquire: 0.9,
  reach: 2,
  sizeRatio: 1.5,
};

/** The affinity weight of a detection that looks `sim` like its track. */
export function lookWeight(sim: number): number {
  const { sure, unlike, floor } = LOOK_RULES;
  if (sim >= sure) return 1;
  if (sim <= unlike) return floor;
  return floor + ((1 - floor) * (sim - unlike)) / (sure - unlike);
}

export interface TrackerOptions {
  /** Classes that are tracked; others are drawn only where (and between where) detected. */
  trackedClasses: ObjectClass[];
  /**
   * Tracked classes that the untracked rules (`untracked.ts`) draw as well, from copies of their
   * detections: their tracks add frames to where they are drawn and never take any away (default
   * none). For plates with `lp_track`: the untracked rules draw a plate back along the weaker
   * sightings that led up to it and draw one found under its start score on several searches in
   * a row, which a track (started at the start score, drawn back a fixed look-back) does not.
   */
  drawnUntrackedToo?: ObjectClass[];
  /** Frames a track is held after its last detection (default 12). */
  holdFrames?: number;
  /** Frame size, for holding objects that leave through a border (default: no such hold). */
  frameSize?: { width: number; height: number };
  /** Frames before a track's first detection that get its box too (default 6). */
  lookbackFrames?: number;
  /**
   * Frames before an untracked object's detection that get its box too where none of its class
   * was drawn there on the previous detection frame (default 0: back to that frame only).
   */
  untrackedLookback?: number;
  /**
   * Per class, a shorter look-back for tracks whose first box's longer side is at least
   * `minSide` px: objects that large are found by every detection frame's main pass, so the
   * long look-back (there for small faces, which only the sparser small-face passes find) would
   * only stretch a false detection over frames that had nothing (default: none).
   */
  shortLookback?: Partial<Record<ObjectClass, { frames: number; minSide: number }>>;
  /**
   * Per class, a new track is tentative for up to this many frames (default: never): it is
   * drawn on its own detection frame (as a photo would be), and its look-back, hold and the
   * frames up to its next detection only once a second detection confirms it
   * (`confirmStrongSide`, `sureScores`); a track left unconfirmed is dropped undrawn beyond its
   * own frame. A track whose start is the last
   * detection frame of the video (nothing could confirm it) is drawn in full. The caller must
   * still hold the frames the look-back reaches when it confirms (`drawLag`): a track with a
   * look-back of `back` frames stays tentative at most `drawLag - back - 1` frames, and starts
   * confirmed where that is 0.
   */
  confirmFrames?: Partial<Record<ObjectClass, number>>;
  /**
   * How many frames behind the frame of its latest `update` the caller draws (default
   * `lookbackFrames`): boxes for older frames come too late.
   */
  drawLag?: number;
  /**
   * Per class, the longer side (px of the first box) from which only a detection at the start
   * score confirms a tentative track (default: none, any detection that continues it does).
   */
  confirmStrongSide?: Partial<Record<ObjectClass, number>>;
  /**
   * Per class, the score at or above which a new track starts confirmed (default: none). As
   * ByteTrack's higher bar for a new track: one sure detection is evidence enough.
   */
  sureScores?: Partial<Record<ObjectClass, number>>;
  /** Minimum IoU to associate a detection with a predicted track box (default `MIN_IOU`, 0.15). */
  minIou?: number;
  /** Per class, the score at or above which a detection may start a track (default: any). */
  startScores?: Partial<Record<ObjectClass, number>>;
  /** Box growth per held frame, as a share of the box size (default 0.04, at most 0.3). */
  growPerFrame?: number;
  /**
   * Frames after its last detection during which a track dropped in view can be revived by a
   * detection that looks like it (default 3 x holdFrames; needs appearance descriptors).
   */
  reviveFrames?: number;
}

export interface TrackedBox {
  frame: number;
  detection: Detection;
}

/** A live track as `Tracker.states` describes it. */
export interface TrackState {
  /** The box expected on the frame asked for. */
  box: Box;
  /** Centre velocity, pixels per frame. */
  vx: number;
  vy: number;
  /** Detections that continued (or started) the track. */
  hits: number;
  /** Score of its last detection. */
  score: number;
  /** Found on the last detection frame the tracker was fed (false: held, missed). */
  seenLast: boolean;
}

interface Track {
  id: number;
  cls: ObjectClass;
  box: Box;
  /** Velocity of x1, y1, x2, y2 in pixels per frame. */
  v: [number, number, number, number];
  lastSeen: number;
  /** Frames up to which boxes have been emitted. */
  emittedTo: number;
  firstSeen: number;
  hits: number;
  last: Detection;
  /** The last detection was reshaped (`amodal`), so its frame was drawn padded. */
  lastCut: boolean;
  /** Running appearance descriptor (whole, strong detections only). */
  look?: Float32Array;
  /** Frames before its first detection that get its box (`lookbackFor`). */
  back: number;
  /** While tentative (`confirmFrames`): the boxes held back until a second detection. */
  pending?: TrackedBox[];
  /** Last frame on which a tentative track can still be confirmed. */
  confirmBy: number;
  /** Only a detection at the start score confirms it (`confirmStrongSide`). */
  confirmStrong: boolean;
}

/** A candidate match: its affinity (or look similarity) and whether the detection is strong. */
interface Pair {
  t: Track;
  d: Detection;
  a: number;
  strong: number;
}

/** Strong detections first, then by falling affinity (ByteTrack's two passes in one order). */
const strongerFirst = (p: Pair, q: Pair) => q.strong - p.strong || q.a - p.a;

/** The tracks last seen within `frames` of `frame`. */
function recentTracks(tracks: Track[], frame: number, frames: number): Track[] {
  const out: Track[] = [];
  for (const t of tracks) if (frame - t.lastSeen <= frames) out.push(t);
  return out;
}

/** A box's area, negative where it is inverted (as the tracker always compared them). */
const boxArea = (x: Box) => (x.x2 - x.x1) * (x.y2 - x.y1);

/** Appearance descriptor of a detection, where the caller has one (see `appearance.ts`). */
export type LookOf = (d: Detection) => Float32Array | undefined;

/** No appearance descriptors. */
const NO_LOOKS: LookOf = () => undefined;

/**
 * The box moved rigidly by its centre velocity over `dt` frames and grown by `grow` of its
 * size each side (edge velocities are noisy: extrapolating them would stretch the box).
 */
function shift(b: Box, v: Track['v'], dt: number, grow = 0): Box {
  const gx = (b.x2 - b.x1) * grow;
  const gy = (b.y2 - b.y1) * grow;
  const dx = ((v[0] + v[2]) / 2) * dt;
  const dy = ((v[1] + v[3]) / 2) * dt;
  return { x1: b.x1 + dx - gx, y1: b.y1 + dy - gy, x2: b.x2 + dx + gx, y2: b.y2 + dy + gy };
}

/** The detection moved to `box`: landmarks and corners follow the box (scale and shift). */
export function moveTo(d: Detection, box: Box, trackId?: number): Detection {
  const sx = (box.x2 - box.x1) / Math.max(d.box.x2 - d.box.x1, 1e-6);
  const sy = (box.y2 - box.y1) / Math.max(d.box.y2 - d.box.y1, 1e-6);
  const moved: Detection = { ...d, box, trackId: trackId ?? d.trackId };
  if (d.landmarks) moved.landmarks = movedPoints(d.landmarks, d.box, box, sx, sy);
  if (d.polygon) moved.polygon = movedPoints(d.polygon, d.box, box, sx, sy);
  return moved;
}

/** `points` of a box `from` placed in `to`, scaled by `sx`, `sy` (`moveTo`). */
function movedPoints(points: Point[], from: Box, to: Box, sx: number, sy: number): Point[] {
  const out: Point[] = [];
  for (const p of points) out.push([to.x1 + (p[0] - from.x1) * sx, to.y1 + (p[1] - from.y1) * sy]);
  return out;
}

/** Default `minIou` (`TrackerOptions`): the IoU from which a detection may continue a track. */
export const MIN_IOU = 0.15;

/** Centre distance (in box sizes) within which a detection may continue a track (`affinity`). */
const REACH = 0.6;

/**
 * Within `REACH` a detection whose longer side is more than this many times its track's does not
 * continue it, unless their IoU does: the centre distance is measured in the larger box's size,
 * so a box many times a face's size around it was always near. RetinaFace finds such boxes
 * (~950x620 px, 0.3-0.7) on a field of lavender, where they took over a small false face's
 * track and, as its continuation, skipped the second model's check (`face-check.ts`). A smaller
 * box stays free to continue a larger track (a track's box can be the union of a half hidden
 * face's parts: `amodal`).
 */
const NEAR_GROWTH = 3;

/**
 * A track seen once has no velocity yet: its box is expected where it was, and an object that
 * moves fast (a car's plate crossing the frame, searched every 4th frame) is found a box or
 * more away when it is next searched. Its reach grows by this share of the box per frame since
 * (at most `FIRST_REACH_MAX`), for a detection of about its size.
 */
const FIRST_REACH_PER_FRAME = 0.2;
const FIRST_REACH_MAX = 2;

/** How far (centre distance in box sizes) a track may be continued `dt` frames after `hits`. */
export function reachOf(hits: number, dt: number): number {
  if (hits > 1) return REACH;
  return Math.min(FIRST_REACH_MAX, REACH + FIRST_REACH_PER_FRAME * Math.max(0, dt - 1));
}

/**
 * Affinity of a predicted box and a detection: their IoU, plus a small bonus for close centres
 * so that small fast objects whose boxes stopped overlapping still associate. 0 = no match.
 * Beyond `REACH` (a longer `reach`, `reachOf`) only a detection of about the box's size
 * (`LOOK_RULES.sizeRatio`) matches, by a bonus that falls to 0.04 at `reach`; within it, one
 * no more than `NEAR_GROWTH` times the box's size.
 */
export function affinity(pred: Box, det: Box, minIou: number, reach = REACH): number {
  const o = iou(pred, det);
  const size = Math.max(pred.x2 - pred.x1, pred.y2 - pred.y1, det.x2 - det.x1, det.y2 - det.y1);
  const dx = (pred.x1 + pred.x2 - det.x1 - det.x2) / 2;
  const dy = (pred.y1 + pred.y2 - det.y1 - det.y2) / 2;
  const dist = Math.hypot(dx, dy) / Math.max(size, 1);
  if (o < minIou && dist >= reach) return 0;
  if (o < minIou) {
    const [a, b] = [longerSide(pred), longerSide(det)];
    const ratio = Math.max(a / b, b / a);
    if (dist >= REACH ? ratio > LOOK_RULES.sizeRatio : b > NEAR_GROWTH * a) return 0;
  }
  return o + 0.1 * Math.max(0, 1 - (REACH / reach) * dist);
}

export class Tracker {
  private readonly tracks: Track[] = [];
  /** Tracks dropped in view with a look, newest last, while they may still be revived. */
  private gone: Track[] = [];
  /** Tentative tracks dropped unconfirmed, with what they held back (`ghostOf`). */
  private ghosts: Track[] = [];
  private nextId = 1;
  private lastFrame = -1;
  private readonly o: Required<TrackerOptions>;
  /** The classes not tracked (`trackedClasses` leaves out): drawn where found. */
  private readonly untracked: UntrackedObjects;
  /** Tracks started so far, per class (a summary's "faces"/"plates"). */
  readonly started: Record<ObjectClass, number> = { face: 0, plate: 0 };
  /**
   * Tracks dropped so far while their expected box was still at least half inside the frame
   * (lost in view, not gone out of it), per class.
   */
  readonly lost: Record<ObjectClass, number> = { face: 0, plate: 0 };
  /** Dropped tracks that lived again (not counted in `started`), per class. */
  readonly revived: Record<ObjectClass, number> = { face: 0, plate: 0 };
  /** Tentative tracks dropped unconfirmed (not counted in `started`), per class. */
  readonly rejected: Record<ObjectClass, number> = { face: 0, plate: 0 };

  constructor(options: TrackerOptions) {
    this.o = {
      holdFrames: 12,
      frameSize: { width: 0, height: 0 },
      lookbackFrames: 6,
      untrackedLookback: 0,
      shortLookback: {},
      minIou: MIN_IOU,
      startScores: {},
      growPerFrame: 0.04,
      reviveFrames: 3 * (options.holdFrames ?? 12),
      confirmFrames: {},
      confirmStrongSide: {},
      sureScores: {},
      drawLag: options.lookbackFrames ?? 6,
      drawnUntrackedToo: [],
      ...options,
    };
    this.untracked = new UntrackedObjects({
      ...this.o,
      strong: (d) => this.strong(d),
      startScore: (d) => this.o.startScores[d.cls] ?? 0,
      heldGrowth: (frames) => this.heldGrowth(frames),
    });
  }

  /**
   * Feeds the detections of frame `frame` (frames must increase; gaps are frames without
   * detection). `searched`: whether this detection looked for the untracked classes (when not,
   * their objects are left as they were, for the next search to draw on). `looks`: the
   * detections' appearance descriptors, if any. Returns boxes to draw on `frame` and on earlier
   * frames (interpolation, hold, look-back).
   */
  update(
    frame: number,
    detections: Detection[],
    searched = true,
    looks: LookOf = NO_LOOKS,
  ): TrackedBox[] {
    if (frame <= this.lastFrame) throw new Error('tracker frames must increase');
    this.lastFrame = frame;
    // Too late to confirm (their look-back frames are drawn by now).
    this.reject(frame);
    const out: TrackedBox[] = [];
    const tracked: Detection[] = [];
    const untracked: Detection[] = [];
    for (const d of detections) {
      const isTracked = this.o.trackedClasses.includes(d.cls);
      (isTracked ? tracked : untracked).push(d);
      // A copy: the tracker sets its own detections' track ids, moves and reshapes them.
      if (isTracked && this.o.drawnUntrackedToo.includes(d.cls)) untracked.push({ ...d });
    }
    if (searched) this.untracked.update(frame, untracked, out);
    const matched = this.associate(frame, tracked, looks);
    for (const [track, det] of matched) this.observe(track, det, frame, out, looks(det));
    const used = new Set(matched.values());
    this.gone = recentTracks(this.gone, frame, this.o.reviveFrames);
    for (const d of tracked) {
      if (used.has(d) || !this.strong(d)) continue;
      const look = looks(d);
      const old = look && this.revivable(d, look, frame);
      const ghost = !old && this.ghostOf(d, frame);
      if (old) this.revive(old, d, frame, out, look);
      else if (ghost) this.seenAgain(ghost, d, frame, out, look);
      else this.start(d, frame, out, look);
    }
    for (const t of this.tracks) {
      if (t.lastSeen !== frame) this.hold(t, frame, out);
    }
    this.prune(frame);
    // Unconfirmed on their last chance.
    this.reject(frame + 1);
    return out;
  }

  /** End of video at `lastFrame`: emits held boxes, and the last untracked ones, up to it. */
  finish(lastFrame: number): TrackedBox[] {
    const out: TrackedBox[] = [];
    this.untracked.finish(lastFrame, out);
    for (const t of this.tracks) {
      // Nothing came after its one detection frame: no evidence against it.
      if (t.pending && t.firstSeen === this.lastFrame) this.confirm(t, out);
      this.hold(t, lastFrame, out);
    }
    this.reject(Infinity);
    return out;
  }

  /**
   * Where the live tracks of `cls` that have been seen at least `minHits` times are expected
   * on `frame` (moved by their velocity, not grown).
   */
  predicted(cls: ObjectClass, frame: number, minHits = 1): Box[] {
    const out: Box[] = [];
    for (const t of this.tracks) {
      if (t.cls === cls && t.hits >= minHits) out.push(shift(t.box, t.v, frame - t.lastSeen));
    }
    return out;
  }

  /**
   * The live tracks of `cls` as a detection cadence reads them (`cadenceGap` in the video
   * pipeline): each one's box expected on `frame` (moved, not grown), its centre velocity in
   * pixels per frame, its detections so far, its last detection's score, and whether the last
   * detection frame fed to the tracker found it.
   */
  states(cls: ObjectClass, frame: number): TrackState[] {
    const out: TrackState[] = [];
    for (const t of this.tracks) {
      if (t.cls !== cls) continue;
      out.push({
        box: shift(t.box, t.v, frame - t.lastSeen),
        vx: (t.v[0] + t.v[2]) / 2,
        vy: (t.v[1] + t.v[3]) / 2,
        hits: t.hits,
        score: t.last.score,
        seenLast: t.lastSeen === this.lastFrame,
      });
    }
    return out;
  }

  /** Live track count (for tests and stats). */
  get size(): number {
    return this.tracks.length;
  }

  private associate(frame: number, dets: Detection[], looks: LookOf): Map<Track, Detection> {
    const pairs: Pair[] = [];
    for (const t of this.tracks) {
      const pred = shift(t.box, t.v, frame - t.lastSeen);
      const reach = reachOf(t.hits, frame - t.lastSeen);
      for (const d of dets) {
        if (d.cls !== t.cls) continue;
        const a = affinity(pred, d.box, this.o.minIou, reach);
        const look = t.look && looks(d);
        if (a > 0) {
          const weighted = look ? a * lookWeight(lookSimilarity(t.look!, look)) : a;
          pairs.push({ t, d, a: weighted, strong: this.strong(d) ? 1 : 0 });
        }
      }
    }
    // Greedy: best affinity first; strong detections before weak ones (ByteTrack's two passes).
    pairs.sort(strongerFirst);
    const result = new Map<Track, Detection>();
    const used = new Set<Detection>();
    for (const p of pairs) {
      if (result.has(p.t) || used.has(p.d)) continue;
      result.set(p.t, p.d);
      used.add(p.d);
    }
    this.reacquire(frame, dets, looks, result, used);
    return result;
  }

  /**
   * Second round: a track left without a detection takes back an unmatched strong one that
   * looks very much like it (`LOOK_RULES.reacquire`) a little beyond the overlap rule's reach
   * (a face back from behind another, or found again after a few missed frames).
   */
  private reacquire(
    frame: number,
    dets: Detection[],
    looks: LookOf,
    result: Map<Track, Detection>,
    used: Set<Detection>,
  ): void {
    const pairs: Pair[] = [];
    for (const t of this.tracks) {
      if (result.has(t) || !t.look) continue;
      for (const d of dets) {
        const look = d.cls === t.cls && !used.has(d) && this.strong(d) ? looks(d) : undefined;
        if (!look || !this.near(t, d.box, frame)) continue;
        const sim = lookSimilarity(t.look, look);
        if (sim >= LOOK_RULES.reacquire) pairs.push({ t, d, a: sim, strong: 1 });
      }
    }
    pairs.sort(strongerFirst);
    for (const p of pairs) {
      if (result.has(p.t) || used.has(p.d)) continue;
      result.set(p.t, p.d);
      used.add(p.d);
    }
  }

  private strong(d: Detection): boolean {
    return d.score >= (this.o.startScores[d.cls] ?? 0);
  }

  /**
   * A detection cut by the frame border shrinks as its object leaves; the track keeps the
   * object's last full size on that side (the box extends past the border) so that its
   * velocity is the object's, not the shrinking box's. Such boxes are drawn padded (see
   * `observe`), as the detector's least reliable ones; the track keeps them unpadded.
   */
  private amodal(t: Track, d: Detection, frame: number): Detection {
    const { width, height } = this.o.frameSize;
    const b = { ...d.box };
    const pw = t.box.x2 - t.box.x1;
    const ph = t.box.y2 - t.box.y1;
    if (width > 0 && b.x2 - b.x1 < pw) {
      if (b.x2 >= width - 1) b.x2 = b.x1 + pw;
      else if (b.x1 <= 1) b.x1 = b.x2 - pw;
    }
    if (width > 0 && b.y2 - b.y1 < ph) {
      if (b.y2 >= height - 1) b.y2 = b.y1 + ph;
      else if (b.y1 <= 1) b.y1 = b.y2 - ph;
    }
    // A half hidden object (a hand, a passer-by) is often still found by its visible part:
    // a box that suddenly shrinks below 3/4 of the track's area keeps the predicted extent too.
    // (YuNet finds a face whose upper half is hidden by its chin, at ~0.6 of the area; objects
    // that really move away shrink far less from one frame to the next. Covering too much for
    // a frame costs looks, too little costs privacy.)
    if (t.hits > 1 && boxArea(b) < SHRINK_KEEPS_EXTENT * boxArea(t.box)) {
      const p = shift(t.box, t.v, frame - t.lastSeen);
      [b.x1, b.y1] = [Math.min(b.x1, p.x1), Math.min(b.y1, p.y1)];
      [b.x2, b.y2] = [Math.max(b.x2, p.x2), Math.max(b.y2, p.y2)];
    }
    if (b.x1 === d.box.x1 && b.x2 === d.box.x2 && b.y1 === d.box.y1 && b.y2 === d.box.y2) return d;
    return moveTo(d, b);
  }

  private observe(
    t: Track,
    seen: Detection,
    frame: number,
    out: TrackedBox[],
    look?: Float32Array,
  ): void {
    const d = this.amodal(t, seen, frame);
    if (t.pending && (!t.confirmStrong || this.strong(seen))) this.confirm(t, out);
    // The look is learnt from whole, confident sightings only (not a half hidden face).
    if (look && d === seen && this.strong(seen)) t.look = blendLook(t.look, look);
    seen.trackId = t.id;
    const dt = frame - t.lastSeen;
    const prevBox = t.box;
    const cut = d !== seen;
    // Fill the gap since the last detection by interpolation (both ends known); frames
    // already held with a prediction get the interpolated box as well. Padded as the ends
    // are: between reshaped detections the object's extent is as uncertain as on them.
    const gapCut = cut || t.lastCut;
    for (let f = t.lastSeen + 1; f < frame; f++) {
      const box = lerpBox(prevBox, d.box, (f - t.lastSeen) / dt);
      (t.pending ?? out).push(this.emit(t, f, gapCut ? padCut(box) : box));
    }
    const measured: Track['v'] = [
      (d.box.x1 - prevBox.x1) / dt,
      (d.box.y1 - prevBox.y1) / dt,
      (d.box.x2 - prevBox.x2) / dt,
      (d.box.y2 - prevBox.y2) / dt,
    ];
    const beta = t.hits === 1 ? 1 : 0.5;
    // Along an axis where the box is cut by the border, the detector's edges drift as the
    // object leaves: keep the velocity measured while it was whole.
    const cutX = d.box.x1 !== seen.box.x1 || d.box.x2 !== seen.box.x2;
    const cutY = d.box.y1 !== seen.box.y1 || d.box.y2 !== seen.box.y2;
    const v = t.v;
    const kept: Track['v'] = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) {
      const frozen = t.hits > 1 && (i % 2 === 0 ? cutX : cutY);
      kept[i] = frozen ? v[i] : v[i] + beta * (measured[i] - v[i]);
    }
    t.v = kept;
    if (t.hits === 1) this.lookBack(t, t.pending ?? out);
    t.box = d.box;
    t.last = d;
    t.lastSeen = frame;
    t.hits++;
    t.lastCut = cut;
    d.trackId = t.id;
    (t.pending ?? out).push(this.emit(t, frame, cut ? padCut(d.box) : d.box));
  }

  /** Second sighting: velocity is known now, so extend the look-back along the motion. */
  private lookBack(t: Track, out: TrackedBox[]): void {
    for (let k = 1; k <= t.back && t.firstSeen - k >= 0; k++) {
      const box = shift(t.box, t.v, -k, 0.1);
      out.push({ frame: t.firstSeen - k, detection: moveTo(t.last, box, t.id) });
    }
  }

  /** The dropped track that `d` continues by its look and place, if any (most alike first). */
  private revivable(d: Detection, look: Float32Array, frame: number): Track | undefined {
    let best: { t: Track; sim: number } | undefined;
    for (const t of this.gone) {
      if (t.cls !== d.cls || !t.look || !this.near(t, d.box, frame)) continue;
      const sim = lookSimilarity(t.look, look);
      if (sim >= LOOK_RULES.reacquire && (!best || sim > best.sim)) best = { t, sim };
    }
    return best?.t;
  }

  /**
   * Whether `box` lies within `LOOK_RULES.reach` of the track's size from where the track is
   * expected on `frame`, at a size within `LOOK_RULES.sizeRatio` of its own.
   */
  private near(t: Track, box: Box, frame: number): boolean {
    const pred = shift(t.box, t.v, frame - t.lastSeen);
    const side = longerSide(pred);
    const dSide = longerSide(box);
    const dist = Math.hypot(
      (pred.x1 + pred.x2 - box.x1 - box.x2) / 2,
      (pred.y1 + pred.y2 - box.y1 - box.y2) / 2,
    );
    return (
      dist <= LOOK_RULES.reach * side &&
      Math.max(dSide / side, side / dSide) <= LOOK_RULES.sizeRatio
    );
  }

  /** A dropped track lives again from `d`: a new start (look-back included) under its old id. */
  private revive(old: Track, d: Detection, frame: number, out: TrackedBox[], look: Float32Array) {
    this.gone = this.gone.filter((t) => t !== old);
    this.start(d, frame, out, blendLook(old.look, look), old.id);
    this.revived[d.cls]++;
  }

  private start(
    d: Detection,
    frame: number,
    out: TrackedBox[],
    look?: Float32Array,
    id?: number,
  ): void {
    const t: Track = {
      look,
      id: id ?? this.nextId++,
      cls: d.cls,
      box: d.box,
      v: [0, 0, 0, 0],
      lastSeen: frame,
      emittedTo: frame - 1,
      firstSeen: frame,
      hits: 1,
      last: d,
      lastCut: false,
      back: this.lookbackFor(d),
      confirmBy: frame,
      confirmStrong: longerSide(d.box) >= (this.o.confirmStrongSide[d.cls] ?? Infinity),
    };
    // A revived track was confirmed in its first life.
    const slack = Math.min(this.o.confirmFrames[d.cls] ?? 0, this.o.drawLag - t.back - 1);
    const sure = d.score >= (this.o.sureScores[d.cls] ?? Infinity);
    if (id === undefined && slack > 0 && !sure) [t.pending, t.confirmBy] = [[], frame + slack];
    this.tracks.push(t);
    if (id === undefined) this.started[d.cls]++;
    d.trackId = t.id;
    const first = this.fromBorder(grownBox(d.box, 0.1));
    for (let k = Math.min(t.back, frame); k >= 1; k--) {
      (t.pending ?? out).push({ frame: frame - k, detection: moveTo(d, first, t.id) });
    }
    out.push(this.emit(t, frame, d.box));
  }

  /** A tentative track confirmed: what it held back is drawn. */
  private confirm(t: Track, out: TrackedBox[]): void {
    out.push(...t.pending!);
    t.pending = undefined;
  }

  /** Tentative tracks to be confirmed before frame `due`: dropped with what they held back. */
  private reject(due: number): void {
    for (let i = this.tracks.length - 1; i >= 0; i--) {
      const t = this.tracks[i];
      if (!t.pending || t.confirmBy >= due) continue;
      this.tracks.splice(i, 1);
      this.dropTentative(t);
    }
  }

  private dropTentative(t: Track): void {
    this.started[t.cls]--;
    this.rejected[t.cls]++;
    this.ghosts.push(t);
  }

  /**
   * A strong detection where a tentative track was dropped lately is the second sighting that
   * track waited for (a weak face found every 8-12 frames): the track lives again and is
   * confirmed by it, drawn back over its look-back along the motion between the two sightings.
   */
  private seenAgain(
    ghost: Track,
    d: Detection,
    frame: number,
    out: TrackedBox[],
    look?: Float32Array,
  ): void {
    this.ghosts = this.ghosts.filter((g) => g !== ghost);
    this.tracks.push(ghost);
    this.started[d.cls]++;
    this.rejected[d.cls]--;
    this.observe(ghost, d, frame, out, look);
  }

  /**
   * The dropped tentative track that a new start at `d` sees again: one whose boxes can still
   * be drawn (last seen within `drawLag`), where `near` expects it.
   */
  private ghostOf(d: Detection, frame: number): Track | undefined {
    this.ghosts = recentTracks(this.ghosts, frame, this.o.drawLag);
    for (const g of this.ghosts) if (g.cls === d.cls && this.near(g, d.box, frame)) return g;
    return undefined;
  }

  /** The look-back of a track starting from `d`: short for large objects (`shortLookback`). */
  private lookbackFor(d: Detection): number {
    const short = this.o.shortLookback[d.cls];
    return short && longerSide(d.box) >= short.minSide
      ? Math.min(short.frames, this.o.lookbackFrames)
      : this.o.lookbackFrames;
  }

  /**
   * A box first seen within half its size of a frame border: the object most likely came in
   * through that border, so on the frames before (look-back) it lay between the border and
   * this box: the box is extended to the border (a fast object is found only once enough of
   * it is inside, by then a look-back along its unknown motion would miss where it was).
   */
  private fromBorder(b: Box): Box {
    const { width, height } = this.o.frameSize;
    if (width <= 0 || height <= 0) return b;
    const nx = 0.5 * (b.x2 - b.x1);
    const ny = 0.5 * (b.y2 - b.y1);
    return {
      x1: b.x1 < nx ? Math.min(b.x1, 0) : b.x1,
      y1: b.y1 < ny ? Math.min(b.y1, 0) : b.y1,
      x2: width - b.x2 < nx ? Math.max(b.x2, width) : b.x2,
      y2: height - b.y2 < ny ? Math.max(b.y2, height) : b.y2,
    };
  }

  /** Last frame a track is held to. */
  private holdUntil(t: Track): number {
    const { width, height } = this.o.frameSize;
    const b = t.box;
    const end = t.lastSeen + this.o.holdFrames;
    const atBorder = (box: Box) => {
      const margin = 0.1 * longerSide(box);
      return (
        box.x1 <= margin ||
        box.y1 <= margin ||
        box.x2 >= width - margin ||
        box.y2 >= height - margin
      );
    };
    // Seen once, a track has no velocity to carry it out of the frame: the longer border hold
    // would keep its box where it was (a large false detection touching a border, held ~4x).
    if (width <= 0 || t.hits < 2) return end;
    // Last seen at a border, or expected at one when its hold ends (it was missed on its way
    // out: the detector misses objects the border cuts).
    if (!atBorder(b) && !atBorder(shift(b, t.v, end - t.lastSeen))) return end;
    // Held while the predicted box still overlaps the frame, at most 4 x holdFrames.
    const max = t.lastSeen + 4 * this.o.holdFrames;
    for (let f = end; f < max; f++) {
      const p = shift(b, t.v, f - t.lastSeen);
      if (p.x2 <= 0 || p.y2 <= 0 || p.x1 >= width || p.y1 >= height) return f;
    }
    return max;
  }

  /** Growth (share of the size, each side) of a box `frames` from its detection. */
  private heldGrowth(frames: number): number {
    return Math.min(this.o.growPerFrame * frames, 0.3);
  }

  private hold(t: Track, frame: number, out: TrackedBox[]): void {
    const until = Math.min(frame, this.holdUntil(t));
    for (let f = t.emittedTo + 1; f <= until; f++) {
      const dt = f - t.lastSeen;
      (t.pending ?? out).push(this.emit(t, f, shift(t.box, t.v, dt, this.heldGrowth(dt))));
    }
  }

  private emit(t: Track, frame: number, box: Box): TrackedBox {
    t.emittedTo = Math.max(t.emittedTo, frame);
    return { frame, detection: moveTo(t.last, box, t.id) };
  }

  private prune(frame: number): void {
    for (let i = this.tracks.length - 1; i >= 0; i--) {
      const t = this.tracks[i];
      if (frame <= this.holdUntil(t)) continue;
      this.tracks.splice(i, 1);
      if (t.pending) {
        this.dropTentative(t);
        continue;
      }
      const { width, height } = this.o.frameSize;
      const p = shift(t.box, t.v, frame - t.lastSeen);
      if (width <= 0 || visibleShare(p, width, height) >= 0.5) {
        this.lost[t.cls]++;
        if (t.look) this.gone.push(t);
      }
    }
  }
}

/** The share of a box's area inside a frame of `width` x `height` (0 for an empty box). */
export function visibleShare(b: Box, width: number, height: number): number {
  const area = Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
  if (area === 0) return 0;
  const w = Math.max(0, Math.min(b.x2, width) - Math.max(b.x1, 0));
  const h = Math.max(0, Math.min(b.y2, height) - Math.max(b.y1, 0));
  return (w * h) / area;
}

/** A reshaped (`amodal`) box as drawn: 15% of its size added on each side. */
function padCut(b: Box): Box {
  const px = 0.15 * (b.x2 - b.x1);
  const py = 0.15 * (b.y2 - b.y1);
  return { x1: b.x1 - px, y1: b.y1 - py, x2: b.x2 + px, y2: b.y2 + py };
}
