/**
 * Covers detections directly on I420 frames, without any RGB: per object, the means of the
 * area it reads on a coarse grid of cells (Y, U and V together), blurred there for `blur`,
 * then interpolated back (bilinear for blur, blocks for pixelate) and blended in through the
 * renderer's own feathered mask, at full resolution and only where the mask covers.
 *
 * Same shapes, strengths and mask as the RGB renderer (`renderDetection`): the colour
 * conversion is affine, so blurring Y, U and V is blurring R, G and B. The blur grid is the
 * RGB blur's reduced copy (cells of radius/4 pixels): detail finer than a cell is averaged
 * away before the blur and cannot come back.
 */
import { coverShape, FILL_COLOUR, renderParams } from '../../engine/render/index.ts';
import {
  ellipseEdgeRow,
  rasterizeMask,
  shapeRegion,
  type Region,
  type RowSpan,
  type Shape,
} from '../../engine/render/mask.geometry.ts';
import { gaussianish } from '../../engine/render/region.filter.ts';
import type { Detection, RenderStyle } from '../../engine/types.ts';
import { nativeKernels } from '../../native/index.ts';
import { cellMeans, solidGrid, type CellGrid } from './yuv.cells.ts';
import { evenBox, type YuvFrame } from './yuv.frame.ts';

/** Covers every detection of `frame` in place as `style` and `maskBlur` say. */
export function coverOnYuv(
  frame: YuvFrame,
  detections: Detection[],
  style: RenderStyle,
  maskBlur: boolean,
): void {
  for (const d of detections) coverDetectionOnYuv(frame, d, style, maskBlur);
}

/** Covers one detection in place; returns the region it may have changed. */
export function coverDetectionOnYuv(
  frame: YuvFrame,
  d: Detection,
  style: RenderStyle,
  maskBlur: boolean,
): Region {
  const { width, height } = frame;
  const p = renderParams(d);
  const shape = coverShape(d, maskBlur);
  const target = evenRegion(shapeRegion(shape, p.feather, width, height), width, height);
  if (target.w === 0 || target.h === 0) return target;
  let grid: CellGrid;
  if (style === 'blur') {
    // The blur reads a margin around the target so its edge is made of real neighbours.
    const source = shapeRegion(shape, p.feather + p.radius, width, height);
    const cell = Math.max(1, Math.floor(p.radius / 4));
    // Every pixel up to cells of 8, then about 16 samples per cell (as the RGB blur).
    grid = cellMeans(frame, source, source.x, source.y, cell, Math.floor(cell / 4), true);
    gaussianish(grid.data, grid.w, grid.h, Math.max(1, Math.round(p.radius / cell)));
  } else if (style === 'pixelate') {
    const ox = Math.round(d.box.x1);
    const oy = Math.round(d.box.y1);
    grid = cellMeans(frame, target, ox, oy, p.cell, 1, false);
  } else {
    grid = solidGrid(FILL_COLOUR);
  }
  // The native kernel (src/native/yuv.c) writes the same bytes, several times faster.
  const native = nativeKernels();
  const ellipse =
    shape.kind === 'ellipse'
      ? Float64Array.of(shape.cx, shape.cy, shape.rx, shape.ry, p.feather)
      : null;
  // Degenerate shapes (NaN corners from coincident landmarks) stay in JavaScript.
  const whole = [target.x, target.y, target.w, target.h].every(Number.isInteger);
  if (native && whole && (!ellipse || ellipse.every(Number.isFinite))) {
    const { x, y, w, h } = target;
    const cover = ellipse ?? rasterizeMask(shape, p.feather, target);
    const { data, w: gw, h: gh, x: gx, y: gy, cell, smooth } = grid;
    native.blendGrid(
      frame.data,
      width,
      height,
      x,
      y,
      w,
      h,
      cover,
      data,
      gw,
      gh,
      gx,
      gy,
      cell,
      smooth,
    );
  } else {
    blendGrid(frame, target, coverageRows(shape, p.feather, target), grid);
  }
  return target;
}

/** `r` grown to even edges (whole chroma samples), or the frame's edge. */
function evenRegion(r: Region, width: number, height: number): Region {
  const b = evenBox({ x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h }, width, height);
  return { x: b.x1, y: b.y1, w: Math.max(0, b.x2 - b.x1), h: Math.max(0, b.y2 - b.y1) };
}

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
  /** End (exclusive) of the run of samples between the same two cells that t starts. */
  runEnd: Int32Array;
  /** Weight step from one sample to the next within that run (0 where clamped or blocky). */
  slope: Float32Array;
}

/**
 * Scratch buffers reused from object to object and frame to frame (the renderer runs on one
 * thread and never keeps them): each is grown when an object needs more, never shrunk.
 */
