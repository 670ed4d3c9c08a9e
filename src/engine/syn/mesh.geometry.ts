/**
 * Pure geometry of mesh warping: piecewise-affine triangle warps with bilinear sampling,
 * least-squares affine alignment of point sets, and pulling one shape toward another.
 */
import { nativeKernels } from '../../native/index.ts';

export type Vec2 = [number, number];

/** An RGB image (interleaved, 8-bit) to sample from. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A rectangular window of a destination image, with float RGB and a coverage flag per pixel. */
export interface WarpTarget {
  x: number;
  y: number;
  width: number;
  height: number;
  /** RGB floats, width*height*3. */
  rgb: Float32Array;
  /** 1 where a triangle drew the pixel. */
  covered: Uint8Array;
}

export function createWarpTarget(x: number, y: number, width: number, height: number): WarpTarget {
  return {
    x,
    y,
    width,
    height,
    rgb: new Float32Array(width * height * 3),
    covered: new Uint8Array(width * height),
  };
}

/** Twice the signed area of triangle abc (positive when counter-clockwise in y-down pixels). */
export function signedArea2(a: Vec2, b: Vec2, c: Vec2): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
}

/** Bilinear sample of `img` at (x, y) in pixel-centre coordinates, clamped at the border. */
export function sampleBilinear(img: RgbImage, x: number, y: number, out: Float32Array, o: number) {
  const fx = Math.min(Math.max(x - 0.5, 0), img.width - 1);
  const fy = Math.min(Math.max(y - 0.5, 0), img.height - 1);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, img.width - 1);
  const y1 = Math.min(y0 + 1, img.height - 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const d = img.data;
  const i00 = (y0 * img.width + x0) * 3;
  const i01 = (y0 * img.width + x1) * 3;
  const i10 = (y1 * img.width + x0) * 3;
  const i11 = (y1 * img.width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = d[i00 + c] + (d[i01 + c] - d[i00 + c]) * ax;
    const bottom = d[i10 + c] + (d[i11 + c] - d[i10 + c]) * ax;
    out[o + c] = top + (bottom - top) * ay;
  }
}

/**
 * Draws every triangle of `dstPts` into `target`, each pixel sampled from `src` at the
 * corresponding point of the triangle in `srcPts` (piecewise affine). Triangles whose
 * orientation flips between source and destination face away from the camera (a turned
 * head hides them) and are skipped, as are degenerate ones. Returns triangles drawn.
 */
export function warpTriangles(
  src: RgbImage,
  srcPts: readonly Vec2[],
  dstPts: readonly Vec2[],
  triangles: readonly number[],
  target: WarpTarget,
): number {
  const native = nativeKernels();
  if (native) {
    // src/native/syn.c: the same arithmetic as `fillTriangle`, bit for bit. It takes finite
    // points within 1e7 only (it checks them); anything else stays with the JavaScript.
    let usable = srcPts.length === dstPts.length;
    const flat = (pts: readonly Vec2[]) => {
      const out = new Float64Array(pts.length * 2);
      for (let i = 0; i < pts.length; i++) {
        out[i * 2] = pts[i][0];
        out[i * 2 + 1] = pts[i][1];
        if (!(Math.abs(pts[i][0]) <= 1e7 && Math.abs(pts[i][1]) <= 1e7)) usable = false;
      }
      return out;
    };
    const sFlat = flat(srcPts);
    const dFlat = flat(dstPts);
    if (usable)
      return native.warpTriangles(
        src.data,
        src.width,
        src.height,
        sFlat,
        dFlat,
        triangleIndices(triangles),
        target.rgb,
        target.covered,
        target.x,
        target.y,
        target.width,
        target.height,
      );
  }
  return warpTrianglesJs(src, srcPts, dstPts, triangles, target);
}

const indexCache = new WeakMap<readonly number[], Int32Array>();

/** `triangles` as an Int32Array for the native warp (kept per list: the topology's are fixed). */
function triangleIndices(triangles: readonly number[]): Int32Array {
  let out = indexCache.get(triangles);
  if (!out || out.length !== triangles.length) {
    out = Int32Array.from(triangles);
    indexCache.set(triangles, out);
  }
  return out;
}

/** `warpTriangles` in JavaScript: the reference for the native kernel, and its fallback. */
export function warpTrianglesJs(
  src: RgbImage,
  srcPts: readonly Vec2[],
  dstPts: readonly Vec2[],
  triangles: readonly number[],
  target: WarpTarget,
): number {
  let drawn = 0;
  for (let t = 0; t + 2 < triangles.length; t += 3) {
    const ia = triangles[t];
    const ib = triangles[t + 1];
    const ic = triangles[t + 2];
    const [a, b, c] = [dstPts[ia], dstPts[ib], dstPts[ic]];
    const [sa, sb, sc] = [srcPts[ia], srcPts[ib], srcPts[ic]];
    const area = signedArea2(a, b, c);
    const srcArea = signedArea2(sa, sb, sc);
    if (Math.abs(area) < 1e-6 || Math.abs(srcArea) < 1e-9 || Math.sign(area) !== Math.sign(srcArea))
      continue;
    if (fillTriangle(src, [a, b, c], [sa, sb, sc], area, target)) drawn++;
  }
  return drawn;
}

