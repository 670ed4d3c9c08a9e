/**
 * Pure steps of the text-based plate fallback: a PP-OCR text probability map becomes text boxes
 * (connected components, grown back to the text's size as PaddleOCR's "unclip" does), boxes on
 * one line are merged, then grown to plate proportions and filtered by plate-like shape and size.
 */
import { unionBox } from './box.ts';
import type { Box } from './types.ts';

export interface Component {
  /** Pixel bounds, x2/y2 exclusive. */
  box: Box;
  /** Pixels in the component. */
  area: number;
  /** Mean probability over its pixels. */
  meanProb: number;
}

/**
 * 8-connected components of the pixels whose probability is at least `threshold`
 * (PaddleOCR uses 0.3). Components under `minArea` pixels are dropped.
 */
export function labelComponents(
  prob: Float32Array,
  width: number,
  height: number,
  threshold: number,
  minArea = 4,
): Component[] {
  if (prob.length < width * height) throw new RangeError('probability map smaller than its size');
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const out: Component[] = [];
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || prob[start] < threshold) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let area = 0;
    let sum = 0;
    let x1 = width;
    let y1 = height;
    let x2 = 0;
    let y2 = 0;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const y = (i - x) / width;
      area++;
      sum += prob[i];
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (seen[j] || prob[j] < threshold) continue;
          seen[j] = 1;
          stack[top++] = j;
        }
      }
    }
    if (area >= minArea) {
      out.push({ box: { x1, y1, x2: x2 + 1, y2: y2 + 1 }, area, meanProb: sum / area });
    }
  }
  return out;
}

/**
 * The text box around a shrunk text kernel: PaddleOCR's DB head predicts text shrunk by
 * area x (1 - 0.4^2) / perimeter; it is grown back by area x ratio / perimeter (ratio 1.5).
 */
export function unclip(box: Box, ratio = 1.5): Box {
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const d = (w * h * ratio) / (2 * (w + h));
  return { x1: box.x1 - d, y1: box.y1 - d, x2: box.x2 + d, y2: box.y2 + d };
}

export interface TextBox {
  box: Box;
  score: number;
}

/**
 * Merge text boxes that sit on one line (words of one plate: "AB 123 CD"): similar height,
 * mostly overlapping vertically, horizontal gap under `maxGap` x their height. The merged score
 * is the area-weighted mean.
 */
export function mergeLines(boxes: readonly TextBox[], maxGap = 0.8): TextBox[] {
  // Weights are the areas of the original boxes, so the gaps between words do not count.
  const items = boxes.map((b) => ({ box: { ...b.box }, score: b.score, weight: boxArea(b.box) }));
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        if (!sameLine(items[i].box, items[j].box, maxGap)) continue;
        const a = items[i];
        const b = items[j];
        const weight = a.weight + b.weight;
        items[i] = {
          box: unionBox(a.box, b.box),
          score: weight > 0 ? (a.score * a.weight + b.score * b.weight) / weight : a.score,
          weight,
        };
        items.splice(j, 1);
        merged = true;
        break outer;
      }
    }
  }
  return items.map(({ box, score }) => ({ box, score }));
}