const newTaps = (n: number): Taps => ({
  i0: new Int32Array(n),
  i1: new Int32Array(n),
  w1: new Float32Array(n),
  runEnd: new Int32Array(n),
  slope: new Float32Array(n),
});
const scratch: Record<'top' | 'bottom' | 'alpha' | 'row' | 'row2', Float32Array> &
  Record<'cols' | 'rows' | 'ccols' | 'crows', Taps> = {
  cols: newTaps(256),
  rows: newTaps(256),
  ccols: newTaps(128),
  crows: newTaps(128),
  top: new Float32Array(256),
  bottom: new Float32Array(256),
  alpha: new Float32Array(128),
  row: new Float32Array(64),
  row2: new Float32Array(64),
};
const grownTaps = (t: Taps, n: number) => (t.i0.length >= n ? t : newTaps(2 * n));
const grown = (a: Float32Array, n: number): Float32Array =>
  a.length >= n ? a : new Float32Array(2 * n);

/**
 * Grid cells and weights along one axis for samples whose centres (in luma pixel corner
 * coordinates) are `first + t * spacing`, t in [0, n), into `out` (values past n are stale).
 */
function taps(
  out: Taps,
  n: number,
  first: number,
  spacing: number,
  origin: number,
  cells: number,
  g: CellGrid,
): Taps {
  const { i0, i1, w1, slope, runEnd } = out;
  for (let t = 0; t < n; t++) {
    const pos = (first + t * spacing - origin) / g.cell;
    if (g.smooth) {
      const f = Math.min(Math.max(pos - 0.5, 0), cells - 1);
      const k = Math.floor(f);
      i0[t] = k;
      i1[t] = Math.min(k + 1, cells - 1);
      w1[t] = f - k;
      slope[t] = f === pos - 0.5 ? spacing / g.cell : 0;
    } else {
      i0[t] = i1[t] = Math.min(Math.max(Math.floor(pos), 0), cells - 1);
      w1[t] = 0;
      slope[t] = 0;
    }
  }
  for (let t = n - 1; t >= 0; t--) {
    const same = t + 1 < n && i0[t + 1] === i0[t] && slope[t + 1] === slope[t];
    runEnd[t] = same ? runEnd[t + 1] : t + 1;
  }
  return out;
}

/**
 * Writes the coverage of target row `j` into `out` and says where it is non-zero / full;
 * `out` need only be valid on [lo, hi) outside [in1, in2) (see `covered`).
 */
export type CoverageRow = (j: number, out: Float32Array, span: RowSpan) => void;

/**
 * The renderer's mask row by row: ellipses computed per row, polygons rasterised once (exported
 * for the native kernels' tests).
 */
export function coverageRows(shape: Shape, feather: number, target: Region): CoverageRow {
  if (shape.kind === 'ellipse') {
    return (j, out, span) => ellipseEdgeRow(shape, feather, target, j, out, span);
  }
  const mask = rasterizeMask(shape, feather, target);
  return (j, out, span) => {
    out.set(mask.subarray(j * target.w, (j + 1) * target.w));
    let lo = 0;
    let hi = target.w;
    while (lo < hi && out[lo] === 0) lo++;
    while (hi > lo && out[hi - 1] === 0) hi--;
    span.lo = lo;
    span.hi = hi;
    span.in1 = span.in2 = 0;
  };
}

/** Coverage at `k` of a row written by a `CoverageRow`: 0 outside its span, 1 inside in1..in2. */
function covered(a: Float32Array, s: RowSpan, k: number): number {
  if (k < s.lo || k >= s.hi) return 0;
  if (k >= s.in1 && k < s.in2) return 1;
  return a[k];
}

/**
 * Blends the grid, interpolated to full resolution, into `target` of the frame by the
 * renderer's coverage: covered pixels take the grid's value, uncovered ones stay exactly as
 * decoded. `target` has even edges (or the frame's): chroma sample (i, j) takes the mean
 * coverage of luma pixels 2i, 2i + 1 on rows 2j, 2j + 1, so rows are taken in pairs.
 * The JavaScript reference of the native `blendGrid` (exported for its tests).
 */
