/**
 * Pure geometry of meshing a video track's face without the face detector, the way Human
 * follows a face between detections: the square box the mesh model reads is centred on the
 * previous frame's mesh (at that box's size), turned upright by the mesh's roll, and the
 * model's 468 points are mapped back to image pixels. Formulas as in @vladmandic/human
 * (src/face/facemeshutil.ts, src/face/angles.ts), so the points and angles equal its own.
 */
import type { Vec2 } from './mesh.geometry.ts';

/** Human's square face box in image pixels: x, y, width, height. */
export type MeshBox = [number, number, number, number];

/** Mesh points forming the face's symmetry line (upper lip, between the eyes). */
const SYMMETRY: [number, number] = [13, 168];

const normalizeRadians = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));

/** Roll of the face (radians) from its mesh, as Human turns a face upright before meshing. */
export function rollOf(mesh: readonly (readonly number[])[]): number {
  const [a, b] = [mesh[SYMMETRY[0]], mesh[SYMMETRY[1]]];
  return normalizeRadians(Math.PI / 2 - Math.atan2(-(b[1] - a[1]), b[0] - a[0]));
}

/** Human turns the face upright only beyond this roll (radians). */
export const ROLL_MIN = 0.2;

/** The box to mesh the next frame in: centred on this mesh's extent, `box`'s size. */
export function nextBox(mesh: readonly (readonly number[])[], box: MeshBox): MeshBox {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const p of mesh) {
    x1 = Math.min(x1, p[0]);
    y1 = Math.min(y1, p[1]);
    x2 = Math.max(x2, p[0]);
    y2 = Math.max(y2, p[1]);
  }
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return [cx - box[2] / 2, cy - box[3] / 2, box[2], box[3]];
}

/**
 * The model's raw points (`size` px input, x y z triples) of the face cut from `box` after
 * the image was turned by `roll` around the box centre (only beyond ROLL_MIN), in image
 * pixels; z stays in model units. Points are truncated to whole pixels, as Human does.
 */
export function meshFromRaw(
  raw: ArrayLike<number>,
  box: MeshBox,
  roll: number,
  size: number,
): [number, number, number][] {
  const [bx, by, bw, bh] = box;
  const cx = bx + bw / 2;
  const cy = by + bh / 2;
  const turned = Math.abs(roll) > ROLL_MIN;
  const cos = Math.cos(turned ? roll : 0);
  const sin = Math.sin(turned ? roll : 0);
  const out: [number, number, number][] = [];
  for (let i = 0; i + 2 < raw.length; i += 3) {
    const x = (bw / size) * (raw[i] - size / 2);
    const y = (bh / size) * (raw[i + 1] - size / 2);
    // Turned back by the roll around the box centre.
    out.push([
      Math.trunc(cos * x - sin * y + cx),
      Math.trunc(sin * x + cos * y + cy),
      Math.trunc(raw[i + 2] || 0),
    ]);
  }
  return out;
}

/**
 * Yaw, pitch and roll (radians) of a mesh as Human reports them: axes through the forehead
 * and chin (points 10, 152) and the cheeks (234, 454); `boxSide` is the face box's longer side.
 */
export function faceAngles(
  mesh: readonly (readonly number[])[],
  boxSide: number,
  size: number,
): { yaw: number; pitch: number; roll: number } {
  const s = boxSide / 1.5;
  const pts = [10, 152, 234, 454].map((i) => [mesh[i][0] / s, mesh[i][1] / s, mesh[i][2] / size]);
  const norm = (v: number[]) => {
    const l = Math.hypot(v[0], v[1], v[2]);
    return [v[0] / l, v[1] / l, v[2] / l];
  };
  const sub = (a: number[], b: number[]) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const cross = (a: number[], b: number[]) => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
  const yAxis = norm(sub(pts[1], pts[0]));
  let xAxis = norm(sub(pts[3], pts[2]));
  const zAxis = norm(cross(xAxis, yAxis));
  xAxis = cross(yAxis, zAxis);
  const [r00, r10, r11, r12, r20] = [xAxis[0], yAxis[0], yAxis[1], yAxis[2], zAxis[0]];
  let pitch = 0;
  let yaw = 0;
  let roll = 0;
  if (r10 < 1 && r10 > -1) {
    roll = Math.atan2(r10, Math.sqrt(r00 * r00 + r20 * r20));
    yaw = Math.atan2(-r20, r00);
    pitch = Math.atan2(-r12, r11);
  } else {
    roll = (Math.sign(r10) * Math.PI) / 2;
    yaw = Math.sign(r10) * Math.atan2(zAxis[1], zAxis[2]);
  }
  const fix = (v: number) => (Number.isNaN(v) ? 0 : -v);
  return { pitch: fix(pitch), yaw: fix(yaw), roll: fix(roll) };
}

/** Mesh points (x, y) only. */
export const flat = (mesh: readonly (readonly number[])[]): Vec2[] => mesh.map((p) => [p[0], p[1]]);
