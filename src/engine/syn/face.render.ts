/**
 * Draws a donor face onto a target face mesh, in place, confined to the face's box: the
 * target's inner shape pulled toward the donor's mean shape, the donor texture warped per
 * triangle, recoloured to the target's L*a*b* statistics, and blended through a mask
 * feathered inward from the mesh outline (the mouth opening keeps the original pixels, so
 * teeth and an open mouth stay).
 */
import type { RgbFrame } from '../types.ts';
import { labStats, transferLab, type LabStats } from './colour.transfer.ts';
import type { Donor } from './donor.bank.ts';
import { createWarpTarget, warpTriangles, type Vec2 } from './mesh.geometry.ts';
import { EXPRESSION_PARTS, FACE_OVAL } from './mesh.topology.ts';
import { alignShape, pullShapeByParts } from './shape.ts';
import { roundPixel } from '../round.ts';

const OVAL = new Set(FACE_OVAL);

const FEATURE_POINTS = new Set(EXPRESSION_PARTS.flat());
const split = new WeakMap<readonly number[], { skin: number[]; features: number[] }>();

/**
 * Triangles touching an eye, brow or lip point, and the rest (skin). The outermost ring (on
 * the face outline) is left out: averaged donors are smeared there (hair, ears, background
 * of the source photos), and the feather blends toward the real outline instead.
 */
function splitTriangles(triangles: readonly number[]) {
  let out = split.get(triangles);
  if (!out) {
    out = { skin: [], features: [] };
    for (let t = 0; t + 2 < triangles.length; t += 3) {
      const tri = triangles.slice(t, t + 3);
      if (tri.some((i) => OVAL.has(i))) continue;
      (tri.some((i) => FEATURE_POINTS.has(i)) ? out.features : out.skin).push(...tri);
    }
    split.set(triangles, out);
  }
  return out;
}

/**
 * Drops from `mask` the pixels whose brightness is outside the 10th-90th percentile of the
 * masked ones: strands of hair, shadows, painted dots are not the skin's colour.
 */
export function trimToTypical(rgb: ArrayLike<number>, mask: Uint8Array): void {
  const luma = new Float32Array(mask.length);
  const histogram = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      luma[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
      histogram[roundPixel(luma[i])]++;
      n++;
    }
  if (n < 20) return;
  let acc = 0;
  let lo = 0;
  let hi = 255;
  for (let v = 0; v < 256; v++) {
    const before = acc;
    acc += histogram[v];
    if (before < n * 0.1 && acc >= n * 0.1) lo = v;
    if (before < n * 0.9 && acc >= n * 0.9) hi = v;
  }
  for (let i = 0; i < mask.length; i++) if (mask[i] && (luma[i] < lo || luma[i] > hi)) mask[i] = 0;
}

export interface MeshTopology {
  triangles: readonly number[];
  /** Texture coordinates 0..1 of each point. */
  uv: readonly (readonly [number, number])[];
}

export interface RenderOutcome {
  /** Pixels changed: the region's box in frame pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  trianglesDrawn: number;
}

/** Box blur of a float plane along rows then columns (radius r), in place via a scratch row. */
export function boxBlur(plane: Float32Array, width: number, height: number, r: number): void {
  const tmp = new Float32Array(Math.max(width, height));
  const n = 2 * r + 1;
  /** One line of `len` values `step` apart from `start`: edges clamped, a running sum. */
  const line = (start: number, step: number, len: number) => {
    const at = (i: number) => plane[start + i * step];
    let acc = 0;
    for (let i = -r; i <= r; i++) acc += at(Math.min(len - 1, Math.max(0, i)));
    for (let i = 0; i < len; i++) {
      tmp[i] = acc / n;
      acc += at(Math.min(len - 1, i + r + 1)) - at(Math.max(0, i - r));
    }
    for (let i = 0, o = start; i < len; i++, o += step) plane[o] = tmp[i];
  };
  for (let y = 0; y < height; y++) line(y * width, 1, width);
  for (let x = 0; x < width; x++) line(x, width, height);
}

/**
 * Renders `donor` over the face whose 468-point mesh (frame pixels) is `mesh`. `pull` (0..1)
 * is how far the inner-face geometry moves toward the donor's proportions. `colour` may
 * replace the skin colour statistics measured on this frame (video: smoothed over a track).
 */
export function renderDonorFace(
  frame: RgbFrame,
  mesh: readonly Vec2[],
  donor: Donor,
  topo: MeshTopology,
  pull: number,
  colour: (measured: LabStats) => LabStats = (m) => m,
): RenderOutcome {
  const size = donor.texture.width;
  const uvPts = topo.uv.map(([u, v]) => [u * size, v * size] as Vec2);
  const aligned = alignShape(donor.shape, mesh);
  const shape = pullShapeByParts(mesh, aligned, pull, OVAL, EXPRESSION_PARTS);

  const xs = shape.map((p) => p[0]);
  const ys = shape.map((p) => p[1]);
  const x = Math.max(0, Math.floor(Math.min(...xs)) - 1);
  const y = Math.max(0, Math.floor(Math.min(...ys)) - 1);
  const x2 = Math.min(frame.width, Math.ceil(Math.max(...xs)) + 2);
  const y2 = Math.min(frame.height, Math.ceil(Math.max(...ys)) + 2);
  const width = x2 - x;
  const height = y2 - y;
  if (width < 2 || height < 2) return { x, y, width: 0, height: 0, trianglesDrawn: 0 };

  const target = createWarpTarget(x, y, width, height);
  // Skin triangles first, so their coverage is the mask for colour statistics (eyes, brows,
  // lips and makeup on them would skew the mean).
  const { skin, features } = splitTriangles(topo.triangles);
  let trianglesDrawn = warpTriangles(donor.texture, uvPts, shape, skin, target);
  const skinMask = target.covered.slice();
  trianglesDrawn += warpTriangles(donor.texture, uvPts, shape, features, target);

  const original = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * frame.width + x) * 3;
    original.set(frame.data.subarray(from, from + width * 3), row * width * 3);
  }
  trimToTypical(original, skinMask);
  const from = labStats(target.rgb, skinMask, 2);
  transferLab(target.rgb, target.covered, from, colour(labStats(original, skinMask, 2)));

  // Feather inward: blur the coverage, then map 0.5..1 to 0..1 so nothing outside it shows.
  const faceSize = Math.max(width, height);
  const alpha = Float32Array.from(target.covered);
  boxBlur(alpha, width, height, Math.max(1, Math.round(faceSize * 0.035)));
  const { data } = frame;
  const rgb = target.rgb;
  for (let row = 0, i = 0; row < height; row++) {
    // Row by row: the same pixels and arithmetic as per index, without a division per pixel.
    let o = ((y + row) * frame.width + x) * 3;
    for (let col = 0; col < width; col++, i++, o += 3) {
      const a = Math.min(1, Math.max(0, (alpha[i] - 0.5) * 2));
      if (a === 0) continue;
      const k = i * 3;
      data[o] = roundPixel(data[o] + (rgb[k] - data[o]) * a);
      data[o + 1] = roundPixel(data[o + 1] + (rgb[k + 1] - data[o + 1]) * a);
      data[o + 2] = roundPixel(data[o + 2] + (rgb[k + 2] - data[o + 2]) * a);
    }
  }
  return { x, y, width, height, trianglesDrawn };
}
