/**
 * Coverage masks for the renderers: an ellipse or a polygon, fully covered inside and fading
 * to zero over `feather` pixels outside, rasterised only over the shape's own bounding region.
 */
import { nativeKernels } from '../../native/index.ts';
import type { Point } from '../types.ts';

export interface Ellipse {
  kind: 'ellipse';
  cx: number;
  cy: number;
  /** Semi-axes in pixels. */
  rx: number;
  ry: number;
}

export interface Polygon {
  kind: 'polygon';
  points: Point[];
}

export type Shape = Ellipse | Polygon;

/** Integer pixel rectangle (x + w and y + h exclusive). */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Pixel rectangle covering the shape plus `pad` pixels, clipped to a width x height frame. */
export function shapeRegion(shape: Shape, pad: number, width: number, height: number): Region {
  let x1: number, y1: number, x2: number, y2: number;
  if (shape.kind === 'ellipse') {
    [x1, y1, x2, y2] = [
      shape.cx - shape.rx,
      shape.cy - shape.ry,
      shape.cx + shape.rx,
      shape.cy + shape.ry,
    ];
  } else {
    const xs = shape.points.map((p) => p[0]);
    const ys = shape.points.map((p) => p[1]);
    [x1, y1, x2, y2] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }
  return clipRegion(
    Math.floor(x1 - pad),
    Math.floor(y1 - pad),
    Math.ceil(x2 + pad),
    Math.ceil(y2 + pad),
    width,
    height,
  );
}

export function clipRegion(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  width: number,
  height: number,
): Region {
  const x = Math.max(0, Math.min(width, x1));
  const y = Math.max(0, Math.min(height, y1));
  const w = Math.max(0, Math.min(width, x2) - x);
  const h = Math.max(0, Math.min(height, y2) - y);
  return { x, y, w, h };
}

/** Coverage 1 for distance <= 0 (inside), linear to 0 at `feather` pixels outside. */
function coverage(outsideDistance: number, feather: number): number {
  if (outsideDistance <= 0) return 1;
  if (outsideDistance >= feather) return 0;
  return 1 - outsideDistance / feather;
}

/**
 * Approximate distance outside an ellipse (<= 0 inside): first-order (rho - 1) / |grad rho|,
 * exact on the axes and within a few percent elsewhere, which is plenty for a feather.
 */
export function ellipseOutsideDistance(e: Ellipse, x: number, y: number): number {
  const dx = (x - e.cx) / e.rx;
  const dy = (y - e.cy) / e.ry;
  const rho = Math.sqrt(dx * dx + dy * dy);
  if (rho <= 1) return rho - 1;
  const gx = dx / e.rx;
  const gy = dy / e.ry;
  return ((rho - 1) * rho) / Math.sqrt(gx * gx + gy * gy);
}

export function pointInPolygon(points: Point[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const vx = b[0] - a[0];
  const vy = b[1] - a[1];
  const len2 = vx * vx + vy * vy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a[0]) * vx + (py - a[1]) * vy) / len2));
  const ex = px - (a[0] + t * vx);
  const ey = py - (a[1] + t * vy);
  return Math.sqrt(ex * ex + ey * ey);
}

export function polygonOutsideDistance(points: Point[], x: number, y: number): number {
  if (pointInPolygon(points, x, y)) return 0;
  let best = Infinity;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    best = Math.min(best, distanceToSegment(x, y, points[j], points[i]));
  }
  return best;
}

/**
 * Coverage (0..1) of each pixel of `region` (row-major, region.w x region.h), sampled at pixel
 * centres. Pixels farther than `feather` outside the shape get 0.
 */
export function rasterizeMask(shape: Shape, feather: number, region: Region): Float32Array {
  const f = Math.max(feather, 1e-6);
  if (shape.kind === 'polygon') {
    // The native kernel (src/native/yuv.c): the same floats, several times faster.
    const native = nativeKernels();
    const { x, y, w, h } = region;
    if (native && [x, y, w, h].every(Number.isInteger)) {
      const flat = Float64Array.from(shape.points.flat());
      if (flat.every(Number.isFinite)) {
        const mask = new Float32Array(w * h);
        native.rasterizePolygon(flat, f, x, y, w, h, mask);
        return mask;
      }
    }
    return rasterizePolygon(shape.points, f, region);
  }
  const mask = new Float32Array(region.w * region.h);
  const span: RowSpan = { lo: 0, hi: 0, in1: 0, in2: 0 };
  for (let j = 0; j < region.h; j++) {
    ellipseMaskRow(shape, f, region, j, mask.subarray(j * region.w, (j + 1) * region.w), span);
  }
  return mask;
}

/** Where one row of a mask is covered: [lo, hi) above zero, [in1, in2) fully (may be empty). */
export interface RowSpan {
  lo: number;
  hi: number;
  in1: number;
  in2: number;
}

/**
 * Row `j` of an ellipse's mask over `region` into `out` (region.w values; zero outside the
 * span written to `span`), as `rasterizeMask` computes it.
 */
export function ellipseMaskRow(
  e: Ellipse,
  feather: number,
  region: Region,
  j: number,
  out: Float32Array,
  span: RowSpan,
): void {
  out.fill(0);
  ellipseEdgeRow(e, feather, region, j, out, span);
  if (span.in2 > span.in1) out.fill(1, span.in1, span.in2);
}

