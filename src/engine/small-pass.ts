/**
 * The pure steps of a small-face pass (an enlarged copy whose extra faces must beat a raised
 * threshold): enlarged noise looks like small faces, so such a pass is asked for t + (1 - t) x
 * `raise` and its scores s are reported as (s - raise) / (1 - raise), which is the same test
 * against t. The score carries the raise, not only the call's threshold: video asks for weak
 * detections (to continue tracks) and starts tracks at the user's threshold, so a small-pass
 * score must mean what a main-pass score means.
 */
import { boxHeight, boxWidth, clipDetection, containment, mapDetection } from './box.ts';
import { nms } from './nms.ts';
import { cropRgb } from './preprocess.ts';
import type { DetectHints } from './region.detector.ts';
import type { Box, Detection, RgbFrame } from './types.ts';

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

/** A small-face pass on the picture enlarged by a factor (RetinaFace's and YuNet's settings). */
export interface EnlargedPass {
  /** Enlargement (1: none): small faces are found far more often at a larger size. */
  upscale: number;
  /** The pass runs only while the enlarged picture's longer side stays within this. */
  upscaleMaxSide: number;
  /** Faces kept from it: longer side under this (image px). */
  upscaleKeepPx: number;
  /** The threshold it must beat, t + (1 - t) x this (see above). */
  upscaleRaise: number;
}

/** Runs the model on `picture` resampled to width x height at a threshold: faces in those pixels. */
export type PicturePass = (
  picture: RgbFrame,
  width: number,
  height: number,
  minScore: number,
) => Promise<Detection[]>;

/**
 * The enlarged pass's faces on `rect` of `image` (the image itself when the rectangle is all of
 * it, else a crop): image px, only those under `upscaleKeepPx`, scores lowered by the raise.
 */
async function enlargedFaces(
  image: RgbFrame,
  rect: Rect,
  minScore: number,
  p: EnlargedPass,
  pass: PicturePass,
): Promise<Detection[]> {
  const whole = rect.x === 0 && rect.y === 0 && rect.w === image.width && rect.h === image.height;
  const part = whole ? image : cropRgb(image, rect.x, rect.y, rect.w, rect.h);
  const w = Math.round(rect.w * p.upscale);
  const h = Math.round(rect.h * p.upscale);
  const back = { scaleX: rect.w / w, scaleY: rect.h / h, offsetX: rect.x, offsetY: rect.y };
  const found = await pass(part, w, h, smallPassThreshold(minScore, p.upscaleRaise));
  return fromSmallPass(
    found.map((f) => mapDetection(f, back)),
    p.upscaleRaise,
    p.upscaleKeepPx,
  );
}

/** `found` and the enlarged faces merged: one of each face (NMS), no part inside a whole one. */
function mergeEnlarged(found: Detection[], small: Detection[], nmsIou: number): Detection[] {
  return nms([...found, ...small], { iou: nmsIou, containment: 0.7 });
}

/**
 * `found` (the main pass, image px) with the faces of an enlarged pass over the whole picture
 * merged in, when the enlarged picture stays within `upscaleMaxSide`.
 */
export async function withEnlargedPass(
  image: RgbFrame,
  found: Detection[],
  minScore: number,
  p: EnlargedPass,
  nmsIou: number,
  pass: PicturePass,
): Promise<Detection[]> {
  if (p.upscale <= 1 || Math.max(image.width, image.height) * p.upscale > p.upscaleMaxSide) {
    return found;
  }
  const all = { x: 0, y: 0, w: image.width, h: image.height };
  return mergeEnlarged(found, await enlargedFaces(image, all, minScore, p, pass), nmsIou);
}

/** Video frames: where the enlarged pass looks instead of the whole picture. */
export interface PassWindows {
  regional: RegionalPass;
  /** Boxes (image px) where face tracks too small for the main pass are expected. */
  tracked: readonly Box[];
  /** Windows over `maxShare`: the whole picture (true) or windows capped at `capShare`. */
  allowWhole: boolean;
  /**
   * With the whole picture: the windows around `tracked` run too (RetinaFace runs its whole
   * picture in 8 bits and those windows in float, `floatSmallPass`).
   */
  trackedAgain?: boolean;
}

