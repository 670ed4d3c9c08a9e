/**
 * Output maps of Veil's grid detectors (faces and plates share the layout: per stride 8, 16
 * and 32, five planes of score, centre offset x/y and log size w/h) for decoder tests.
 */

import type { VeilGridOutputs } from '../../../src/engine/veil-grid.ts';

/** One set cell: [stride, row, col, score, dx, dy, lw, lh]. */
export type GridCell = [number, number, number, number, number, number, number, number];

/** Empty maps for a width x height input, with `cells` set. */
export function gridOutputs(width: number, height: number, cells: GridCell[]): VeilGridOutputs {
  const out: VeilGridOutputs = {};
  for (const s of [8, 16, 32]) out[`s${s}`] = new Float32Array(5 * (width / s) * (height / s));
  for (const [s, r, c, score, dx, dy, lw, lh] of cells) {
    const cols = width / s;
    const n = (height / s) * cols;
    const i = r * cols + c;
    const map = out[`s${s}`];
    [score, dx, dy, lw, lh].forEach((v, k) => (map[k * n + i] = v));
  }
  return out;
}
