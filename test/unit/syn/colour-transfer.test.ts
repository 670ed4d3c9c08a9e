import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  labStats,
  labToRgb,
  rgbToLab,
  transferLab,
} from '../../../src/engine/syn/colour.transfer.ts';

test('sRGB to L*a*b* matches reference values and round-trips', () => {
  const white = rgbToLab(255, 255, 255);
  assert.ok(
    Math.abs(white[0] - 100) < 0.01 && Math.abs(white[1]) < 0.01 && Math.abs(white[2]) < 0.01,
  );
  // Reference (D65): pure red is L 53.24, a 80.09, b 67.20.
  const red = rgbToLab(255, 0, 0);
  assert.ok(
    Math.abs(red[0] - 53.24) < 0.05 &&
      Math.abs(red[1] - 80.09) < 0.05 &&
      Math.abs(red[2] - 67.2) < 0.05,
  );
  for (const rgb of [
    [12, 200, 77],
    [180, 140, 120],
    [3, 3, 250],
    [90, 60, 45],
  ]) {
    const back = labToRgb(...rgbToLab(rgb[0], rgb[1], rgb[2]));
    back.forEach((v, c) => assert.ok(Math.abs(v - rgb[c]) < 0.6, `${rgb} channel ${c}: ${v}`));
  }
});

function patch(n: number, f: (i: number) => [number, number, number]): Float32Array {
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) out.set(f(i), i * 3);
  return out;
}

test('transfer gives the masked pixels the target statistics; unmasked pixels stay', () => {
  const n = 200;
  // Pale, low-contrast "donor" and a darker, warmer, more contrasted "target".
  const donor = patch(n, (i) => [200 + (i % 10), 180 + (i % 7) * 2, 170 + (i % 5) * 3]);
  const target = patch(n, (i) => [120 + (i % 20) * 2, 80 + (i % 20), 60 + (i % 20)]);
  const mask = new Uint8Array(n).fill(1);
  mask[0] = 0;
  const before = donor.slice(0, 3);
  const to = labStats(target, mask);
  transferLab(donor, mask, labStats(donor, mask), to, 0.1, 10);
  const sut = labStats(donor, mask);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(sut.mean[c] - to.mean[c]) < 1, `mean ${c}: ${sut.mean[c]} vs ${to.mean[c]}`);
    assert.ok(Math.abs(sut.std[c] - to.std[c]) < 1, `std ${c}: ${sut.std[c]} vs ${to.std[c]}`);
  }
  assert.deepEqual(donor.slice(0, 3), before);
});

test('the contrast gain is clamped so a flat patch is not blown up', () => {
  const n = 100;
  const flat = patch(n, () => [128, 128, 128]);
  flat.set([129, 128, 128], 0);
  const busy = patch(n, (i) => (i % 2 ? [250, 250, 250] : [5, 5, 5]));
  const mask = new Uint8Array(n).fill(1);
  transferLab(flat, mask, labStats(flat, mask), labStats(busy, mask), 0.6, 1.6);
  const sut = labStats(flat, mask);
  assert.ok(sut.std[0] < 2, `L spread stays small: ${sut.std[0]}`);
});
