import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recogniserTensor } from '../../../src/engine/text-line.recogniser.ts';

describe('recogniserTensor', () => {
  // A 2 x 48 line: pixel (0, y) is pure red, (1, y) mid grey.
  const line = {
    data: new Uint8Array(Array.from({ length: 48 }, () => [255, 0, 0, 128, 128, 128]).flat()),
    width: 2,
    height: 48,
  };
  const sut = recogniserTensor(line, 8);
  const at = (plane: number, y: number, x: number): number => sut[plane * 48 * 8 + y * 8 + x];

  it('is planar BGR, as PaddleOCR reads images, scaled to -1..1', () => {
    assert.equal(sut.length, 3 * 48 * 8);
    assert.equal(at(0, 10, 0), -1); // blue plane of a red pixel
    assert.equal(at(2, 10, 0), 1); // red plane
    assert.ok(Math.abs(at(1, 47, 1) - (128 / 127.5 - 1)) < 1e-6);
  });

  it('pads the right of the line with 0', () => {
    for (let x = 2; x < 8; x++) for (let c = 0; c < 3; c++) assert.equal(at(c, 20, x), 0);
  });
});
