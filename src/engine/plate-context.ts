/**
 * Vehicle context for plates (pure): on a photo, a plate candidate under `keep` counts only
 * where its centre lies in a car, motorcycle, bus or truck (`vehicle.detector.ts`), its box
 * grown by `grow` of its size each side. Signs, badges, shop and T-shirt lettering are the
 * detector's false plates; plates sit on vehicles. Confident plates (a plate held in a hand, a
 * close crop without its car) pass on their score. Measured on eval-data/plates at the default
 * 0.5 (`scripts/eval/plate-vehicle-gate.ts`): recall 0.958 at precision 0.901 -> 0.944;
 * demanding a vehicle for every plate cost recall (0.958 -> 0.901), hence `keep`.
 */
import { boxHeight, boxWidth, containment } from './box.ts';
import type { Box, Detection } from './types.ts';

export const PLATE_CONTEXT = {
  /** Plates at or above this score need no vehicle. */
  keep: 0.7,
  /** Vehicles at or above this CenterNet score count. */
  vehicleScore: 0.2,
  /** A vehicle's box grown by this share of its size each side. */
  grow: 0.1,
};

/** Whether some plate of `dets` needs a vehicle to be kept. */
export function needsVehicles(dets: readonly Detection[], keep = PLATE_CONTEXT.keep): boolean {
  return dets.some((d) => d.cls === 'plate' && d.score < keep);
}

/** Whether the centre of `b` lies in one of `vehicles`, each grown by `grow`. */
export function inVehicle(b: Box, vehicles: readonly Box[], grow = PLATE_CONTEXT.grow): boolean {
  const cx = (b.x1 + b.x2) / 2;
  const cy = (b.y1 + b.y2) / 2;
  return vehicles.some((v) => {
    const gx = grow * boxWidth(v);
    const gy = grow * boxHeight(v);
    return cx >= v.x1 - gx && cx <= v.x2 + gx && cy >= v.y1 - gy && cy <= v.y2 + gy;
  });
}

/** `dets` without the plates under `keep` that lie in no vehicle; faces untouched. */
export function gatePlates(
  dets: readonly Detection[],
  vehicles: readonly Box[],
  rules = PLATE_CONTEXT,
): Detection[] {
  return dets.filter(
    (d) => d.cls !== 'plate' || d.score >= rules.keep || inVehicle(d.box, vehicles, rules.grow),
  );
}

/**
 * `dets` without the plates that hold a face: a face at `faceScore` or more lying at least
 * `inside` within a plate's box. No plate is larger than a face and around it, so such a box is
 * the detector's error (the far-plate weights box a face crop over ffmpeg's test pattern as a
 * 330x440 plate, src/media/video/README.md). A plate inside a face's box is kept: a car's front
 * taken for a face keeps its plate.
 */
export function platesOffFaces(
  dets: readonly Detection[],
  faceScore: number,
  inside = 0.7,
): Detection[] {
  const faces = dets.filter((d) => d.cls === 'face' && d.score >= faceScore);
  return dets.filter(
    (d) => d.cls !== 'plate' || !faces.some((f) => containment(f.box, d.box) >= inside),
  );
}
