/**
 * Cut-off cross-validation (used by plate-cut-cv.ts and plate-vehicle-gate.ts): over seeded
 * random halvings of the photos, the highest cut-off whose recall reaches 0.95 on one half,
 * and the other half's recall and precision at it.
 */
import { mulberry32 } from '../../src/engine/mulberry32.ts';
import type { AuditDet } from './audit.detections.ts';
import { matchImage, summarize, type TruthBox } from './metrics.ts';

export type HalfScore = (
  photos: readonly string[],
  cut: number,
) => {
  recall: number;
  precision: number;
};

/**
 * Strict recall and precision (IoU >= 0.3, `matchImage` as `npm run eval`) over the named photos
 * of the detections scoring at least the cut, `dets` giving each photo's detections.
 */
export function auditScore(
  truth: ReadonlyMap<string, TruthBox[]>,
  dets: (name: string) => readonly AuditDet[],
): HalfScore {
  return (photos, cut) =>
    summarize(
      photos.map((name) => {
        const boxes = truth.get(name) ?? [];
        const kept = dets(name).filter((d) => d.score >= cut);
        return { truth: boxes, match: matchImage(kept, boxes, 0.3) };
      }),
    );
}

/** The cut-offs a halving may pick: from the audit's floor up to 0.9 in steps of 0.005. */
export function cutsFrom(floor: number): number[] {
  return Array.from({ length: 121 }, (_, i) => floor + 0.005 * i).filter((t) => t <= 0.9);
}

/** One row per halving: [cut chosen, other half's recall, other half's precision]. */
export function halvings(
  names: readonly string[],
  cuts: readonly number[],
  score: HalfScore,
  rounds: number,
  seed: number,
): Array<[number, number, number]> {
  const next = mulberry32(seed);
  const rows: Array<[number, number, number]> = [];
  for (let r = 0; r < rounds; r++) {
    const order = [...names];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const half = Math.floor(order.length / 2);
    const [pick, check] = [order.slice(0, half), order.slice(half)];
    const reach = cuts.filter((t) => score(pick, t).recall >= 0.95);
    const t = reach.length > 0 ? Math.max(...reach) : cuts[0];
    const other = score(check, t);
    rows.push([t, other.recall, other.precision]);
  }
  return rows;
}

/** Share of halvings whose other half reaches recall 0.95 and precision 0.9. */
export function bothBars(rows: ReadonlyArray<[number, number, number]>): number {
  return (
    rows.filter(([, recall, precision]) => recall >= 0.95 && precision >= 0.9).length / rows.length
  );
}
