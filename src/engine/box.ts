/** Box geometry shared by decoders, tiling and NMS. Boxes are x2/y2-exclusive pixel boxes. */
import type { Box, Detection, Point } from './types.ts';

export function boxWidth(b: Box): number {
  return Math.max(0, b.x2 - b.x1);
}

export function boxHeight(b: Box): number {
  return Math.max(0, b.y2 - b.y1);
}

/** The longer of a box's two sides (not clamped: a degenerate box gives what it gives). */
export function longerSide(b: Box): number {
  return Math.max(b.x2 - b.x1, b.y2 - b.y1);
}

export function area(b: Box): number {
  return boxWidth(b) * boxHeight(b);
}

export function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union; 0 when either box is empty. */
export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  if (inter === 0) return 0;
  return inter / (area(a) + area(b) - inter);
}

/** Share of `inner` that lies inside `outer` (1 = fully contained). */
export function containment(inner: Box, outer: Box): number {
  const a = area(inner);
  return a === 0 ? 0 : intersection(inner, outer) / a;
}

export function boxFromCenter(cx: number, cy: number, w: number, h: number): Box {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
}

/** Clamp a box into a width x height frame. */
export function clipBox(b: Box, width: number, height: number): Box {
  return {
    x1: Math.min(Math.max(b.x1, 0), width),
    y1: Math.min(Math.max(b.y1, 0), height),
    x2: Math.min(Math.max(b.x2, 0), width),
    y2: Math.min(Math.max(b.y2, 0), height),
  };
}

/** An affine map from one pixel space to another: p' = p * scale + offset. */
export interface Mapping {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

export const identityMapping: Mapping = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };

export function mapPoint(p: Point, m: Mapping): Point {
  return [p[0] * m.scaleX + m.offsetX, p[1] * m.scaleY + m.offsetY];
}

export function mapBox(b: Box, m: Mapping): Box {
  return {
    x1: b.x1 * m.scaleX + m.offsetX,
    y1: b.y1 * m.scaleY + m.offsetY,
    x2: b.x2 * m.scaleX + m.offsetX,
    y2: b.y2 * m.scaleY + m.offsetY,
  };
}

/** Map a detection (box, landmarks, polygon) into another pixel space. */
export function mapDetection(d: Detection, m: Mapping): Detection {
  const out: Detection = { ...d, box: mapBox(d.box, m) };
  if (d.landmarks) out.landmarks = d.landmarks.map((p) => mapPoint(p, m));
  if (d.polygon) out.polygon = d.polygon.map((p) => mapPoint(p, m));
  return out;
}

/** Clip a detection's box and points into the frame, dropping it when nothing is left. */
export function clipDetection(d: Detection, width: number, height: number): Detection | undefined {
  const box = clipBox(d.box, width, height);
  if (area(box) <= 0) return undefined;
  const clipPoint = (p: Point): Point => [
    Math.min(Math.max(p[0], 0), width),
    Math.min(Math.max(p[1], 0), height),
  ];
  const out: Detection = { ...d, box };
  if (d.landmarks) out.landmarks = d.landmarks.map(clipPoint);
  if (d.polygon) out.polygon = d.polygon.map(clipPoint);
  return out;
}

/** `b` grown by `grow` of its size on each side, in place. */
export function grownBox(b: Box, grow: number): Box {
  const gx = (b.x2 - b.x1) * grow;
  const gy = (b.y2 - b.y1) * grow;
  return { x1: b.x1 - gx, y1: b.y1 - gy, x2: b.x2 + gx, y2: b.y2 + gy };
}

/** The smallest box holding both `a` and `b`. */
export function unionBox(a: Box, b: Box): Box {
  return {
    x1: Math.min(a.x1, b.x1),
    y1: Math.min(a.y1, b.y1),
    x2: Math.max(a.x2, b.x2),
    y2: Math.max(a.y2, b.y2),
  };
}

/** The box `t` of the way from `a` to `b` (each edge linearly). */
export function lerpBox(a: Box, b: Box, t: number): Box {
  return {
    x1: a.x1 + (b.x1 - a.x1) * t,
    y1: a.y1 + (b.y1 - a.y1) * t,
    x2: a.x2 + (b.x2 - a.x2) * t,
    y2: a.y2 + (b.y2 - a.y2) * t,
  };
}
