import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { placeBoxes, placeInGrid } from '../../../scripts/eval/mosaic.ts';

const grid = { cols: 6, rows: 6, width: 3840, height: 2160 };

describe('placeInGrid', () => {
  it('fits a wide image to its cell width and centres it vertically', () => {
    const p = placeInGrid(0, 1280, 640, grid); // cell 640x360
    assert.deepEqual([p.left, p.top, p.width, p.height], [0, 20, 640, 320]);
    assert.equal(p.scaleX, 0.5);
  });

  it('fits a tall image to its cell height and centres it horizontally', () => {
    const p = placeInGrid(7, 360, 720, grid); // row 1, col 1
    assert.deepEqual([p.left, p.top, p.width, p.height], [640 + 230, 360, 180, 360]);
  });

  it('keeps every cell inside the canvas', () => {
    for (let i = 0; i < 36; i++) {
      const p = placeInGrid(i, 1280, 853, grid);
      assert.ok(p.left >= 0 && p.top >= 0);
      assert.ok(p.left + p.width <= 3840 && p.top + p.height <= 2160);
    }
  });
});

describe('placeBoxes', () => {
  it('scales and offsets boxes, and ignores faces that became too small', () => {
    const p = placeInGrid(1, 1280, 640, grid); // left 640, top 20, scale 0.5
    const out = placeBoxes([{ box: [100, 100, 200, 180] }, { box: [0, 0, 14, 14] }], p);
    assert.deepEqual(out[0], { box: [690, 70, 740, 110] });
    assert.deepEqual(out[1], { box: [640, 20, 647, 27], ignore: true });
  });
});
