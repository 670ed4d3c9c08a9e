/**
 * Cell grids for the YUV renderer (`yuv.render.ts`): the means of Y, U and V of part of an
 * I420 frame over square cells, summed run by run along each row, and a one-cell solid colour.
 */
import type { Region } from '../../engine/render/mask.geometry.ts';
import { nativeKernels } from '../../native/index.ts';
import type { YuvFrame } from './yuv.frame.ts';

/** Cell means of part of a frame: interleaved Y, U, V per cell, row-major. */
export interface CellGrid {
  data: Float32Array;
  w: number;
  h: number;
  /** Frame position (luma pixels) of cell (0, 0)'s top-left corner. */
  x: number;
  y: number;
  /** Cell side in luma pixels. */
  cell: number;
  /** Interpolate between cell centres (blur) rather than fill whole cells (pixelate). */
  smooth: boolean;
}

/** One cell of a colour (RGB, BT.601 limited range as the frames) covering everything. */
export function solidGrid([r, g, b]: [number, number, number]): CellGrid {
  const data = Float32Array.of(
    16 + 0.257 * r + 0.504 * g + 0.098 * b,
    128 - 0.148 * r - 0.291 * g + 0.439 * b,
    128 + 0.439 * r - 0.368 * g - 0.071 * b,
  );
  return { data, w: 1, h: 1, x: 0, y: 0, cell: Number.MAX_SAFE_INTEGER, smooth: false };
}

/**
 * Means of the pixels of `region` over cells of `cell` pixels on a grid through (ox, oy).
 * With `step` > 1 only every step-th pixel of every step-th row is read (chroma: every
 * step/2-th sample); the blur that follows hides the aliasing.
 */
export function cellMeans(
  frame: YuvFrame,
  region: Region,
  ox: number,
  oy: number,
  cell: number,
  step: number,
  smooth: boolean,
): CellGrid {
  const gx = Math.floor((region.x - ox) / cell);
  const gy = Math.floor((region.y - oy) / cell);
  const x0 = ox + gx * cell;
  const y0 = oy + gy * cell;
  const w = Math.max(1, Math.ceil((region.x + region.w - x0) / cell));
  const h = Math.max(1, Math.ceil((region.y + region.h - y0) / cell));
  const g: CellGrid = { data: new Float32Array(w * h * 3), w, h, x: x0, y: y0, cell, smooth };
  if (cell === 1) {
    // Cells of one pixel: the means are the pixels themselves.
    copyPixels(frame, region, g);
    return g;
  }
  const s = Math.max(1, Math.min(step, cell));
  // The native kernel (src/native/yuv.c): the same sums and means, bit for bit.
  const native = nativeKernels();
  const whole = [region.x, region.y, region.w, region.h, x0, y0, cell].every(Number.isInteger);
  if (native && whole && region.w > 0 && region.h > 0) {
    const { data, width, height } = frame;
    const { x, y, w: rw, h: rh } = region;
    native.cellSums(data, width, height, x, y, rw, rh, g.data, w, h, x0, y0, cell, s);
    return g;
  }
  accumulateLuma(frame, region, g, s);
  finishMeans(g, sampleCounts(region, g, s), 0);
  const cs = cell < 2 ? 0 : Math.max(1, s >> 1);
  accumulateChroma(frame, region, g, cs);
  finishMeans(g, sampleCounts(region, g, cs === 0 ? 1 : 2 * cs), 1);
  return g;
}

/** Cells of one pixel (the grid is `region`): Y, U and V of each pixel, as the sums give. */
function copyPixels(f: YuvFrame, r: Region, g: CellGrid): void {
  const src = f.data;
  const data = g.data;
  const cw = (f.width + 1) >> 1;
  const uOff = f.width * f.height;
  const vOff = uOff + cw * ((f.height + 1) >> 1);
  for (let y = r.y, o = 0; y < r.y + r.h; y++) {
    const row = y * f.width;
    const crow = (y >> 1) * cw;
    for (let x = r.x; x < r.x + r.w; x++, o += 3) {
      data[o] = src[row + x];
      data[o + 1] = src[uOff + crow + (x >> 1)];
      data[o + 2] = src[vOff + crow + (x >> 1)];
    }
  }
}

/**
 * Frame-relative x where each cell column ends, clipped to the region: the inner loops sum
 * whole runs of one cell in a local before touching the grid.
 */