/** The windows a detector with `regional` settings uses for this call (video frames only). */
export function passWindows(
  regional: RegionalPass | undefined,
  hints: DetectHints | undefined,
  trackedAgain = false,
): PassWindows | undefined {
  if (!hints?.sequence || !regional || regional.proposeScore <= 0) return undefined;
  return {
    regional,
    tracked: hints.smallFaces ?? [],
    allowWhole: hints.smallPassWhole !== false,
    trackedAgain,
  };
}

/**
 * A face detector's whole `detect`: `pass` at the image's own size, the enlarged pass merged in
 * when `enlarged` (over `windows` when given, else the whole picture), boxes clipped to the
 * image (RetinaFace's and YuNet's).
 */
export async function detectWithEnlargedPass(
  image: RgbFrame,
  minScore: number,
  enlarged: boolean,
  p: EnlargedPass,
  nmsIou: number,
  pass: PicturePass,
  windows?: PassWindows,
): Promise<Detection[]> {
  let found: Detection[];
  if (enlarged && windows) found = await withWindows(image, minScore, p, windows, nmsIou, pass);
  else {
    found = await pass(image, image.width, image.height, minScore);
    if (enlarged) found = await withEnlargedPass(image, found, minScore, p, nmsIou, pass);
  }
  return found.flatMap((f) => clipDetection(f, image.width, image.height) ?? []);
}

/**
 * The enlarged pass over parts of a video frame only: where the main pass saw something small,
 * even far below the threshold, or where the tracker expects a small face. On the test-pattern
 * small-face clips of `scripts/eval-video.ts` the main pass at 0.01 proposed 99% of the faces
 * that the whole-frame enlarged pass added (0.05: 90%), with windows over a sixth of the frame.
 */
export interface RegionalPass {
  /** Main-pass detections scoring at least this propose a window (0: whole frames only). */
  proposeScore: number;
  /** A face the main pass found at the threshold proposes a window only under this size (px). */
  settledPx: number;
  /** A window reaches this many times the box's longer side beyond it, and at least `minMargin` px. */
  margin: number;
  minMargin: number;
  /** Windows are merged on a grid of cells this many px wide (the model's largest stride). */
  cell: number;
  /**
   * Windows covering more than this share of the picture: the whole picture instead, where
   * allowed (`PassWindows.allowWhole`), else windows capped at `capShare`.
   */
  maxShare: number;
  /**
   * Where the whole picture is not allowed (`PassWindows.allowWhole` false): the windows around
   * the tracked boxes, then those around proposals by falling score while all stay within this
   * share of the picture.
   */
  capShare: number;
}

/**
 * Proposals down to 0.01, windows of a box's size beyond it: measured on the eval-video clips
 * for RetinaFace and YuNet (src/media/video/README.md, "Windowed small-face passes").
 */
export const DEFAULT_REGIONAL: RegionalPass = {
  proposeScore: 0.01,
  settledPx: 32,
  margin: 1,
  minMargin: 24,
  cell: 32,
  maxShare: 0.5,
  capShare: 0.25,
};

/** A rectangle of whole pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The rectangles (image px, on `cell` boundaries, inside the image) that cover a window around
 * each box: the cells they touch, grouped into 4-connected regions, one bounding rectangle
 * each. Null when those cover more than `maxShare` of the image (the whole image is cheaper
 * than many parts); empty without boxes.
 */
export function enlargedRegions(
  boxes: readonly Box[],
  width: number,
  height: number,
  r: RegionalPass,
): Rect[] | null {
  const gw = Math.ceil(width / r.cell);
  const gh = Math.ceil(height / r.cell);
  const grid = new Int32Array(gw * gh);
  for (const b of boxes) {
    const m = Math.max(r.minMargin, r.margin * Math.max(boxWidth(b), boxHeight(b)));
    const x0 = Math.max(0, Math.floor((b.x1 - m) / r.cell));
    const y0 = Math.max(0, Math.floor((b.y1 - m) / r.cell));
    const x1 = Math.min(gw, Math.ceil((b.x2 + m) / r.cell));
    const y1 = Math.min(gh, Math.ceil((b.y2 + m) / r.cell));
    for (let y = y0; y < y1; y++) grid.fill(-1, y * gw + x0, y * gw + Math.max(x0, x1));
  }
  const rects: Rect[] = [];
  let area = 0;
  const stack: number[] = [];
  for (let start = 0; start < grid.length; start++) {
    if (grid[start] !== -1) continue;
    // One 4-connected region of marked cells: its bounding rectangle.
    let [cx0, cy0, cx1, cy1] = [gw, gh, 0, 0];
    grid[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % gw;
      const y = (i - x) / gw;
      [cx0, cy0, cx1, cy1] = [
        Math.min(cx0, x),
        Math.min(cy0, y),
        Math.max(cx1, x),
        Math.max(cy1, y),
      ];
      for (const [nx, ny] of [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ]) {
        const j = ny * gw + nx;
        if (nx >= 0 && ny >= 0 && nx < gw && ny < gh && grid[j] === -1) {
          grid[j] = 1;
          stack.push(j);
        }
      }
    }
    const x = cx0 * r.cell;
    const y = cy0 * r.cell;
    const rect = {
      x,
      y,
      w: Math.min(width, (cx1 + 1) * r.cell) - x,
      h: Math.min(height, (cy1 + 1) * r.cell) - y,
    };
    rects.push(rect);
    area += rect.w * rect.h;
  }
  return area > r.maxShare * width * height ? null : rects;
}