function fillTriangle(
  src: RgbImage,
  d: [Vec2, Vec2, Vec2],
  s: [Vec2, Vec2, Vec2],
  area: number,
  target: WarpTarget,
): boolean {
  const minX = Math.max(target.x, Math.floor(Math.min(d[0][0], d[1][0], d[2][0])));
  const maxX = Math.min(
    target.x + target.width - 1,
    Math.ceil(Math.max(d[0][0], d[1][0], d[2][0])),
  );
  const minY = Math.max(target.y, Math.floor(Math.min(d[0][1], d[1][1], d[2][1])));
  const maxY = Math.min(
    target.y + target.height - 1,
    Math.ceil(Math.max(d[0][1], d[1][1], d[2][1])),
  );
  if (minX > maxX || minY > maxY) return false;
  const inv = 1 / area;
  // Barycentric weights are affine in (px, py): w = k0 + kx px + ky py, stepped per pixel.
  const [a, b, c] = d;
  const w0x = (b[1] - c[1]) * inv;
  const w0y = (c[0] - b[0]) * inv;
  const w0k = (b[0] * c[1] - c[0] * b[1]) * inv;
  const w1x = (c[1] - a[1]) * inv;
  const w1y = (a[0] - c[0]) * inv;
  const w1k = (c[0] * a[1] - a[0] * c[1]) * inv;
  // The source point is affine in (px, py) too: s = sk + sxx px + sxy py (per axis).
  const w2x = -w0x - w1x;
  const w2y = -w0y - w1y;
  const w2k = 1 - w0k - w1k;
  const uX = w0x * s[0][0] + w1x * s[1][0] + w2x * s[2][0];
  const uY = w0y * s[0][0] + w1y * s[1][0] + w2y * s[2][0];
  const uK = w0k * s[0][0] + w1k * s[1][0] + w2k * s[2][0];
  const vX = w0x * s[0][1] + w1x * s[1][1] + w2x * s[2][1];
  const vY = w0y * s[0][1] + w1y * s[1][1] + w2y * s[2][1];
  const vK = w0k * s[0][1] + w1k * s[1][1] + w2k * s[2][1];
  const { data: sd, width: sw, height: sh } = src;
  const { rgb, covered } = target;
  // A small tolerance closes hairline gaps between neighbouring triangles.
  const eps = -1e-3;
  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5;
    const rowAt = (y - target.y) * target.width - target.x;
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5;
      const w0 = w0k + w0x * px + w0y * py;
      const w1 = w1k + w1x * px + w1y * py;
      const w2 = 1 - w0 - w1;
      if (w0 < eps || w1 < eps || w2 < eps) continue;
      // Bilinear sample at pixel-centre coordinates, clamped (as `sampleBilinear`).
      const fx = Math.min(Math.max(uK + uX * px + uY * py - 0.5, 0), sw - 1);
      const fy = Math.min(Math.max(vK + vX * px + vY * py - 0.5, 0), sh - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const ax = fx - x0;
      const ay = fy - y0;
      const i00 = (y0 * sw + x0) * 3;
      const i01 = x0 + 1 < sw ? i00 + 3 : i00;
      const i10 = y0 + 1 < sh ? i00 + sw * 3 : i00;
      const i11 = i10 + (i01 - i00);
      const i = rowAt + x;
      const o = i * 3;
      for (let c = 0; c < 3; c++) {
        const top = sd[i00 + c] + (sd[i01 + c] - sd[i00 + c]) * ax;
        const bottom = sd[i10 + c] + (sd[i11 + c] - sd[i10 + c]) * ax;
        rgb[o + c] = top + (bottom - top) * ay;
      }
      covered[i] = 1;
    }
  }
  return true;
}

/** Affine map [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f. */
export type Affine = [number, number, number, number, number, number];

export function applyAffine(m: Affine, p: Vec2): Vec2 {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** Least-squares affine map taking `from[i]` to `to[i]` over `indices` (default all). */
export function fitAffine(from: readonly Vec2[], to: readonly Vec2[], indices?: readonly number[]) {
  const idx = indices ?? from.map((_, i) => i);
  // Normal equations: (X^T X) p = X^T u with rows X = [x, y, 1].
  let sxx = 0, sxy = 0, sx = 0, syy = 0, sy = 0, n = 0; // prettier-ignore
  let ux = 0, uy = 0, u1 = 0, vx = 0, vy = 0, v1 = 0; // prettier-ignore
  for (const i of idx) {
    const [x, y] = from[i];
    const [u, v] = to[i];
    sxx += x * x;
    sxy += x * y;
    sx += x;
    syy += y * y;
    sy += y;
    n += 1;
    ux += x * u;
    uy += y * u;
    u1 += u;
    vx += x * v;
    vy += y * v;
    v1 += v;
  }
  const m = [
    [sxx, sxy, sx],
    [sxy, syy, sy],
    [sx, sy, n],
  ];
  const [a, b, c] = solve3(m, [ux, uy, u1]);
  const [d, e, f] = solve3(m, [vx, vy, v1]);
  return [a, b, c, d, e, f] as Affine;
}

/** Solves a 3x3 linear system by Cramer's rule (throws when singular). */
export function solve3(m: number[][], r: number[]): [number, number, number] {
  const det = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  if (Math.abs(d) < 1e-12) throw new Error('singular system');
  const col = (k: number) => m.map((row, i) => row.map((v, j) => (j === k ? r[i] : v)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

/**
 * Moves each point of `shape` a fraction `alpha` of the way to `toward` (already aligned to
 * it); points in `fixed` stay, so the outline that the blend mask follows does not move.
 */
export function pullShape(
  shape: readonly Vec2[],
  toward: readonly Vec2[],
  alpha: number,
  fixed: ReadonlySet<number>,
): Vec2[] {
  return shape.map((p, i) =>
    fixed.has(i) ? p : [p[0] + (toward[i][0] - p[0]) * alpha, p[1] + (toward[i][1] - p[1]) * alpha],
  );
}
