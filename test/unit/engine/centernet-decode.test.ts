import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCenterNet } from '../../../src/engine/vehicle.detector.ts';

/** A 4 x 4 heatmap of 3 classes and its box distances, all zero. */
function maps() {
  return { heat: new Float32Array(4 * 4 * 3), wh: new Float32Array(4 * 4 * 4) };
}
const at = (x: number, y: number, c: number) => (y * 4 + x) * 3 + c;

test('a peak gives a box around its cell centre, scaled to the picture', () => {
  const { heat, wh } = maps();
  heat[at(2, 1, 2)] = 0.8;
  wh.set([3, 2, 5, 6], (1 * 4 + 2) * 4);
  const [found] = decodeCenterNet(heat, wh, 4, 4, 3, [2], 0.2, 2, 0.5);
  assert.equal(found.cls, 2);
  assert.ok(Math.abs(found.score - 0.8) < 1e-6);
  // cell (2, 1) is at (8, 4) input px: x 8-3..8+5, y 4-2..4+6; scaled by (2, 0.5).
  assert.deepEqual(found.box, { x1: 10, y1: 1, x2: 26, y2: 5 });
});

test('only local maxima of a class at or above the score count; other classes are ignored', () => {
  const { heat, wh } = maps();
  heat[at(1, 1, 2)] = 0.5;
  heat[at(2, 1, 2)] = 0.7; // beats its neighbour (1, 1)
  heat[at(3, 3, 2)] = 0.1; // under the score
  heat[at(0, 3, 1)] = 0.9; // a class not asked for
  heat[at(1, 1, 0)] = 0.6; // another class asked for: its own peak
  const found = decodeCenterNet(heat, wh, 4, 4, 3, [0, 2], 0.2);
  assert.deepEqual(found.map((f) => [f.cls, Number(f.score.toFixed(2))]).sort(), [
    [0, 0.6],
    [2, 0.7],
  ]);
});
