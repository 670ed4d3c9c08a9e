/**
 * `boxBlur` against the plain running-sum box blur it implements (rows, then columns, edges
 * clamped): the same float32 values, bit for bit, for planes of every shape and radius.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxBlur } from '../../../src/engine/syn/face.render.ts';

function reference(plane: Float32Array, width: number, height: number, r: number): void {
  const tmp = new Float32Array(Math.max(width, height));
  const pass = (len: number, count: number, at: (line: number, i: number) => number) => {
    for (let line = 0; line < count; line++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += plane[at(line, Math.min(len - 1, Math.max(0, i)))];
      for (let i = 0; i < len; i++) {
        tmp[i] = acc / (2 * r + 1);
        acc += plane[at(line, Math.min(len - 1, i + r + 1))] - plane[at(line, Math.max(0, i - r))];
      }
      for (let i = 0; i < len; i++) plane[at(line, i)] = tmp[i];
    }
  };
  pass(width, height, (y, x) => y * width + x);
  pass(height, width, (x, y) => y * width + x);
}

test('boxBlur equals the reference running-sum blur bit for bit', () => {
  let s = 5;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (const [w, h, r] of [
    [1, 1, 1],
    [3, 50, 7],
    [120, 2, 4],
    [97, 133, 6],
    [200, 180, 12],
  ]) {
    const a = Float32Array.from({ length: w * h }, () => (rand() < 0.5 ? 1 : rand()));
    const b = a.slice();
    boxBlur(a, w, h, r);
    reference(b, w, h, r);
    assert.ok(
      a.every((v, i) => Object.is(v, b[i])),
      `${w}x${h} r ${r}`,
    );
  }
});
