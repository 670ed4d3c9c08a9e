/**
 * Smooth covers for moving objects (pure): a tracked object's cover follows the mean of its
 * boxes over the frames around (`radius` before and after; the pipeline draws a frame only once
 * the detections of the frames after it are in, so those boxes are known). Detection boxes
 * wander by a few pixels around the object's true path (mean |second difference| of x1: 4 px
 * on the bench's crowd clip), and a cover whose edge jerks back and forth against the picture
 * under it is content no motion vector predicts: x264 pays for it on every frame.
 *
 * The cover stays safe: the smoothed box is drawn only where it holds the frame's own box as
 * steady covers do (`holds`: within 8% of its size beyond each side, which the cover's ellipse
 * reaches past); elsewhere (a turn, a track's first frames) the union of the two is drawn.
 *
 * Measured on the bench's 10-crop 1080p street clip (the pipeline's boxes drawn by `coverOnYuv`
 * on the original frames, 40 frames encoded alone with the bench's x264 settings, one thread,
 * instructions counted by callgrind): unblurred 7.82 G, as drawn 9.40 G (0.479 MB), smoothed
 * with radius 2 / 3 / 5 and the frame's own box where it does not hold 9.01 / 8.98 / 9.01 G,
 * radius 3 with the union instead 8.95 G (0.435 MB): about 30% of what the covers cost x264.
 *
 * It also fits each track's velocity (least squares over the boxes of `motionRadius` frames
 * either side, `motionOf`), with which `SteadyBoxes` carries a moving track's held box.
 */
import { unionBox } from '../../engine/box.ts';
import { holds, STEADY, trackKey, type Motion } from './steady.boxes.ts';
import type { Box, Detection } from '../../engine/types.ts';

/** The mean box of `boxes` (at least one). */
export function meanBox(boxes: readonly Box[]): Box {
  const n = boxes.length;
  const sum = (k: keyof Box) => boxes.reduce((s, b) => s + b[k], 0) / n;
  return { x1: sum('x1'), y1: sum('y1'), x2: sum('x2'), y2: sum('y2') };
}

/** What is drawn for `own` given its track's mean box: the mean where it holds `own`. */
export function smoothedBox(mean: Box, own: Box, rules = STEADY): Box {
  if (holds(mean, own, rules)) return mean;
  return unionBox(mean, own);
}

/**
 * The velocity of a track's box centre (pixels per frame): the least-squares slope over its
 * boxes on the frames given; undefined with fewer than 3.
 */
export function centreVelocity(
  points: ReadonlyArray<{ frame: number; box: Box }>,
): Motion | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const t0 = points.reduce((s, p) => s + p.frame, 0) / n;
  let stt = 0;
  let sx = 0;
  let sy = 0;
  for (const { frame, box } of points) {
    const t = frame - t0;
    stt += t * t;
    sx += (t * (box.x1 + box.x2)) / 2;
    sy += (t * (box.y1 + box.y2)) / 2;
  }
  return stt > 0 ? { vx: sx / stt, vy: sy / stt } : undefined;
}

/** A track's box on one frame. */
interface TrackPoint {
  frame: number;
  box: Box;
}

/**
 * One video's smoothing, frame by frame in order: `apply(frame, objects, ahead)` gets the
 * frame's objects (one per track) and `ahead(j)`, the objects known for a later frame j, and
 * returns the objects with each tracked box smoothed over the boxes the track had on the
 * `radius` frames before (as given, not as drawn) and has on the `radius` frames after.
 * Objects without a track pass as they are.
 */
export class SmoothBoxes {
  private past = new Map<string, TrackPoint[]>();
  private motion = new Map<string, Motion>();

  /**
   * `motionRadius`: the frames before and after over which each track's velocity is fitted
   * (`motionOf`); the caller's `ahead` must know that many frames.
   */
  constructor(
    private readonly radius = 3,
    private readonly rules = STEADY,
    private readonly motionRadius = 4,
  ) {}

  apply(
    frame: number,
    objects: readonly Detection[],
    ahead: (frame: number) => readonly Detection[],
  ): Detection[] {
    const reach = Math.max(this.radius, this.motionRadius);
    // Each later frame's boxes by track (frame + 1 + k at k).
    const later: Array<Map<string, Box>> = [];
    for (let j = frame + 1; j <= frame + reach; j++) {
      const boxes = new Map<string, Box>();
      for (const d of ahead(j)) if (d.trackId !== undefined) boxes.set(trackKey(d), d.box);
      later.push(boxes);
    }
    const next = new Map<string, TrackPoint[]>();
    this.motion = new Map();
    const out: Detection[] = [];
    for (const d of objects) out.push(this.smoothOne(d, frame, reach, later, next));
    this.past = next;
    return out;
  }

  /**
   * `apply` for one object. Plain loops, no closures: this runs per object per frame, and V8
   * recompiled closures made per call again after each full garbage collection (~0.4 ms per
   * frame of compiler time on the bench's crowd clip).
   */
  private smoothOne(
    d: Detection,
    frame: number,
    reach: number,
    later: ReadonlyArray<Map<string, Box>>,
    next: Map<string, TrackPoint[]>,
  ): Detection {
    if (d.trackId === undefined) return d;
    const key = trackKey(d);
    // The track's boxes on the frames before (as given), this frame's, then those after.
    const history: TrackPoint[] = [];
    for (const e of this.past.get(key) ?? []) if (e.frame >= frame - reach) history.push(e);
    const own = history.length;
    history.push({ frame, box: d.box });
    next.set(key, history);
    const after: TrackPoint[] = [];
    for (let k = 0; k < later.length; k++) {
      const b = later[k].get(key);
      if (b) after.push({ frame: frame + 1 + k, box: b });
    }
    const fitted: TrackPoint[] = [];
    for (const e of history) if (Math.abs(e.frame - frame) <= this.motionRadius) fitted.push(e);
    for (const e of after) if (Math.abs(e.frame - frame) <= this.motionRadius) fitted.push(e);
    const moving = centreVelocity(fitted);
    if (moving) this.motion.set(key, moving);
    const near: Box[] = [];
    for (let i = 0; i < own; i++) {
      if (Math.abs(history[i].frame - frame) <= this.radius) near.push(history[i].box);
    }
    near.push(d.box);
    for (const e of after) if (Math.abs(e.frame - frame) <= this.radius) near.push(e.box);
    if (near.length === 1) return d;
    return { ...d, box: smoothedBox(meanBox(near), d.box, this.rules) };
  }

  /** The velocity of `d`'s track fitted by the last `apply` (undefined: too few boxes). */
  motionOf(d: Detection): Motion | undefined {
    return d.trackId === undefined ? undefined : this.motion.get(trackKey(d));
  }
}
