/**
 * Detection metrics for `npm run eval`: greedy IoU matching by score, recall,
 * precision, false positives per image, recall by object size. Pure code.
 */
import type { Xyxy } from './dataset.ts';

export type { Xyxy };

export interface ScoredBox {
  box: Xyxy;
  score: number;
}

export interface TruthBox {
  box: Xyxy;
  ignore?: boolean;
}

export interface ImageMatch {
  /** Per ground-truth box: matched by a detection. */
  matched: boolean[];
  truePositives: number;
  falsePositives: number;
  /** Detections that landed on an ignored box: neither right nor wrong. */
  neutral: number;
  /** Per detection: the truth box it took, -1 false, -2 on an ignored box. */
  byDet: number[];
}

export function iouXyxy(a: Xyxy, b: Xyxy): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * 'iou': IoU >= minIou. 'iou-or-inside' also accepts a detection lying inside the truth
 * box (>= 70% of it) and covering at least 10% of it: the face sets' boxes often take in
 * hair and ears while detectors box the face tightly, so a correct, covering detection
 * can fall under IoU 0.3.
 */
export type MatchRule = 'iou' | 'iou-or-inside';

export const boxArea = (b: Xyxy): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

/** Area of the overlap of two boxes (0 when apart). */
export function intersection(a: Xyxy, b: Xyxy): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

export function liesInside(det: Xyxy, truth: Xyxy): boolean {
  const inter = intersection(det, truth);
  if (inter <= 0) return false;
  return inter / boxArea(det) >= 0.7 && boxArea(det) / boxArea(truth) >= 0.1;
}

/**
 * Highest score first, each detection takes the unmatched, demanded box it
 * overlaps most (IoU >= minIou); failing that, one overlapping an ignored box
 * makes it neutral (ignored boxes may absorb several); otherwise it is a false positive.
 */
export function matchImage(
  dets: ScoredBox[],
  truth: TruthBox[],
  minIou: number,
  rule: MatchRule = 'iou',
): ImageMatch {
  const order = dets.map((_, i) => i).sort((a, b) => dets[b].score - dets[a].score);
  const matched = truth.map(() => false);
  const byDet = dets.map(() => -1);
  let truePositives = 0;
  let falsePositives = 0;
  let neutral = 0;
  for (const d of order) {
    let best = -1;
    let bestIou = minIou;
    let hitsIgnored = false;
    truth.forEach((t, g) => {
      let o = iouXyxy(dets[d].box, t.box);
      // A detection inside a looser truth box counts, ranked below any IoU match.
      if (o < minIou && rule === 'iou-or-inside' && liesInside(dets[d].box, t.box)) o = minIou;
      if (o < minIou) return;
      if (t.ignore) hitsIgnored = true;
      else if (!matched[g] && o >= bestIou) {
        best = g;
        bestIou = o;
      }
    });
    if (best >= 0) {
      matched[best] = true;
      byDet[d] = best;
      truePositives++;
    } else if (hitsIgnored) {
      byDet[d] = -2;
      neutral++;
    } else falsePositives++;
  }
  return { matched, truePositives, falsePositives, neutral, byDet };
}

/** Size of a box for bucketing: its longer side in pixels. */
export function boxSize(b: Xyxy): number {
  return Math.max(b[2] - b[0], b[3] - b[1]);
}

export interface SizeBucket {
  name: string;
  /** Inclusive lower bound, exclusive upper bound, in pixels. */
  min: number;
  max: number;
}

export const FACE_SIZE_BUCKETS: SizeBucket[] = [
  { name: '<16', min: 0, max: 16 },
  { name: '16-64', min: 16, max: 64 },
  { name: '>64', min: 64, max: Infinity },
];

export function bucketOf(b: Xyxy, buckets: SizeBucket[]): string {
  const s = boxSize(b);
  return buckets.find((k) => s >= k.min && s < k.max)?.name ?? 'other';
}

export interface Tally {
  truth: number;
  found: number;
}

export interface Summary {
  images: number;
  truth: number;
  found: number;
  truePositives: number;
  falsePositives: number;
  recall: number;
  precision: number;
  falsePositivesPerImage: number;
  /** Recall per size bucket, over demanded boxes only. */
  bySize: Record<string, Tally & { recall: number }>;
}

const ratio = (a: number, b: number): number => (b === 0 ? NaN : a / b);

/** Sums per-image matches into recall/precision; ignored boxes count nowhere. */
export function summarize(
  images: { truth: TruthBox[]; match: ImageMatch }[],
  buckets: SizeBucket[] = FACE_SIZE_BUCKETS,
): Summary {
  const bySize: Record<string, Tally> = Object.fromEntries(
    buckets.map((b) => [b.name, { truth: 0, found: 0 }]),
  );
  let truth = 0;
  let found = 0;
  let truePositives = 0;
  let falsePositives = 0;
  for (const { truth: boxes, match } of images) {
    truePositives += match.truePositives;
    falsePositives += match.falsePositives;
    boxes.forEach((t, g) => {
      if (t.ignore) return;
      const k = bySize[bucketOf(t.box, buckets)];
      truth++;
      if (k) k.truth++;
      if (match.matched[g]) {
        found++;
        if (k) k.found++;
      }
    });
  }
  return {
    images: images.length,
    truth,
    found,
    truePositives,
    falsePositives,
    recall: ratio(found, truth),
    precision: ratio(truePositives, truePositives + falsePositives),
    falsePositivesPerImage: ratio(falsePositives, images.length),
    bySize: Object.fromEntries(
      Object.entries(bySize).map(([k, v]) => [k, { ...v, recall: ratio(v.found, v.truth) }]),
    ),
  };
}