function boxArea(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function sameLine(a: Box, b: Box, maxGap: number): boolean {
  const ha = a.y2 - a.y1;
  const hb = b.y2 - b.y1;
  if (Math.max(ha, hb) > 1.5 * Math.min(ha, hb)) return false;
  const overlapY = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (overlapY < 0.6 * Math.min(ha, hb)) return false;
  const gap = Math.max(a.x1, b.x1) - Math.min(a.x2, b.x2);
  return gap <= maxGap * Math.max(ha, hb);
}

export interface PlateShape {
  /**
   * Smallest width / height of the text line itself: plate text is a row of several characters;
   * single near-square blobs (emblems, one letter, a mouth) are not plates.
   */
  minTextAspect: number;
  /** Plate margin around the text, as a fraction of the text height, each side. */
  padX: number;
  padY: number;
  /** Allowed plate width / height. */
  minAspect: number;
  maxAspect: number;
  /** Smallest text height in image pixels (smaller text cannot be read, nor found reliably). */
  minTextPx: number;
  /** Largest plate relative to the image (a plate never fills a photo of a car). */
  maxWidthFrac: number;
  maxHeightFrac: number;
}

export const DEFAULT_PLATE_SHAPE: PlateShape = {
  minTextAspect: 1.2,
  padX: 0.3,
  padY: 0.15,
  minAspect: 1.0,
  maxAspect: 7,
  minTextPx: 5,
  maxWidthFrac: 0.6,
  maxHeightFrac: 0.4,
};

/** The plate box around a line of text, or undefined when the shape is not plate-like. */
export function plateFromText(
  text: Box,
  imageWidth: number,
  imageHeight: number,
  shape: PlateShape = DEFAULT_PLATE_SHAPE,
): Box | undefined {
  const th = text.y2 - text.y1;
  if (th < shape.minTextPx || text.x2 - text.x1 < shape.minTextAspect * th) return undefined;
  const box = {
    x1: text.x1 - shape.padX * th,
    y1: text.y1 - shape.padY * th,
    x2: text.x2 + shape.padX * th,
    y2: text.y2 + shape.padY * th,
  };
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const aspect = w / h;
  if (aspect < shape.minAspect || aspect > shape.maxAspect) return undefined;
  if (w > shape.maxWidthFrac * imageWidth || h > shape.maxHeightFrac * imageHeight) {
    return undefined;
  }
  return box;
}

/**
 * Veil score (0..1, compared with `lp_threshold`) from the mean text probability of a box:
 * piecewise linear through 0 -> 0, `cut` -> 0.5, 1 -> 1, so the API default 0.5 keeps what
 * scores at least `cut` (PaddleOCR's own box threshold is 0.6).
 */
export function plateScoreFromText(meanProb: number, cut = 0.6): number {
  const p = Math.min(1, Math.max(0, meanProb));
  return p <= cut ? (0.5 * p) / cut : 0.5 + (0.5 * (p - cut)) / (1 - cut);
}

/** A plate found from a line of text: the line and the plate box grown around it. */
export interface LinePlate {
  text: Box;
  plate: Box;
}

/**
 * Lines of smaller text just above or below a plate's own line (a state name, a dealer's frame,
 * the top row of a two-row plate) are part of that plate: each is merged into the plate of its
 * larger neighbour instead of standing as a plate of its own. A line is secondary when its text
 * is under `maxHeightRatio` of the neighbour's, they overlap horizontally by at least `minOverlap`
 * of the narrower line, and the vertical gap is under `maxGap` x the neighbour's text height.
 * Returns, per input, the index of the plate it was merged into (itself when it stands alone);
 * merged plates are the union of their members' plate boxes.
 */
export function absorbSecondaryLines(
  items: readonly LinePlate[],
  maxHeightRatio = 0.8,
  minOverlap = 0.3,
  maxGap = 0.5,
): { owner: number[]; plates: Box[] } {
  const height = (b: Box): number => b.y2 - b.y1;
  const order = items
    .map((_, i) => i)
    .sort((a, b) => height(items[b].text) - height(items[a].text));
  const owner = items.map((_, i) => i);
  const plates = items.map((it) => ({ ...it.plate }));
  for (const i of order) {
    if (owner[i] !== i) continue;
    const big = items[i].text;
    for (const j of order) {
      if (j === i || owner[j] !== j) continue;
      const small = items[j].text;
      if (height(small) >= maxHeightRatio * height(big)) continue;
      const overlap = Math.min(big.x2, small.x2) - Math.max(big.x1, small.x1);
      const narrower = Math.min(big.x2 - big.x1, small.x2 - small.x1);
      if (overlap < minOverlap * narrower) continue;
      const gap = Math.max(big.y1, small.y1) - Math.min(big.y2, small.y2);
      if (gap > maxGap * height(big)) continue;
      owner[j] = i;
      const p = plates[i];
      const q = items[j].plate;
      plates[i] = unionBox(p, q);
    }
  }
  return { owner, plates };
}
