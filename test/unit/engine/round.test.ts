/**
 * `roundPixel` equals Math.round on pixel values: every k + 1/2 (k = 0..1024) and the doubles
 * next to it and to k, values drawn at random over 0..1024, and what bilinear and box sums of
 * bytes give (the loops that use it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundPixel } from '../../../src/engine/round.ts';

/** The double next to `x` upwards (`dir` 1) or downwards (-1). */
function nextDouble(x: number, dir: 1 | -1): number {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  if (x === 0) return dir === 1 ? Number.MIN_VALUE : 0;
  buf.setBigUint64(0, bits + (dir === 1 ? 1n : -1n));
  return buf.getFloat64(0);
}

test('roundPixel equals Math.round at and beside every half and whole number', () => {
  let checked = 0;
  for (let k = 0; k <= 1024; k++)
    for (const start of [k, k + 0.5]) {
      let down = start;
      let up = start;
      for (let s = 0; s < 6; s++) {
        for (const v of [down, up]) {
          assert.equal(roundPixel(v), Math.round(v) + 0, `${v}`);
          checked++;
        }
        down = nextDouble(down, -1);
        up = nextDouble(up, 1);
      }
    }
  assert.equal(roundPixel(0.49999999999999994), 0);
  assert.equal(roundPixel(-0.7), 0);
  assert.ok(checked > 24000);
});

test('roundPixel equals Math.round on random values and on bilinear sums of bytes', () => {
  let s = 7;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < 200000; i++) {
    const v = rand() * 1024;
    assert.equal(roundPixel(v), Math.round(v));
    const [a, b, c, d] = [0, 0, 0, 0].map(() => Math.floor(rand() * 256));
    const [ax, ay] = [rand(), rand()];
    const top = a + (b - a) * ax;
    const bottom = c + (d - c) * ax;
    const lerp = top + (bottom - top) * ay;
    assert.equal(roundPixel(lerp), Math.round(lerp));
    assert.equal(roundPixel((a + b + c + lerp) * 0.25), Math.round((a + b + c + lerp) * 0.25));
  }
});