/**
 * The main pass down to `proposeScore`, then the enlarged pass over windows around every
 * detection under `upscaleKeepPx` below the threshold (under `settledPx` at it) and around the
 * `tracked` boxes, each window enlarged and run on its own; when the windows cover most of it,
 * the whole picture enlarged where `allowWhole`, else `cappedRegions`.
 */
async function withWindows(
  image: RgbFrame,
  minScore: number,
  p: EnlargedPass,
  { regional: r, tracked, allowWhole, trackedAgain }: PassWindows,
  nmsIou: number,
  pass: PicturePass,
): Promise<Detection[]> {
  const all = await pass(image, image.width, image.height, Math.min(minScore, r.proposeScore));
  const found = all.filter((f) => f.score >= minScore - 1e-9);
  const longer = (b: Box) => Math.max(boxWidth(b), boxHeight(b));
  // Found at the threshold and this large, a face needs no second look.
  const proposals = all.filter(
    (f) => longer(f.box) < (f.score >= minScore ? r.settledPx : p.upscaleKeepPx),
  );
  let rects = enlargedRegions(
    [...proposals.map((f) => f.box), ...tracked],
    image.width,
    image.height,
    r,
  );
  if (rects === null && allowWhole) {
    const whole = await withEnlargedPass(image, found, minScore, p, nmsIou, pass);
    if (!trackedAgain || tracked.length === 0) return whole;
    rects = everyRegion(tracked, image.width, image.height, r);
    return mergeEnlarged(whole, await windowFaces(image, rects, minScore, p, pass), nmsIou);
  }
  rects ??= cappedRegions(proposals, found, tracked, image.width, image.height, r);
  return mergeEnlarged(found, await windowFaces(image, rects, minScore, p, pass), nmsIou);
}

/** The enlarged pass's faces on each of `rects`, one run each. */
async function windowFaces(
  image: RgbFrame,
  rects: readonly Rect[],
  minScore: number,
  p: EnlargedPass,
  pass: PicturePass,
): Promise<Detection[]> {
  const small: Detection[] = [];
  for (const rect of rects) small.push(...(await enlargedFaces(image, rect, minScore, p, pass)));
  return small;
}

/** `enlargedRegions` around `boxes` however much of the picture they cover. */
function everyRegion(
  boxes: readonly Box[],
  width: number,
  height: number,
  r: RegionalPass,
): Rect[] {
  return enlargedRegions(boxes, width, height, { ...r, maxShare: Infinity })!;
}

/**
 * Windows within `capShare` of the picture: around every `tracked` box, then around the
 * proposals by falling score, each kept only while the windows stay within the share. A
 * proposal lying mostly (half its area) inside a face already found at the threshold is left
 * out: whatever the pass found there would lie under that face's cover.
 */
export function cappedRegions(
  proposals: readonly Detection[],
  found: readonly Detection[],
  tracked: readonly Box[],
  width: number,
  height: number,
  r: RegionalPass,
): Rect[] {
  const capped = { ...r, maxShare: r.capShare };
  const inside = (b: Box) => found.some((f) => f.box !== b && containment(b, f.box) >= 0.5);
  const boxes = [...tracked];
  let rects = everyRegion(boxes, width, height, r);
  for (const f of [...proposals].sort((a, b) => b.score - a.score)) {
    if (inside(f.box)) continue;
    const more = enlargedRegions([...boxes, f.box], width, height, capped);
    if (more === null) continue;
    boxes.push(f.box);
    rects = more;
  }
  return rects;
}
