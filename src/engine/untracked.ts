/**
 * Objects of the classes the tracker does not track (plates without `lp_track`; with it too,
 * beside their tracks: `drawnUntrackedToo`): no identity, no velocity kept; each search for
 * their classes draws what it found, and what it found is read against the last few searches
 * only:
 * - a detection is drawn at its class's start score, or weaker where one was drawn on a recent
 *   search (hysteresis, bridged over searches that missed it: `bridgeFrom`; not where a box at
 *   the start score beside it continues that one: `besideOther`), or where the searches before
 *   found it weaker on each of three in a row (`persistent`);
 * - its box covers the frames back to the previous frame that searched its class, and one that
 *   continues an object of that search is also moved linearly from there (a plate searched every
 *   4th frame moves a box or more between searches); a new one (continuing nothing) is drawn
 *   back `untrackedLookback` frames, grown, and along the weaker detections that led up to it
 *   (`drawPast`: a plate coming into view, or out of a blur), and back to when it crossed the
 *   border it came in through (`entering`);
 * - a search's box is also drawn where the line from the search before to the search after
 *   passes (`drawBetween`: a plate boxed in part on one search), and one cut short next to the
 *   border its plate lay by is drawn out to it (`cutAtBorder`);
 * - a box is held a few frames after its search (`UNTRACKED_HOLD`), and one lost next
 *   to a border is drawn out to it until it has left (`drawExits`, at the speed it came
 *   towards that border where that takes it out within `EXIT_FRAMES`).
 * The tracker (`tracker.ts`) feeds this the untracked detections (and copies of those of the
 * tracked classes in `drawnUntrackedToo`) of the detection frames that searched their classes
 * (only those: one that did not leaves the objects as they were); output is (frame, detection)
 * pairs as the tracker's.
 */
import { grownBox, iou, lerpBox, unionBox } from './box.ts';
import { affinity, moveTo, reachOf, type TrackedBox } from './tracker.ts';
import type { Box, Detection } from './types.ts';

/** Frames after its detection frame an untracked object's box is also drawn on (`update`). */
const UNTRACKED_HOLD = 3;

/**
 * Frames over which an untracked object missed on detection frames in between still continues
 * (`bridgeFrom`): a weaker detection where one was drawn that recently is drawn too.
 */
const UNTRACKED_BRIDGE = 12;

/** Earlier weak sightings on consecutive searches that start an untracked object (`persistent`). */
const PERSIST_LINKS = 3;

/** Share of its start score each of those sightings reaches at least. */
const PERSIST_SHARE = 0.6;

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
  /** Its class's start score. */
  startScore: (d: Detection) => number;
  /** Growth (share of the size, each side) of a box `frames` from its detection. */
  heldGrowth: (frames: number) => number;
}

/**
 * The untracked object of `previous` (found `dt` frames before `d`) that `d` continues: of its
 * class, the nearest by `affinity` (over 0; no velocity kept, so reaching as far as a track seen
 * once, `reachOf`), or undefined.
 */
function continued(
  previous: readonly Detection[],
  d: Detection,
  minIou: number,
  dt: number,
): Detection | undefined {
  const reach = reachOf(1, dt);
  let best: Detection | undefined;
  let bestA = 0;
  for (const p of previous) {
    const a = p.cls === d.cls ? affinity(p.box, d.box, minIou, reach) : 0;
    if (a > bestA) [best, bestA] = [p, a];
  }
  return best;
}

/**
 * How far the trailing edge moved towards border `side` (0 left, 1 right, 2 top, 3 bottom) from
 * box `a` to box `b`: the edge that keeps moving while the leading one stops at the border.
 */
function outwards(a: Box, b: Box, side: number): number {
  return [a.x2 - b.x2, b.x1 - a.x1, a.y2 - b.y2, b.y1 - a.y1][side];
}

/**
 * Box `b` stretched out to border `side` (its near edge on it, its far edge kept), spanning
 * `across` on the other axis.
 */
function toBorder(b: Box, side: number, across: Box, width: number, height: number): Box {
  return side < 2
    ? { x1: side === 0 ? 0 : b.x1, x2: side === 0 ? b.x2 : width, y1: across.y1, y2: across.y2 }
    : { y1: side === 2 ? 0 : b.y1, y2: side === 2 ? b.y2 : height, x1: across.x1, x2: across.x2 };
}