export function blendGrid(
  frame: YuvFrame,
  target: Region,
  coverage: CoverageRow,
  g: CellGrid,
): void {
  const { width: fw, height: fh, data } = frame;
  const cw = (fw + 1) >> 1;
  const uOff = fw * fh;
  const vOff = uOff + cw * ((fh + 1) >> 1);
  const { x: tx, y: ty, w: tw, h: th } = target;
  // Chroma sample c covers luma 2c and 2c + 1: its centre is at 2c + 1.
  const n = (tw + 1) >> 1;
  const ch = (th + 1) >> 1;
  const cols = (scratch.cols = taps(grownTaps(scratch.cols, tw), tw, tx + 0.5, 1, g.x, g.w, g));
  const rows = (scratch.rows = taps(grownTaps(scratch.rows, th), th, ty + 0.5, 1, g.y, g.h, g));
  const ccols = (scratch.ccols = taps(grownTaps(scratch.ccols, n), n, tx + 1, 2, g.x, g.w, g));
  const crows = (scratch.crows = taps(grownTaps(scratch.crows, ch), ch, ty + 1, 2, g.y, g.h, g));
  const top = (scratch.top = grown(scratch.top, tw));
  const bottom = (scratch.bottom = grown(scratch.bottom, tw));
  const alpha = (scratch.alpha = grown(scratch.alpha, n));
  const rowBuf = (scratch.row = grown(scratch.row, g.w));
  const rowBuf2 = (scratch.row2 = grown(scratch.row2, g.w));
  const s0: RowSpan = { lo: 0, hi: 0, in1: 0, in2: 0 };
  const s1: RowSpan = { lo: 0, hi: 0, in1: 0, in2: 0 };
  const sc: RowSpan = { lo: 0, hi: 0, in1: 0, in2: 0 };
  for (let j = 0; j < th; j += 2) {
    coverage(j, top, s0);
    // An odd last row (at the frame's edge) counts twice for its chroma.
    const pair = j + 1 < th;
    if (pair) coverage(j + 1, bottom, s1);
    if (s0.hi > s0.lo) {
      gridRow(g, rows, j, 0, rowBuf, cols.i0[s0.lo], cols.i1[s0.hi - 1]);
      blendSpan(data, (ty + j) * fw + tx, top, s0, rowBuf, cols);
    }
    if (pair && s1.hi > s1.lo) {
      gridRow(g, rows, j + 1, 0, rowBuf, cols.i0[s1.lo], cols.i1[s1.hi - 1]);
      blendSpan(data, (ty + j + 1) * fw + tx, bottom, s1, rowBuf, cols);
    }
    const b = pair ? bottom : top;
    if (!chromaCoverage(top, s0, b, pair ? s1 : s0, tw, alpha, sc)) continue;
    const at = ((ty + j) >> 1) * cw + (tx >> 1);
    const c0 = ccols.i0[sc.lo];
    const c1 = ccols.i1[sc.hi - 1];
    chromaRows(g, crows, j >> 1, rowBuf, rowBuf2, c0, c1);
    blendChroma(data, uOff + at, vOff + at, alpha, sc, rowBuf, rowBuf2, ccols);
  }
}

/**
 * Chroma coverage of a pair of luma rows (mean of each 2x2; an odd last column counts
 * twice) into `out`, with its span; false when nothing is covered. Like the rows, `out` is
 * written only where the coverage is partial.
 */
function chromaCoverage(
  a: Float32Array,
  sa: RowSpan,
  b: Float32Array,
  sb: RowSpan,
  tw: number,
  out: Float32Array,
  span: RowSpan,
): boolean {
  const lo = Math.min(sa.hi > sa.lo ? sa.lo : tw, sb.hi > sb.lo ? sb.lo : tw) >> 1;
  const hi = (Math.max(sa.hi > sa.lo ? sa.hi : 0, sb.hi > sb.lo ? sb.hi : 0) + 1) >> 1;
  if (hi <= lo) return false;
  span.lo = lo;
  span.hi = hi;
  // Fully covered where both rows are fully covered on both columns.
  span.in1 = Math.max(lo, (Math.max(sa.in1, sb.in1) + 1) >> 1);
  span.in2 = Math.min(hi, Math.min(sa.in2, sb.in2) >> 1);
  if (span.in2 <= span.in1) span.in1 = span.in2 = lo;
  const full1 = span.in2 > span.in1 ? span.in1 : hi;
  const full2 = span.in2 > span.in1 ? span.in2 : hi;
  for (let i = lo, k = 2 * lo; i < hi; i++, k += 2) {
    if (i === full1) {
      i = full2 - 1;
      k = 2 * i;
      continue;
    }
    const k1 = k + 1 < tw ? k + 1 : k;
    out[i] =
      (covered(a, sa, k) + covered(a, sa, k1) + covered(b, sb, k) + covered(b, sb, k1)) * 0.25;
  }
  return true;
}

/**
 * Channel `c` of the grid interpolated between rows to output row `j`, into `out`, for grid
 * columns c0..c1 (the others are left stale).
 */