function cellEnds(r: Region, g: CellGrid): Int32Array {
  const ends = new Int32Array(g.w);
  for (let c = 0; c < g.w; c++) ends[c] = Math.min(r.x + r.w, g.x + (c + 1) * g.cell);
  return ends;
}

/** Samples per cell column (`cols`) and per cell row (`rows`): a cell takes their product. */
interface SampleCounts {
  cols: Float64Array;
  rows: Float64Array;
}

/**
 * How many samples each cell of `g` takes when `r` is read at every `ls`-th pixel and row from
 * its corner (as the accumulate loops walk it): per cell column and per cell row, not sample by
 * sample.
 */
function sampleCounts(r: Region, g: CellGrid, ls: number): SampleCounts {
  return {
    cols: perCell(r.x, r.w, g.x, g.cell, g.w, ls),
    rows: perCell(r.y, r.h, g.y, g.cell, g.h, ls),
  };
}

/** Samples start, start + ls, ... below start + n falling in each of `cells` cells from origin. */
function perCell(
  start: number,
  n: number,
  origin: number,
  cell: number,
  cells: number,
  ls: number,
) {
  const out = new Float64Array(cells);
  const stop = start + n;
  for (let c = 0, x = start; c < cells; c++) {
    const end = Math.min(stop, origin + (c + 1) * cell);
    // Samples x, x + ls, ... below end.
    const k = x < end ? Math.ceil((end - x) / ls) : 0;
    out[c] = k;
    x += k * ls;
  }
  return out;
}

function accumulateLuma(f: YuvFrame, r: Region, g: CellGrid, s: number) {
  const src = f.data;
  const data = g.data;
  const ends = cellEnds(r, g);
  const c0 = Math.floor((r.x - g.x) / g.cell);
  for (let y = r.y; y < r.y + r.h; y += s) {
    const cells = Math.floor((y - g.y) / g.cell) * g.w;
    const row = y * f.width;
    for (let x = r.x, c = c0; c < g.w; c++) {
      const end = ends[c];
      let sum = 0;
      for (; x < end; x += s) sum += src[row + x];
      data[(cells + c) * 3] += sum;
    }
  }
}

/**
 * U and V under `r`, read at every `2s`-th luma pixel and row from the region's corner (each
 * chroma sample once when s = 1; every cell of 2s pixels or more holds one); `s` = 0: at
 * every luma pixel, for cells of 1 pixel.
 */
function accumulateChroma(f: YuvFrame, r: Region, g: CellGrid, s: number) {
  const src = f.data;
  const data = g.data;
  const cw = (f.width + 1) >> 1;
  const uOff = f.width * f.height;
  const vOff = uOff + cw * ((f.height + 1) >> 1);
  const ls = s === 0 ? 1 : 2 * s;
  const ends = cellEnds(r, g);
  const c0 = Math.floor((r.x - g.x) / g.cell);
  for (let y = r.y; y < r.y + r.h; y += ls) {
    const cells = Math.floor((y - g.y) / g.cell) * g.w;
    const crow = (y >> 1) * cw;
    for (let x = r.x, c = c0; c < g.w; c++) {
      const end = ends[c];
      let u = 0;
      let v = 0;
      for (; x < end; x += ls) {
        u += src[uOff + crow + (x >> 1)];
        v += src[vOff + crow + (x >> 1)];
      }
      data[(cells + c) * 3 + 1] += u;
      data[(cells + c) * 3 + 2] += v;
    }
  }
}

/** Sums to means for channel `c` (and `c + 1` for chroma). */
function finishMeans(g: CellGrid, counts: SampleCounts, c: number): void {
  const { data } = g;
  const { cols, rows } = counts;
  const channels = c === 0 ? 1 : 2;
  for (let j = 0, o = 0; j < g.h; j++) {
    for (let i = 0; i < g.w; i++, o++) {
      const n = rows[j] * cols[i];
      for (let k = c; k < c + channels; k++) {
        // A sliver of a last cell that no sample fell in takes its neighbour's value (cell
        // (0, 0) always holds a sample, so o - 1 is finished).
        data[o * 3 + k] = n === 0 ? data[o * 3 + k - 3] : data[o * 3 + k] / n;
      }
    }
  }
}