/**
 * The part of `ellipseMaskRow` that needs a distance: the row's span (found analytically) goes
 * to `span`, and `out` is written only on [span.lo, span.hi) outside the fully covered
 * [span.in1, span.in2) (and on zero pixels next to it); every other value is left as it was.
 * Readers take 0 outside [lo, hi) and 1 inside [in1, in2).
 */
export function ellipseEdgeRow(
  e: Ellipse,
  feather: number,
  region: Region,
  j: number,
  out: Float32Array,
  span: RowSpan,
): void {
  const f = Math.max(feather, 1e-6);
  span.lo = span.hi = span.in1 = span.in2 = 0;
  const cx = e.cx - region.x - 0.5;
  const y = region.y + j + 0.5;
  // Coverage needs distance < f, and the distance is at least (rho - 1) x the smaller
  // semi-axis: only pixels with rho < outer can be covered.
  const outer = 1 + f / Math.min(e.rx, e.ry);
  const dy = (y - e.cy) / e.ry;
  const dy2 = dy * dy;
  if (dy2 >= outer * outer) return;
  const reach = e.rx * Math.sqrt(outer * outer - dy2);
  const i1 = Math.max(0, Math.floor(cx - reach));
  const i2 = Math.min(region.w - 1, Math.ceil(cx + reach));
  if (i2 < i1) return;
  // Inside the ellipse on this row coverage is 1: only the rest needs a distance.
  const half = dy2 < 1 ? e.rx * Math.sqrt(1 - dy2) : -1;
  const in1 = half < 0 ? i2 + 1 : Math.max(i1, Math.ceil(cx - half));
  const in2 = half < 0 ? i2 : Math.min(i2, Math.floor(cx + half));
  // ellipseOutsideDistance and coverage inlined, the row's terms hoisted (same arithmetic).
  const gy = dy / e.ry;
  const gy2 = gy * gy;
  const { cx: ecx, rx } = e;
  const x0 = region.x;
  let lo = i2 + 1;
  let hi = i1;
  for (let i = i1; i <= i2; i++) {
    if (i === in1 && in2 >= in1) i = in2 + 1;
    if (i > i2) break;
    const dx = (x0 + i + 0.5 - ecx) / rx;
    const rho = Math.sqrt(dx * dx + dy2);
    let a = 1;
    if (rho > 1) {
      const gx = dx / rx;
      const d = ((rho - 1) * rho) / Math.sqrt(gx * gx + gy2);
      a = d >= f ? 0 : 1 - d / f;
    }
    out[i] = a;
    if (a > 0) {
      if (i < lo) lo = i;
      hi = i + 1;
    }
  }
  if (in2 >= in1) {
    span.in1 = in1;
    span.in2 = in2 + 1;
    lo = Math.min(lo, in1);
    hi = Math.max(hi, in2 + 1);
  }
  if (hi > lo) {
    span.lo = lo;
    span.hi = hi;
  }
}

/**
 * Polygon coverage without testing every pixel against every edge: scanline spans give the
 * inside, and each edge only measures distances within `feather` of its own bounding box.
 */
function rasterizePolygon(points: Point[], f: number, region: Region): Float32Array {
  const dist = new Float32Array(region.w * region.h).fill(Infinity);
  for (let e = 0, p = points.length - 1; e < points.length; p = e++) {
    const a = points[p];
    const b = points[e];
    const i1 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - f - region.x));
    const i2 = Math.min(region.w, Math.ceil(Math.max(a[0], b[0]) + f - region.x));
    const j1 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - f - region.y));
    const j2 = Math.min(region.h, Math.ceil(Math.max(a[1], b[1]) + f - region.y));
    for (let j = j1; j < j2; j++) {
      const y = region.y + j + 0.5;
      for (let i = i1; i < i2; i++) {
        const d = distanceToSegment(region.x + i + 0.5, y, a, b);
        if (d < dist[j * region.w + i]) dist[j * region.w + i] = d;
      }
    }
  }
  const mask = new Float32Array(region.w * region.h);
  for (let k = 0; k < mask.length; k++) mask[k] = coverage(dist[k], f);
  const xs: number[] = [];
  for (let j = 0; j < region.h; j++) {
    const y = region.y + j + 0.5;
    xs.length = 0;
    for (let e = 0, p = points.length - 1; e < points.length; p = e++) {
      const [xa, ya] = points[p];
      const [xb, yb] = points[e];
      if (ya > y !== yb > y) xs.push(xa + ((y - ya) * (xb - xa)) / (yb - ya));
    }
    xs.sort((m, n) => m - n);
    for (let s = 0; s + 1 < xs.length; s += 2) {
      // pixel centres strictly inside the span [xs[s], xs[s+1]]
      const i1 = Math.max(0, Math.ceil(xs[s] - 0.5 - region.x));
      const i2 = Math.min(region.w - 1, Math.floor(xs[s + 1] - 0.5 - region.x));
      for (let i = i1; i <= i2; i++) mask[j * region.w + i] = 1;
    }
  }
  return mask;
}

/** Scales a polygon about its centroid (vertex mean), e.g. to add a margin around a plate. */
export function scalePolygon(points: Point[], factor: number): Point[] {
  const cx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const cy = points.reduce((s, p) => s + p[1], 0) / points.length;
  return points.map(([x, y]) => [cx + (x - cx) * factor, cy + (y - cy) * factor]);
}
