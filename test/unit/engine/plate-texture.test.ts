import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAT_PLATE_SPREAD,
  flatPlate,
  innerLumaSpread,
} from '../../../src/engine/plate-texture.ts';
import type { RgbFrame } from '../../../src/engine/types.ts';

/** A grey frame with `draw` applied per pixel (returns an RGB triple or undefined: grey). */
function frame(
  width: number,
  height: number,
  draw: (x: number, y: number) => [number, number, number] | undefined = () => undefined,
): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = draw(x, y) ?? [128, 128, 128];
      data.set([r, g, b], (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

const box = { x1: 20, y1: 20, x2: 80, y2: 40 };
const inBox = (x: number, y: number) => x >= box.x1 && x < box.x2 && y >= box.y1 && y < box.y2;

test('a flat patch of plate shape spreads no luma and is flat; its dark rim does not count', () => {
  // A white plate with a black 2 px rim: the rim lies outside the middle that is measured.
  const blank = frame(100, 60, (x, y) => {
    if (!inBox(x, y)) return [0, 160, 0];
    const rim = x < box.x1 + 2 || x >= box.x2 - 2 || y < box.y1 + 2 || y >= box.y2 - 2;
    return rim ? [0, 0, 0] : [250, 250, 250];
  });
  assert.ok((innerLumaSpread(blank, box) ?? 1) < 1e-3);
  assert.equal(flatPlate(blank, box), true);
});

test('characters make a plate busy inside: dark strokes on white are not flat', () => {
  const lettered = frame(100, 60, (x, y) =>
    inBox(x, y) && x % 6 < 2 && y > 24 && y < 36 ? [20, 20, 20] : [240, 240, 240],
  );
  const spread = innerLumaSpread(lettered, box);
  assert.ok(spread !== undefined && spread > 50, `spread ${spread}`);
  assert.equal(flatPlate(lettered, box), false);
});

test('light noise alone is enough texture to keep a candidate', () => {
  // +-3 levels of alternating noise: a spread of 3, over the cut of 2.
  const noisy = frame(100, 60, (x, y) => {
    const v = (x + y) % 2 ? 131 : 125;
    return [v, v, v];
  });
  const spread = innerLumaSpread(noisy, box) ?? 0;
  assert.ok(Math.abs(spread - 3) < 0.01, `spread ${spread}`);
  assert.ok(spread > FLAT_PLATE_SPREAD);
  assert.equal(flatPlate(noisy, box), false);
});

test('a candidate too small to judge is kept, and boxes reaching outside the frame are clipped', () => {
  const grey = frame(100, 60);
  // 10 x 4 px: a middle of 7 x 2 = 14 pixels, under the 16 needed.
  assert.equal(innerLumaSpread(grey, { x1: 10, y1: 10, x2: 20, y2: 14 }), undefined);
  assert.equal(flatPlate(grey, { x1: 10, y1: 10, x2: 20, y2: 14 }), false);
  // Half outside the frame: the part inside is measured.
  assert.ok((innerLumaSpread(grey, { x1: 80, y1: 50, x2: 140, y2: 70 }) ?? 1) < 1e-3);
});
