import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  area,
  clipBox,
  clipDetection,
  containment,
  iou,
  mapDetection,
} from '../../../src/engine/box.ts';
import type { Box } from '../../../src/engine/types.ts';

const b = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });

describe('box math', () => {
  const iouCases: Array<[string, Box, Box, number]> = [
    ['identical boxes', b(0, 0, 10, 10), b(0, 0, 10, 10), 1],
    ['disjoint boxes', b(0, 0, 10, 10), b(20, 20, 30, 30), 0],
    ['touching edges', b(0, 0, 10, 10), b(10, 0, 20, 10), 0],
    ['half overlap', b(0, 0, 10, 10), b(5, 0, 15, 10), 50 / 150],
    ['one inside the other', b(0, 0, 10, 10), b(2, 2, 7, 7), 25 / 100],
    ['empty box', b(5, 5, 5, 5), b(0, 0, 10, 10), 0],
  ];
  for (const [name, p, q, expected] of iouCases) {
    it(`IoU of ${name} is ${expected.toFixed(3)}`, () => {
      assert.ok(Math.abs(iou(p, q) - expected) < 1e-9);
      assert.ok(Math.abs(iou(q, p) - expected) < 1e-9, 'symmetric');
    });
  }

  it('measures containment of a cut half inside the whole', () => {
    assert.equal(containment(b(0, 0, 5, 10), b(0, 0, 10, 10)), 1);
    assert.equal(containment(b(5, 0, 15, 10), b(0, 0, 10, 10)), 0.5);
    assert.equal(area(b(3, 4, 1, 1)), 0);
  });

  it('clips boxes into the frame', () => {
    assert.deepEqual(clipBox(b(-5, -5, 50, 8), 20, 10), b(0, 0, 20, 8));
  });

  it('maps box, landmarks and polygon with one affine map', () => {
    const sut = mapDetection(
      { cls: 'plate', box: b(1, 2, 3, 4), score: 0.9, polygon: [[1, 2]], landmarks: [[3, 4]] },
      { scaleX: 2, scaleY: 3, offsetX: 10, offsetY: 20 },
    );
    assert.deepEqual(sut.box, b(12, 26, 16, 32));
    assert.deepEqual(sut.polygon, [[12, 26]]);
    assert.deepEqual(sut.landmarks, [[16, 32]]);
    assert.equal(sut.score, 0.9);
  });

  it('drops a detection clipped to nothing and clamps its points', () => {
    assert.equal(
      clipDetection({ cls: 'face', box: b(30, 30, 40, 40), score: 1 }, 20, 20),
      undefined,
    );
    const kept = clipDetection(
      { cls: 'face', box: b(-2, 5, 8, 25), score: 1, landmarks: [[-1, 30]] },
      20,
      20,
    );
    assert.deepEqual(kept?.box, b(0, 5, 8, 20));
    assert.deepEqual(kept?.landmarks, [[0, 20]]);
  });
});
