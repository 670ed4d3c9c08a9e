/**
 * Candidate plausibility filters for face detections, prototyped by the face audit. Each takes a
 * detection and the other detections of its image (and the mirrored run's) and says keep or drop.
 * Measured on eval-data/faces (eval-data/README.md, "Face audit"): none pays, so none is in the
 * engine. Both models draw face-shaped landmarks on whatever they box, so geometry drops nothing;
 * the mirror test drops some RetinaFace non-faces but as many real faces.
 */
import type { AuditDet } from './audit.detections.ts';
import { boxArea as area, intersection as inter, iouXyxy } from './metrics.ts';

export interface FilterContext {
  /** All detections of the image at the audit threshold. */
  dets: AuditDet[];
  /** The mirrored image's detections (floor threshold), mapped back. */
  mirrored: AuditDet[];
}

export type Filter = (d: AuditDet, ctx: FilterContext) => boolean;

/** Landmarks in box units: x, y in 0..1 across the box. */
export function landmarkShape(d: AuditDet) {
  const [x1, y1, x2, y2] = d.box;
  const w = x2 - x1;
  const h = y2 - y1;
  const p = d.landmarks.map(([x, y]) => [(x - x1) / w, (y - y1) / h]);
  const [re, le, nose, rm, lm] = p;
  const eyeY = (re[1] + le[1]) / 2;
  const mouthY = (rm[1] + lm[1]) / 2;
  return {
    /** Mouth below eyes, in box heights (a face: about 0.3). */
    eyeToMouth: mouthY - eyeY,
    /** Nose between eyes and mouth: 0 at the eyes, 1 at the mouth. */
    noseAlong: (nose[1] - eyeY) / Math.max(1e-6, mouthY - eyeY),
    /** Eye spacing in box widths, left minus right (a frontal face: about 0.35; mirrored: < 0). */
    eyeSpan: le[0] - re[0],
    mouthSpan: lm[0] - rm[0],
    /** Tilt of the eye line, |dy| / |dx| in pixels. */
    eyeTilt: Math.abs((le[1] - re[1]) * h) / Math.max(1e-6, Math.abs((le[0] - re[0]) * w)),
    aspect: h / w,
  };
}

/** Eyes above mouth (in the box's upright frame), nose not far outside them. */
export const geometry: Filter = (d) => {
  if (d.landmarks.length !== 5) return true;
  const s = landmarkShape(d);
  return s.eyeToMouth > 0.08 && s.noseAlong > -0.5 && s.noseAlong < 1.5;
};

/** Box shape of a face: not much wider than tall, not more than 2.2x as tall as wide. */
export const aspect: Filter = (d) => {
  const s = (d.box[3] - d.box[1]) / Math.max(1e-6, d.box[2] - d.box[0]);
  return s >= 0.7 && s <= 2.2;
};

/** Not lying mostly (>= 60%) inside a bigger (>= 2x area), more confident face. */
export const notInside: Filter = (d, ctx) =>
  !ctx.dets.some(
    (o) =>
      o !== d &&
      o.score >= d.score &&
      area(o.box) >= 2 * area(d.box) &&
      inter(d.box, o.box) >= 0.6 * area(d.box),
  );

/** Weak candidates (under 0.65) must also be found on the mirrored image (IoU >= 0.4). */
export const mirrorAgrees =
  (below = 0.65): Filter =>
  (d, ctx) =>
    d.score >= below || ctx.mirrored.some((m) => iouXyxy(m.box, d.box) >= 0.4);

export const FILTERS: Record<string, Filter> = {
  geometry,
  aspect,
  notInside,
  mirror: mirrorAgrees(0.65),
  'mirror<0.8': mirrorAgrees(0.8),
};

/** Percentiles (2/50/98) of the landmark shape per group of detections, one line per group. */
export function shapeStats(groups: Record<string, AuditDet[]>): string[] {
  const q = (v: number[], p: number) => {
    const s = [...v].sort((a, b) => a - b);
    // A detector without landmarks (Veil's own) has no shapes.
    return s.length ? s[Math.floor(p * (s.length - 1))].toFixed(2) : '-';
  };
  const keys = ['eyeToMouth', 'noseAlong', 'eyeSpan', 'eyeTilt', 'aspect'] as const;
  return Object.entries(groups)
    .filter(([, dets]) => dets.length)
    .map(([name, dets]) => {
      const shapes = dets.filter((d) => d.landmarks.length === 5).map(landmarkShape);
      const cols = keys.map((k) => {
        const v = shapes.map((s) => s[k]);
        return `${k} ${q(v, 0.02)}/${q(v, 0.5)}/${q(v, 0.98)}`;
      });
      const score = `score ${q(
        dets.map((d) => d.score),
        0.5,
      )}`;
      return `${name.slice(0, 28).padEnd(28)} ${String(dets.length).padStart(3)}  ${cols.join('  ')}  ${score}`;
    });
}
