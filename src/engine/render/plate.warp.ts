/**
 * Perspective of a plate: the homography between an upright plate canvas (W x H pixels) and
 * the plate's quadrilateral in the frame, both ways, and bilinear sampling. Pure.
 */
import type { Box, Point, RgbFrame } from '../types.ts';

/** Row-major 3 x 3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

/** Applies `m` to (x, y); NaN where the point maps to infinity. */
export function project(m: Mat3, x: number, y: number): Point {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
}

/**
 * Homography taking canvas (0,0), (W,0), (W,H), (0,H) to `quad` (TL, TR, BR, BL), or undefined
 * when the quadrilateral is degenerate.
 */
export function canvasToQuad(
  quad: readonly Point[],
  width: number,
  height: number,
): Mat3 | undefined {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = quad;
  const dx1 = x1 - x2;
  const dx2 = x3 - x2;
  const dx3 = x0 - x1 + x2 - x3;
  const dy1 = y1 - y2;
  const dy2 = y3 - y2;
  const dy3 = y0 - y1 + y2 - y3;
  const den = dx1 * dy2 - dx2 * dy1;
  if (Math.abs(den) < 1e-9 || width <= 0 || height <= 0) return undefined;
  const g = (dx3 * dy2 - dx2 * dy3) / den;
  const h = (dx1 * dy3 - dx3 * dy1) / den;
  const a = x1 - x0 + g * x1;
  const b = x3 - x0 + h * x3;
  const d = y1 - y0 + g * y1;
  const e = y3 - y0 + h * y3;
  // Unit square -> quad, preceded by canvas -> unit square (divide by W and H).
  const m: Mat3 = [a / width, b / height, x0, d / width, e / height, y0, g / width, h / height, 1];
  return invert(m) ? m : undefined;
}

/** Inverse of `m`, or undefined when singular. */
export function invert(m: Mat3): Mat3 | undefined {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = f * g - d * i;
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return undefined;
  const k = 1 / det;
  return [
    A * k,
    (c * h - b * i) * k,
    (b * f - c * e) * k,
    B * k,
    (a * i - c * g) * k,
    (c * d - a * f) * k,
    C * k,
    (b * g - a * h) * k,
    (a * e - b * d) * k,
  ];
}

/** The quadrilateral of a plate: its polygon when it has 4 corners, else its box's corners. */
export function plateQuad(box: Box, polygon?: readonly Point[]): Point[] {
  if (polygon && polygon.length === 4) return polygon.map(([x, y]) => [x, y]);
  return [
    [box.x1, box.y1],
    [box.x2, box.y1],
    [box.x2, box.y2],
    [box.x1, box.y2],
  ];
}

/** Mean lengths of the quad's horizontal (top, bottom) and vertical (left, right) edges. */
export function quadSize(quad: readonly Point[]): { width: number; height: number } {
  const len = (p: Point, q: Point) => Math.hypot(q[0] - p[0], q[1] - p[1]);
  return {
    width: (len(quad[0], quad[1]) + len(quad[3], quad[2])) / 2,
    height: (len(quad[0], quad[3]) + len(quad[1], quad[2])) / 2,
  };
}

/** Bilinear sample of channel-interleaved `img` at (x, y), edges clamped, into `out[0..2]`. */
export function sampleBilinear(
  data: ArrayLike<number>,
  width: number,
  height: number,
  x: number,
  y: number,
  out: Float32Array,
): void {
  const fx = Math.max(0, Math.min(width - 1, x - 0.5));
  const fy = Math.max(0, Math.min(height - 1, y - 0.5));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(width - 1, x0 + 1);
  const y1 = Math.min(height - 1, y0 + 1);
  const tx = fx - x0;
  const ty = fy - y0;
  for (let c = 0; c < 3; c++) {
    const p00 = data[(y0 * width + x0) * 3 + c];
    const p10 = data[(y0 * width + x1) * 3 + c];
    const p01 = data[(y1 * width + x0) * 3 + c];
    const p11 = data[(y1 * width + x1) * 3 + c];
    out[c] = (p00 * (1 - tx) + p10 * tx) * (1 - ty) + (p01 * (1 - tx) + p11 * tx) * ty;
  }
}

/** The plate as seen in `frame`, straightened into a `width` x `height` canvas. */
export function rectify(frame: RgbFrame, toFrame: Mat3, width: number, height: number): RgbFrame {
  const out = new Uint8Array(width * height * 3);
  const px = new Float32Array(3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [fx, fy] = project(toFrame, x + 0.5, y + 0.5);
      sampleBilinear(frame.data, frame.width, frame.height, fx, fy, px);
      const o = (y * width + x) * 3;
      out[o] = Math.round(px[0]);
      out[o + 1] = Math.round(px[1]);
      out[o + 2] = Math.round(px[2]);
    }
  }
  return { data: out, width, height };
}
