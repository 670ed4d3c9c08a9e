/**
 * Objects of the classes the tracker does not track (plates without `lp_track`): no identity,
 * no velocity kept; each detection frame draws what it found, and what it found is read against
 * the last few detection frames only:
 * - a detection is drawn at its class's start score, or weaker where one was drawn on a recent
 *   detection frame (hysteresis, bridged over detection frames that missed it: `bridgeFrom`);
 * - its box covers the frames back to the previous frame that searched its class; a new one
 *   (continuing nothing) is drawn back `untrackedLookback` frames, grown, and along the weaker
 *   detections that led up to it (`drawPast`: a plate coming into view, or out of a blur);
 * - a box is held a few frames after its detection frame (`UNTRACKED_HOLD`), and one lost next
 *   to a border is drawn out to it until it has left (`drawExits`).
 * The tracker (`tracker.ts`) feeds this its untracked detections; output is (frame, detection)
 * pairs as the tracker's.
 */
import { grownBox, lerpBox } from './box.ts';
import { affinity, moveTo, type TrackedBox } from './tracker.ts';
import type { Detection, ObjectClass } from './types.ts';

/** Frames after its detection frame an untracked object's box is also drawn on (`update`). */
const UNTRACKED_HOLD = 3;

/**
 * Frames over which an untracked object missed on detection frames in between still continues
 * (`bridgeFrom`): a weaker detection where one was drawn that recently is drawn too.
 */
const UNTRACKED_BRIDGE = 12;

/** Most frames an untracked object lost at a border is drawn out to it (`exitFrames`). */
const EXIT_FRAMES = 48;

/** The tracker's settings these follow (`TrackerOptions`), and two of its rules. */
export interface UntrackedRules {
  minIou: number;
  lookbackFrames: number;
  untrackedLookback: number;
  holdFrames: number;
  frameSize: { width: number; height: number };
  /** Whether a detection is at its class's start score. */
  strong: (d: Detection) => boolean;
  /** Growth (share of the size, each side) of a box `frames` from its detection. */
  heldGrowth: (frames: number) => number;
}

/** Whether `d` lies where an untracked object of its class was drawn (`affinity` over 0). */
function continues(previous: readonly Detection[], d: Detection, minIou: number): boolean {
  for (const p of previous) if (p.cls === d.cls && affinity(p.box, d.box, minIou) > 0) return true;
  return false;
}

export class UntrackedObjects {
  /** Untracked detections of the last detection frame (drawn on to the end by `finish`). */
  private last: Detection[] = [];
  /**
   * Untracked detections left undrawn (under their start score, continuing nothing) on the
   * detection frames of the look-back, oldest first: a new untracked object's past (`drawPast`).
   */
  private undrawn: Array<{ frame: number; dets: Detection[] }> = [];
  /** Untracked detections drawn on the detection frames before the last, oldest first. */
  private drawnBefore: Array<{ frame: number; dets: Detection[] }> = [];
  /** Untracked objects lost at a border, drawn out to it up to frame `until` (`leaving`). */
  private exits: Array<{ d: Detection; since: number; until: number }> = [];

  constructor(private readonly o: UntrackedRules) {}

