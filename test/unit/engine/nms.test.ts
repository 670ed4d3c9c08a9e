import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nms } from '../../../src/engine/nms.ts';

const d = (x1: number, score: number, w = 10) => ({
  box: { x1, y1: 0, x2: x1 + w, y2: 10 },
  score,
});

describe('nms', () => {
  const cases: Array<[string, ReturnType<typeof d>[], number, number | undefined, number[]]> = [
    ['keeps disjoint boxes', [d(0, 0.5), d(20, 0.9)], 0.3, undefined, [0.9, 0.5]],
    ['drops the weaker of two overlapping boxes', [d(0, 0.6), d(1, 0.8)], 0.3, undefined, [0.8]],
    [
      'keeps overlapping boxes under the IoU bar',
      [d(0, 0.6), d(6, 0.8)],
      0.3,
      undefined,
      [0.8, 0.6],
    ],
    [
      'chains: a suppressed box does not suppress others',
      [d(0, 0.9), d(3, 0.8), d(7, 0.7)],
      0.3,
      undefined,
      [0.9, 0.7],
    ],
    ['drops a cut half inside a better whole', [d(0, 0.9, 20), d(0, 0.7, 8)], 0.5, 0.7, [0.9]],
    [
      'keeps a cut half without the containment rule',
      [d(0, 0.9, 20), d(0, 0.7, 8)],
      0.5,
      undefined,
      [0.9, 0.7],
    ],
    ['keeps nothing from nothing', [], 0.3, undefined, []],
  ];
  for (const [name, items, iouBar, containment, scores] of cases) {
    it(name, () => {
      const sut = nms(items, { iou: iouBar, containment });
      assert.deepEqual(
        sut.map((k) => k.score),
        scores,
      );
    });
  }

  it('leaves its input untouched', () => {
    const items = [d(0, 0.1), d(1, 0.9)];
    nms(items, { iou: 0.3 });
    assert.deepEqual(
      items.map((k) => k.score),
      [0.1, 0.9],
    );
  });
});