/** How far into a `width` x `height` frame box `b` reaches from border `side` (its far edge). */
function reachInto(b: Box, side: number, width: number, height: number): number {
  return [b.x2, width - b.x1, b.y2, height - b.y1][side];
}

export class UntrackedObjects {
  /** Untracked detections of the last search (drawn on to the end by `finish`). */
  private last: Detection[] = [];
  /** The last detection frame that searched the untracked classes (-1: none yet). */
  private lastSearch = -1;
  /**
   * Untracked detections left undrawn (under their start score, continuing nothing) on the
   * detection frames of the look-back, oldest first: a new untracked object's past (`drawPast`).
   */
  private undrawn: Array<{ frame: number; dets: Detection[] }> = [];
  /** Drawn untracked detections that a later search continued (not lost: `bridgeFrom`). */
  private readonly followed = new WeakSet<Detection>();
  /** The detection (and its frame) that each drawn untracked detection continued. */
  private readonly cameFrom = new WeakMap<Detection, { frame: number; d: Detection }>();
  /** Untracked detections drawn on the detection frames before the last, oldest first. */
  private drawnBefore: Array<{ frame: number; dets: Detection[] }> = [];
  /** Untracked objects lost at a border, drawn out to it up to frame `until` (`leaving`). */
  private exits: Array<{ d: Detection; since: number; until: number }> = [];

  constructor(private readonly o: UntrackedRules) {}