  /**
   * The untracked detections of detection frame `frame` (the one before: `prevFrame`);
   * `searched` as `Tracker.update`. Boxes to draw go to `out`.
   */
  update(
    frame: number,
    prevFrame: number,
    detections: Detection[],
    searched: Partial<Record<ObjectClass, number>>,
    out: TrackedBox[],
  ): void {
    // Untracked objects of the previous detection frame stay on the frames up to this one
    // (at most UNTRACKED_HOLD): a plate the detector misses here is still covered there.
    const held = Math.min(frame - 1, prevFrame + UNTRACKED_HOLD);
    for (const d of this.last) {
      for (let f = prevFrame + 1; f <= held; f++) out.push({ frame: f, detection: { ...d } });
    }
    const previous = this.last;
    const undrawn: Detection[] = [];
    // Drawn ones, with whether they continue one of the previous detection frame, else the
    // one of an earlier detection frame they bridge to (`bridgeFrom`), if any.
    const drawn: Array<{ d: Detection; fresh: boolean; from?: { frame: number; d: Detection } }> =
      [];
    this.last = [];
    for (const d of detections) {
      // At its start score, or weaker where one was drawn on a recent detection frame
      // (hysteresis: no identity, no motion; a plate whose score dips stays covered).
      const fresh = !continues(previous, d, this.o.minIou);
      const from = fresh ? this.bridgeFrom(d, frame) : undefined;
      if (!this.o.strong(d) && fresh && !from) {
        undrawn.push(d);
        continue;
      }
      this.last.push(d);
      drawn.push({ d, fresh, from });
    }
    this.drawExits(previous, prevFrame, frame, out);
    for (const { d, fresh, from } of drawn) {
      // Missed on the detection frames since one drawn a little earlier: from that one's box to
      // this one over the frames between (and what a new one gets, below).
      for (let f = (from?.frame ?? frame) + 1; from && f < frame; f++) {
        const box = lerpBox(from.d.box, d.box, (f - from.frame) / (frame - from.frame));
        out.push({ frame: f, detection: moveTo(d, box) });
      }
      // Cover the frames since the previous detection frame that looked for its class
      // (`searched`, default the previous detection frame) with this box, and where none was
      // drawn there (a plate coming into view, found weaker before) `untrackedLookback` frames
      // at least, within the look-back.
      const since = Math.min(prevFrame, searched[d.cls] ?? prevFrame);
      const back = Math.max(frame - since - 1, fresh ? this.o.untrackedLookback : 0);
      for (let f = Math.max(0, frame - Math.min(back, this.o.lookbackFrames)); f <= frame; f++) {
        // Before the previous search (a new one's look-back), grown as a held box is: it
        // moved, in a way no track tells.
        const grow = f > since ? 0 : this.o.heldGrowth(frame - f);
        out.push({ frame: f, detection: grow > 0 ? moveTo(d, grownBox(d.box, grow)) : { ...d } });
      }
      if (fresh) this.drawPast(d, frame, out);
    }
    while (this.undrawn.length > 0 && frame - this.undrawn[0].frame >= this.o.lookbackFrames) {
      this.undrawn.shift();
    }
    if (undrawn.length > 0) this.undrawn.push({ frame, dets: undrawn });
    if (previous.length > 0) this.drawnBefore.push({ frame: prevFrame, dets: previous });
    while (this.drawnBefore.length > 0 && frame - this.drawnBefore[0].frame >= UNTRACKED_BRIDGE) {
      this.drawnBefore.shift();
    }
  }

  /**
   * End of video at `lastFrame` (the last detection frame: `lastDetection`): the last
   * detection frame's objects stay on the frames after it (the video ends before another
   * detection frame could cover them), within the look-back's reach, and leaving ones until
   * they have left.
   */
  finish(lastFrame: number, lastDetection: number, out: TrackedBox[]): void {
    const end = Math.min(lastFrame, lastDetection + this.o.lookbackFrames);
    for (const d of this.last) {
      for (let f = lastDetection + 1; f <= end; f++) out.push({ frame: f, detection: { ...d } });
    }
    for (const e of this.exits) {
      for (let f = lastDetection + 1; f <= Math.min(lastFrame, e.until); f++) {
        out.push({ frame: f, detection: { ...e.d } });
      }
    }
  }

  /**
   * The untracked detection drawn on a detection frame before the previous one, at most
   * `UNTRACKED_BRIDGE` frames back (and within the look-back), that `d` continues (the newest
   * such frame first).
   */
  private bridgeFrom(d: Detection, frame: number): { frame: number; d: Detection } | undefined {
    for (let i = this.drawnBefore.length - 1; i >= 0; i--) {
      const e = this.drawnBefore[i];
      // Within the look-back too: the frames between are drawn.
      if (frame - e.frame > Math.min(UNTRACKED_BRIDGE, this.o.lookbackFrames)) break;
      for (const p of e.dets) {
        if (p.cls === d.cls && affinity(p.box, d.box, this.o.minIou) > 0) {
          return { frame: e.frame, d: p };
        }
      }
    }
    return undefined;
  }

