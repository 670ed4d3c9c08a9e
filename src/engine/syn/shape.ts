/** Face shapes as 2D point sets: normalisation for averaging, alignment onto a target. */
import { applyAffine, fitAffine, pullShape, type Vec2 } from './mesh.geometry.ts';

/** Centred on the mean point and scaled to unit RMS radius: position and size removed. */
export function normaliseShape(points: readonly Vec2[]): Vec2[] {
  const n = points.length;
  const cx = points.reduce((s, p) => s + p[0], 0) / n;
  const cy = points.reduce((s, p) => s + p[1], 0) / n;
  const rms = Math.sqrt(points.reduce((s, p) => s + (p[0] - cx) ** 2 + (p[1] - cy) ** 2, 0) / n);
  const k = 1 / Math.max(rms, 1e-9);
  return points.map((p) => [(p[0] - cx) * k, (p[1] - cy) * k]);
}

/**
 * `shape` mapped onto `target` by the least-squares affine fit over `anchors` (default all
 * points): the donor's proportions, placed with the target's position, size, roll and, to
 * first order, its yaw and pitch foreshortening.
 */
export function alignShape(
  shape: readonly Vec2[],
  target: readonly Vec2[],
  anchors?: readonly number[],
): Vec2[] {
  const m = fitAffine(shape, target, anchors);
  return shape.map((p) => applyAffine(m, p));
}

/**
 * Pulls `shape` toward `toward` by `alpha` like `pullShape`, except that each part of `parts`
 * moves as one piece: its centre moves and its width scales toward the donor's, while its
 * own shape (the expression: an open mouth, a closed eye) is kept. Points in `fixed` stay.
 */
export function pullShapeByParts(
  shape: readonly Vec2[],
  toward: readonly Vec2[],
  alpha: number,
  fixed: ReadonlySet<number>,
  parts: readonly (readonly number[])[],
): Vec2[] {
  const out = pullShape(shape, toward, alpha, fixed);
  for (const part of parts) {
    const c = centroid(shape, part);
    const d = centroid(toward, part);
    const k = 1 + (width(toward, part) / Math.max(1e-6, width(shape, part)) - 1) * alpha;
    const cx = c[0] + (d[0] - c[0]) * alpha;
    const cy = c[1] + (d[1] - c[1]) * alpha;
    for (const i of part) {
      if (fixed.has(i)) continue;
      out[i] = [cx + (shape[i][0] - c[0]) * k, cy + (shape[i][1] - c[1]) * k];
    }
  }
  return out;
}

function centroid(points: readonly Vec2[], idx: readonly number[]): Vec2 {
  let x = 0;
  let y = 0;
  for (const i of idx) {
    x += points[i][0];
    y += points[i][1];
  }
  return [x / idx.length, y / idx.length];
}

/** Spread along the part's own long axis (first to farthest point), rotation-free. */
function width(points: readonly Vec2[], idx: readonly number[]): number {
  let best = 0;
  for (const i of idx)
    for (const j of idx)
      best = Math.max(best, Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]));
  return best;
}