  /**
   * The untracked detections of detection frame `frame`, which searched their classes (the
   * search before: `lastSearch`). Boxes to draw go to `out`.
   */
  update(frame: number, detections: Detection[], out: TrackedBox[]): void {
    const prevFrame = this.lastSearch;
    this.lastSearch = frame;
    // Untracked objects of the previous search stay on the frames up to this one (at most
    // UNTRACKED_HOLD): a plate the detector misses here is still covered there.
    const held = Math.min(frame - 1, prevFrame + UNTRACKED_HOLD);
    for (const d of this.last) {
      for (let f = prevFrame + 1; f <= held; f++) out.push({ frame: f, detection: { ...d } });
    }
    const previous = this.last;
    const undrawn: Detection[] = [];
    // Drawn ones, with the one they continue: of the previous search, else of an earlier
    // search they bridge to (`bridgeFrom`), if any.
    const drawn: Array<{ d: Detection; fresh: boolean; from?: { frame: number; d: Detection } }> =
      [];
    this.last = [];
    const dt = frame - prevFrame;
    const cont = new Map(detections.map((d) => [d, continued(previous, d, this.o.minIou, dt)]));
    for (const d of detections) {
      // At its start score, or weaker where one was drawn on a recent search (hysteresis: no
      // identity, no motion kept; a plate whose score dips stays covered).
      const p = this.besideOther(d, cont) ? undefined : cont.get(d);
      const fresh = !p;
      const from = p ? { frame: prevFrame, d: p } : this.bridgeFrom(d, frame);
      if (from) this.followed.add(from.d);
      if (!this.o.strong(d) && fresh && !from && !this.persistent(d, frame)) {
        undrawn.push(d);
        continue;
      }
      this.last.push(d);
      drawn.push({ d, fresh, from });
    }
    this.drawExits(previous, prevFrame, frame, out);
    for (const { d, fresh, from } of drawn) {
      // From the box it continues (of the previous search, or one missed since) to this one
      // over the frames between, besides the two boxes held and drawn back there.
      if (from) {
        for (let f = from.frame + 1; f < frame; f++) {
          const box = lerpBox(from.d.box, d.box, (f - from.frame) / (frame - from.frame));
          out.push({ frame: f, detection: moveTo(d, box) });
        }
        this.cameFrom.set(d, from);
        this.drawBetween(from, d, frame, out);
        const cut = this.cutAtBorder(from.d, d);
        if (cut) out.push({ frame, detection: cut });
      }
      // Cover the frames since the previous search with this box, and where none was drawn
      // there (a plate coming into view, found weaker before) `untrackedLookback` frames at
      // least, within the look-back.
      const back = Math.max(frame - prevFrame - 1, fresh ? this.o.untrackedLookback : 0);
      for (let f = Math.max(0, frame - Math.min(back, this.o.lookbackFrames)); f <= frame; f++) {
        // Before the previous search (a new one's look-back), grown as a held box is: it
        // moved, in a way no track tells.
        const grow = f > prevFrame ? 0 : this.o.heldGrowth(frame - f);
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
   * Whether weak detection `d` lies beside (no overlap) a detection at its start score that
   * continues the same object (`cont`: what each detection of the search continues): the
   * object went on as that one, and `d` (a sign next to a plate) continues nothing.
   */
  private besideOther(d: Detection, cont: Map<Detection, Detection | undefined>): boolean {
    const p = cont.get(d);
    if (!p || this.o.strong(d)) return false;
    for (const [e, q] of cont) {
      if (e !== d && q === p && this.o.strong(e) && iou(e.box, d.box) === 0) return true;
    }
    return false;
  }

  /**
   * A plate's box on the search it was found on (`from`), drawn again as the line from the
   * search before (what `from` continued) to this one (`d`, frame `frame`) passes there: the
   * detector sometimes boxes part of a plate (half hidden, or its characters only) on one search
   * between two whole ones, and a plate keeps its size; the union of both is drawn. Within the
   * look-back only (the frames drawn since).
   */
  private drawBetween(
    from: { frame: number; d: Detection },
    d: Detection,
    frame: number,
    out: TrackedBox[],
  ): void {
    const before = this.cameFrom.get(from.d);
    if (!before || frame - from.frame > this.o.lookbackFrames) return;
    const t = (from.frame - before.frame) / (frame - before.frame);
    out.push({ frame: from.frame, detection: moveTo(from.d, lerpBox(before.d.box, d.box, t)) });
  }

  /**
   * `d`, which continues `p`, stretched out to the border `p` lay within its own size of, across
   * as wide as both, where `d` is under 80% of `p`'s size along that border's axis: a plate
   * going out of view, of which the detector boxes the part still in it, or less (a few
   * characters). Else undefined.
   */
  private cutAtBorder(p: Detection, d: Detection): Detection | undefined {
    const exit = this.leaving(p);
    if (!exit) return undefined;
    const [a, b] = [p.box, d.box];
    const across = exit.side < 2;
    const size = (x: Box) => (across ? x.x2 - x.x1 : x.y2 - x.y1);
    if (size(b) >= 0.8 * size(a)) return undefined;
    const { width, height } = this.o.frameSize;
    const box = toBorder(b, exit.side, unionBox(a, b), width, height);
    return moveTo(d, box);
  }

  /**
   * End of video at `lastFrame`: the last search's objects stay on the frames after it (the
   * video ends before another search could cover them), within the look-back's reach, and
   * leaving ones until they have left.
   */
  finish(lastFrame: number, out: TrackedBox[]): void {
    const from = this.lastSearch;
    const end = Math.min(lastFrame, from + this.o.lookbackFrames);
    for (const d of this.last) {
      for (let f = from + 1; f <= end; f++) out.push({ frame: f, detection: { ...d } });
    }
    for (const e of this.exits) {
      for (let f = from + 1; f <= Math.min(lastFrame, e.until); f++) {
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
      // Only objects missed since (one continued later is not lost: a weak false plate beside
      // a real one that moves on must not bridge to it).
      const lost = e.dets.filter((p) => !this.followed.has(p));
      const p = continued(lost, d, this.o.minIou, frame - e.frame);
      if (p) return { frame: e.frame, d: p };
    }
    return undefined;
  }

  /**
   * Whether weak detection `d` (frame `frame`) ends a chain of `PERSIST_LINKS` earlier undrawn
   * ones on consecutive searches (as `drawPast` follows them), each at `PERSIST_SHARE` of its
   * start score at least: a plate the detector keeps finding just under the threshold.
   */
  private persistent(d: Detection, frame: number): boolean {
    const floor = (x: Detection) => x.score >= PERSIST_SHARE * this.o.startScore(x);
    if (!floor(d)) return false;
    return this.chainBefore({ frame, d }, floor, PERSIST_LINKS).length >= PERSIST_LINKS;
  }

  /**
   * The undrawn detections leading up to `last` (newest first, at most `most`): on each earlier
   * detection frame of the look-back that found its class, of those `keep` takes, the one
   * nearest the last link by `affinity`, while there is one and no more than
   * `2 x UNTRACKED_HOLD` frames lie between two links.
   */
  private chainBefore(
    last: { frame: number; d: Detection },
    keep: (x: Detection) => boolean = () => true,
    most = Infinity,
  ): Array<{ frame: number; d: Detection }> {
    const links: Array<{ frame: number; d: Detection }> = [];
    let next = last;
    for (let i = this.undrawn.length - 1; i >= 0 && links.length < most; i--) {
      const { frame: f, dets } = this.undrawn[i];
      // Detection frames that found nothing undrawn in between: no way to follow.
      if (next.frame - f > 2 * UNTRACKED_HOLD) break;
      const best = continued(dets.filter(keep), next.d, this.o.minIou, next.frame - f);
      if (!best) break;
      next = { frame: f, d: best };
      links.push(next);
    }
    return links;
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
    for (const link of this.chainBefore(next)) {
      for (let g = link.frame; g < next.frame; g++) {
        const box = lerpBox(link.d.box, next.d.box, (g - link.frame) / (next.frame - link.frame));
        out.push({ frame: g, detection: moveTo(link.d, box) });
      }
      next = link;
    }
    if (next.frame === frame) return;
    // The chain's first link is where it came into view: the look-back of a new one from there,
    // and through a border since its leading edge crossed it (`entering`).
    const entry = this.entering(next, { frame, d });
    const back = Math.max(this.o.untrackedLookback, entry?.frames ?? 0);
    const first = Math.max(0, next.frame - back, frame - this.o.lookbackFrames);
    for (let g = first; g < next.frame; g++) {
      const grow = this.o.heldGrowth(next.frame - g);
      out.push({
        frame: g,
        detection: entry?.d ?? moveTo(next.d, grownBox(next.d.box, grow)),
      });
    }
  }

  /**
   * A chain's first link (`first`) within its own size of a border, moving away from it by
   * the next link (`last`): a plate coming into view, of which the detector found the part in
   * it first (a half, or less). Returns it stretched out to that border (as `leaving` does) and
   * the frames since its leading edge crossed it, at that edge's speed; else undefined.
   */
  private entering(
    first: { frame: number; d: Detection },
    last: { frame: number; d: Detection },
  ): { d: Detection; frames: number } | undefined {
    const edge = this.leaving(first.d);
    if (!edge) return undefined;
    const { width, height } = this.o.frameSize;
    // The leading edge (an exit's trailing one): how far in it is, and its motion inwards.
    const into = reachInto(first.d.box, edge.side, width, height);
    const speed = -outwards(first.d.box, last.d.box, edge.side) / (last.frame - first.frame);
    if (!(speed > 0)) return undefined;
    return { d: edge.d, frames: Math.ceil(into / speed) };
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
      const exit = this.leaving(p);
      if (!exit) continue;
      // Continued, it is not lost; unless it was heading out through that border and what
      // continues it lies back from there (its trailing edge moved away from the border): a weak
      // box beside a plate that has gone on out.
      const next = this.last.find((d) => continued([p], d, this.o.minIou, frame - prevFrame));
      if (
        next &&
        (this.exitSpeed(p, prevFrame, exit.side) <= 0 || outwards(p.box, next.box, exit.side) >= 0)
      )
        continue;
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
    const out = toBorder(b, side, g, width, height);
    return { d: moveTo(d, out), side };
  }

  /**
   * The speed (px per frame) of `p`'s trailing edge towards border `side` since the box it
   * continued (`cameFrom`: of the search before, or bridged over searches that missed it); 0
   * where it continued none, or where at that speed it would not have left within
   * `EXIT_FRAMES`.
   */
  private exitSpeed(p: Detection, frame: number, side: number): number {
    const before = this.cameFrom.get(p);
    if (!before) return 0;
    const speed = outwards(before.d.box, p.box, side) / (frame - before.frame);
    // Too slow to leave within `EXIT_FRAMES`: a box's jitter, not a way out (a plate driving
    // along the border).
    const { width, height } = this.o.frameSize;
    return speed * EXIT_FRAMES >= reachInto(p.box, side, width, height) ? speed : 0;
  }

  /**
   * Frames an untracked object `p` (last found on `frame`) takes to leave through `side`: its
   * far edge's distance to that border over its trailing edge's speed towards it (`exitSpeed`);
   * `holdFrames` where there is none or it is faster.
   */
  private exitFrames(p: Detection, frame: number, side: number): number {
    const speed = this.exitSpeed(p, frame, side);
    const { width, height } = this.o.frameSize;
    const frames = speed > 0 ? Math.ceil(reachInto(p.box, side, width, height) / speed) : 0;
    return Math.max(this.o.holdFrames, frames);
  }
}
