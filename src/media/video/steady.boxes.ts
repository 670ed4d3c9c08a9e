/**
 * Steady covers for still objects (pure): a tracked object whose box only jitters keeps the box
 * it was drawn with, so its blur is the same pixels frame after frame. Detection boxes of a face
 * that does not move wander by a few pixels between detection frames (and the tracker
 * interpolates between them); each new box re-anchors the blur's cells and radius, and the
 * encoder pays for a blur that changes on every frame of a still scene (and the viewer sees it
 * shimmer).
 *
 * Measured on a still 1080p street scene with 13 faces (120 frames, the pipeline's boxes drawn
 * by `coverOnYuv`, encoded alone with the bench's x264 settings): 0.34 MB and 2.6-3.0 s of
 * encoder CPU as drawn, 0.14 MB and 1.7-1.8 s with `reach` 0.08 (0.17 MB at 0.05); unblurred
 * 0.14 MB. On the bench's panned clip, where every box moves, nothing changes (1.12-1.13 MB).
 *
 * Moving objects: a held box that stands still while its face moves, then jumps when `holds`
 * gives way, is a cover no motion vector predicts. Given each track's velocity (`motion`, fitted
 * by `SmoothBoxes`), the held box is carried along at it (a still track, under `still`, stays
 * put). The bench's 10-crop 1080p street clip with the pipeline's boxes, drawn and encoded
 * alone (x264, bench settings, one thread): 1.065 MB held still, 0.917 MB carried (unblurred
 * 0.832); the still street scene 0.319 and 0.320 MB (src/media/video/README.md, "Covers that
 * move with their track").
 */
import { area, boxHeight, boxWidth } from '../../engine/box.ts';
import type { Box, Detection } from '../../engine/types.ts';

export const STEADY = {
  /**
   * A new box may reach this share of the held box's size beyond each of its sides. The face
   * cover's ellipse reaches 0.15 of the box's size beyond its sides (semi-axes 0.65 of its
   * width and height), so the new box stays inside the held box's cover.
   */
  reach: 0.08,
  /** And keep at least this share of the held box's area (a shrinking face re-anchors). */
  minArea: 0.7,
  /**
   * A track moving slower than this share of its box's longer side per frame counts as still:
   * its held box stays put (`SteadyBoxes.apply` with `motion`); a faster one's moves with it.
   */
  still: 0.004,
};

/** A track's motion: its box centre's velocity, pixels per frame. */
export interface Motion {
  vx: number;
  vy: number;
}

/** `b` moved by `m`, or `b` itself where `m` is under `STEADY.still` of its size. */
export function carried(b: Box, m: Motion | undefined, rules = STEADY): Box {
  if (!m || Math.hypot(m.vx, m.vy) < rules.still * Math.max(boxWidth(b), boxHeight(b))) return b;
  return { x1: b.x1 + m.vx, y1: b.y1 + m.vy, x2: b.x2 + m.vx, y2: b.y2 + m.vy };
}

/** Whether `b` may be drawn as `held` (see `STEADY`). */
export function holds(held: Box, b: Box, rules = STEADY): boolean {
  const gx = rules.reach * boxWidth(held);
  const gy = rules.reach * boxHeight(held);
  return (
    b.x1 >= held.x1 - gx &&
    b.y1 >= held.y1 - gy &&
    b.x2 <= held.x2 + gx &&
    b.y2 <= held.y2 + gy &&
    area(b) >= rules.minArea * area(held)
  );
}

/** A tracked object's key: tracks of faces and of plates count their ids apart. */
export const trackKey = (d: Detection) => `${d.cls}:${d.trackId}`;

/**
 * One video's held boxes by track: `apply` returns the frame's objects with each tracked box
 * replaced by its track's held box while `holds` says so; otherwise the new box is held from
 * then on. Objects without a track pass as they are; a track absent from a frame is forgotten.
 */
export class SteadyBoxes {
  private held = new Map<string, Box>();

  constructor(private readonly rules = STEADY) {}

  /**
   * `motion` (optional): each track's velocity (`SmoothBoxes.motionOf`). A moving track's held
   * box is carried along at that velocity, so its cover moves as one rigid picture instead of
   * standing still and jumping (which no motion vector predicts); a still one's stays put.
   */
  apply(objects: readonly Detection[], motion?: (d: Detection) => Motion | undefined): Detection[] {
    const next = new Map<string, Box>();
    const out = objects.map((d) => {
      if (d.trackId === undefined) return d;
      const key = trackKey(d);
      const before = this.held.get(key);
      const held = before && motion ? carried(before, motion(d), this.rules) : before;
      const box = held && holds(held, d.box, this.rules) ? held : d.box;
      next.set(key, box);
      return box === d.box ? d : { ...d, box };
    });
    this.held = next;
    return out;
  }
}
