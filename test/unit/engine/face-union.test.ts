import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeFaces } from '../../../src/engine/face-union.detector.ts';
import type { Detection } from '../../../src/engine/types.ts';

const face = (x1: number, score: number, w = 20, y1 = 0): Detection => ({
  cls: 'face',
  score,
  box: { x1, y1, x2: x1 + w, y2: y1 + w },
});

describe('mergeFaces', () => {
  it('keeps the faces only one detector found', () => {
    const a = [face(0, 0.9)];
    const b = [face(100, 0.6)];
    assert.deepEqual(mergeFaces(a, b), [a[0], b[0]]);
    assert.deepEqual(mergeFaces(a, []), a);
    assert.deepEqual(mergeFaces([], b), b);
  });

  it('keeps one face where both found it, the better scored', () => {
    const a = [face(0, 0.7)];
    const b = [face(2, 0.8)];
    assert.deepEqual(mergeFaces(a, b), b);
  });

  it('drops a box lying mostly inside a better one (a face boxed tighter by the other)', () => {
    const whole = face(0, 0.9, 40);
    const inner = face(5, 0.6, 20, 5); // IoU 0.25, 100% inside
    assert.deepEqual(mergeFaces([whole], [inner]), [whole]);
    // Side by side under the IoU bar and not inside: both stay.
    const beside = face(30, 0.6, 20, 5);
    assert.equal(mergeFaces([whole], [beside]).length, 2);
  });
});