  /**
   * A new untracked object `d` (frame `frame`) found weaker before, where it came into view or
   * out of a blur: the chain of undrawn detections leading up to it (on each earlier detection
   * frame of the look-back that found its class, the one nearest the last link by `affinity`,
   * while there is one), each drawn on its own frame and moved linearly to the next link over
   * the frames between. Its own look-back box stays where it was found; these follow the
   * object's way there.
   */
  private drawPast(d: Detection, frame: number, out: TrackedBox[]): void {
    let next = { frame, d };
    for (let i = this.undrawn.length - 1; i >= 0; i--) {
      const { frame: f, dets } = this.undrawn[i];
      // Detection frames that found nothing undrawn in between: no way to follow.
      if (next.frame - f > 2 * UNTRACKED_HOLD) break;
      let best: Detection | undefined;
      let bestA = 0;
      for (const w of dets) {
        const a = w.cls === d.cls ? affinity(w.box, next.d.box, this.o.minIou) : 0;
        if (a > bestA) [best, bestA] = [w, a];
      }
      if (!best) break;
      for (let g = f; g < next.frame; g++) {
        const box = lerpBox(best.box, next.d.box, (g - f) / (next.frame - f));
        out.push({ frame: g, detection: moveTo(best, box) });
      }
      next = { frame: f, d: best };
    }
    if (next.frame === frame) return;
    // The chain's first link is where it came into view: the look-back of a new one from there.
    const first = Math.max(0, next.frame - this.o.untrackedLookback, frame - this.o.lookbackFrames);
    for (let g = first; g < next.frame; g++) {
      const grow = this.o.heldGrowth(next.frame - g);
      out.push({ frame: g, detection: moveTo(next.d, grownBox(next.d.box, grow)) });
    }
  }

  /**
   * Untracked objects drawn on the previous detection frame (`previous`) and lost on this one
   * within their own size of a border: most likely on their way out, where the detector loses a
   * plate once less than half of it shows. Each is drawn stretched out to that border (and grown
   * across, as a held box) on the frames until it has left at the speed its box came towards
   * that border since the detection frame before (`exitFrames`), at least `holdFrames` after it
   * was last found: the part of it still in view lies between the two.
   */
  private drawExits(previous: Detection[], prevFrame: number, frame: number, out: TrackedBox[]) {
    for (const p of previous) {
      if (continues(this.last, p, this.o.minIou)) continue;
      const exit = this.leaving(p);
      if (!exit) continue;
      const until = prevFrame + this.exitFrames(p, prevFrame, exit.side);
      this.exits.push({ d: exit.d, since: prevFrame, until });
    }
    const live: typeof this.exits = [];
    for (const e of this.exits) {
      for (let f = Math.max(prevFrame, e.since) + 1; f <= Math.min(frame, e.until); f++) {
        out.push({ frame: f, detection: { ...e.d } });
      }
      if (e.until > frame) live.push(e);
    }
    this.exits = live;
  }

  /**
   * `d` stretched out to the border it lies within its own size of (`side`: 0 left, 1 right,
   * 2 top, 3 bottom), or undefined.
   */
  private leaving(d: Detection): { d: Detection; side: number } | undefined {
    const { width, height } = this.o.frameSize;
    if (width <= 0 || height <= 0) return undefined;
    const b = d.box;
    const [w, h] = [b.x2 - b.x1, b.y2 - b.y1];
    const gaps = [b.x1 / w, (width - b.x2) / w, b.y1 / h, (height - b.y2) / h];
    const side = gaps.indexOf(Math.min(...gaps));
    if (gaps[side] >= 1) return undefined;
    const g = grownBox(b, this.o.heldGrowth(this.o.holdFrames));
    const out =
      side === 0
        ? { ...b, x1: 0, y1: g.y1, y2: g.y2 }
        : side === 1
          ? { ...b, x2: width, y1: g.y1, y2: g.y2 }
          : side === 2
            ? { ...b, y1: 0, x1: g.x1, x2: g.x2 }
            : { ...b, y2: height, x1: g.x1, x2: g.x2 };
    return { d: moveTo(d, out), side };
  }

  /**
   * Frames an untracked object `p` (last found on `frame`) takes to leave through `side`: its
   * far edge's distance to that border over that edge's speed towards it, from the box it
   * continued on the detection frame before (`drawnBefore`); `holdFrames` where there is none
   * or it is slower, at most `EXIT_FRAMES`.
   */
  private exitFrames(p: Detection, frame: number, side: number): number {
    const before = this.drawnBefore.at(-1);
    let speed = 0;
    for (const q of before?.dets ?? []) {
      if (q.cls !== p.cls || affinity(q.box, p.box, this.o.minIou) <= 0) continue;
      const dt = frame - before!.frame;
      // The trailing edge's motion: the leading one stops at the border once cut.
      const v = [
        q.box.x2 - p.box.x2,
        p.box.x1 - q.box.x1,
        q.box.y2 - p.box.y2,
        p.box.y1 - q.box.y1,
      ];
      speed = Math.max(speed, v[side] / dt);
    }
    const { width, height } = this.o.frameSize;
    const far = [p.box.x2, width - p.box.x1, p.box.y2, height - p.box.y1][side];
    const frames = speed > 0 ? Math.ceil(far / speed) : 0;
    return Math.min(EXIT_FRAMES, Math.max(this.o.holdFrames, frames));
  }
}
