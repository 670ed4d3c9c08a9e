/** Non-maximum suppression: keep the best of overlapping boxes. */
import { containment, iou } from './box.ts';
import type { Box } from './types.ts';

export interface Scored {
  box: Box;
  score: number;
}

export interface NmsOptions {
  /** Suppress a box whose IoU with a kept, better box is above this. */
  iou: number;
  /**
   * Also suppress a box lying mostly (this share of its area) inside a kept, better box.
   * Catches halves of objects cut by a tile seam, whose IoU with the whole is low. Default off (> 1).
   */
  containment?: number;
}

/** Greedy NMS, best score first. Returns kept items sorted by descending score; input untouched. */
export function nms<T extends Scored>(items: readonly T[], options: NmsOptions): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  const maxContain = options.containment ?? 2;
  for (const candidate of sorted) {
    const suppressed = kept.some(
      (k) =>
        iou(k.box, candidate.box) > options.iou || containment(candidate.box, k.box) >= maxContain,
    );
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}