function gridRow(
  g: CellGrid,
  rows: Taps,
  j: number,
  c: number,
  out: Float32Array,
  c0: number,
  c1: number,
): void {
  const r0 = rows.i0[j] * g.w * 3 + c;
  const r1 = rows.i1[j] * g.w * 3 + c;
  const wy = rows.w1[j];
  const d = g.data;
  for (let i = c0, k = 3 * c0; i <= c1; i++, k += 3) {
    const top = d[r0 + k];
    out[i] = top + (d[r1 + k] - top) * wy;
  }
}

/** U and V of the grid interpolated between rows to chroma row `j` (as `gridRow` each). */
function chromaRows(
  g: CellGrid,
  rows: Taps,
  j: number,
  outU: Float32Array,
  outV: Float32Array,
  c0: number,
  c1: number,
): void {
  const r0 = rows.i0[j] * g.w * 3;
  const r1 = rows.i1[j] * g.w * 3;
  const wy = rows.w1[j];
  const d = g.data;
  for (let i = c0, k = 3 * c0; i <= c1; i++, k += 3) {
    const u = d[r0 + k + 1];
    outU[i] = u + (d[r1 + k + 1] - u) * wy;
    const v = d[r0 + k + 2];
    outV[i] = v + (d[r1 + k + 2] - v) * wy;
  }
}

/** `blendSpan` for the U and V rows together: one walk over the shared taps and coverage. */
function blendChroma(
  dst: Uint8Array,
  atU: number,
  atV: number,
  alpha: Float32Array,
  span: RowSpan,
  rowU: Float32Array,
  rowV: Float32Array,
  cols: Taps,
): void {
  const { i0, i1, w1, runEnd, slope } = cols;
  const full1 = span.in2 > span.in1 ? span.in1 : span.hi;
  const full2 = span.in2 > span.in1 ? span.in2 : span.hi;
  for (let i = span.lo, end = full1; ; end = span.hi) {
    // The feathered edge left of the full run, then (i = full2) the one right of it.
    for (; i < end; i++) {
      const a = alpha[i];
      if (a === 0) continue;
      const a0 = i0[i];
      const a1 = i1[i];
      const w = w1[i];
      const leftU = rowU[a0];
      const u = leftU + (rowU[a1] - leftU) * w;
      const oldU = dst[atU + i];
      dst[atU + i] = (oldU + a * (u - oldU) + 0.5) | 0;
      const leftV = rowV[a0];
      const v = leftV + (rowV[a1] - leftV) * w;
      const oldV = dst[atV + i];
      dst[atV + i] = (oldV + a * (v - oldV) + 0.5) | 0;
    }
    if (end === span.hi) break;
    while (i < full2) {
      const stop = Math.min(full2, runEnd[i]);
      const a0 = i0[i];
      const a1 = i1[i];
      const w = w1[i];
      const sl = slope[i];
      const leftU = rowU[a0];
      const dU = rowU[a1] - leftU;
      const stepU = dU * sl;
      let u = leftU + dU * w + 0.5;
      const leftV = rowV[a0];
      const dV = rowV[a1] - leftV;
      const stepV = dV * sl;
      let v = leftV + dV * w + 0.5;
      for (; i < stop; i++, u += stepU, v += stepV) {
        dst[atU + i] = u | 0;
        dst[atV + i] = v | 0;
      }
    }
  }
}

/**
 * Blends the interpolated grid row into `dst` (from `at`) over the span: by `alpha` at the
 * edges, plain copies where coverage is full.
 */
function blendSpan(
  dst: Uint8Array,
  at: number,
  alpha: Float32Array,
  span: RowSpan,
  row: Float32Array,
  cols: Taps,
): void {
  const { i0, i1, w1, runEnd, slope } = cols;
  const full1 = span.in2 > span.in1 ? span.in1 : span.hi;
  const full2 = span.in2 > span.in1 ? span.in2 : span.hi;
  for (let i = span.lo, end = full1; ; end = span.hi) {
    // The feathered edge left of the full run, then (i = full2) the one right of it.
    for (; i < end; i++) {
      const a = alpha[i];
      if (a === 0) continue;
      const left = row[i0[i]];
      const v = left + (row[i1[i]] - left) * w1[i];
      const old = dst[at + i];
      // Both old and v lie in 0..255, so the blend does too: no clamp.
      dst[at + i] = (old + a * (v - old) + 0.5) | 0;
    }
    if (end === span.hi) break;
    // Full coverage: the interpolated value itself, stepped along each run between two
    // cells rather than weighed per pixel.
    while (i < full2) {
      const stop = Math.min(full2, runEnd[i]);
      const left = row[i0[i]];
      const d = row[i1[i]] - left;
      const step = d * slope[i];
      let v = left + d * w1[i] + 0.5;
      for (; i < stop; i++, v += step) dst[at + i] = v | 0;
    }
  }
}
