import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Detection } from '../../../src/engine/types.ts';
import {
  DEFAULT_VEIL_PLATE_PASSES,
  fuseVeilPasses,
  passFloor,
} from '../../../src/engine/veil-plate.passes.ts';

const plate = (x1: number, y1: number, x2: number, y2: number, score: number): Detection => ({
  cls: 'plate',
  box: { x1, y1, x2, y2 },
  score,
});
const suppress = { iou: 0.45, containment: 0.7 };

describe('fuseVeilPasses', () => {
  it('gives a plate seen by both passes the mean of their scores, on the better box', () => {
    const fused = fuseVeilPasses(
      [[plate(100, 100, 200, 140, 0.8)], [plate(102, 101, 201, 141, 0.4)]],
      suppress,
    );
    assert.equal(fused.length, 1);
    assert.deepEqual(fused[0].box, { x1: 100, y1: 100, x2: 200, y2: 140 });
    assert.ok(Math.abs(fused[0].score - 0.6) < 1e-12);
  });

  it('halves the score of a plate only one pass sees', () => {
    const fused = fuseVeilPasses(
      [[plate(0, 0, 50, 20, 0.9)], [plate(300, 300, 350, 320, 0.5)]],
      suppress,
    );
    assert.deepEqual(
      fused.map((d) => d.score),
      [0.45, 0.25],
    );
  });

  it("takes each pass's best overlapping box, once per pass", () => {
    const fused = fuseVeilPasses(
      [
        [plate(100, 100, 200, 140, 0.7)],
        [plate(100, 100, 200, 140, 0.3), plate(104, 100, 204, 140, 0.5)],
      ],
      suppress,
    );
    assert.equal(fused.length, 1);
    assert.ok(Math.abs(fused[0].score - 0.6) < 1e-12);
  });

  it('is plain NMS for one pass', () => {
    const fused = fuseVeilPasses(
      [[plate(0, 0, 100, 40, 0.5), plate(2, 0, 102, 40, 0.7), plate(10, 10, 30, 20, 0.2)]],
      suppress,
    );
    assert.deepEqual(
      fused.map((d) => d.score),
      [0.7],
    );
  });
});

describe('passFloor', () => {
  it('is the threshold itself for one pass', () => {
    assert.equal(passFloor(0.08, 1), 0.08);
    assert.equal(passFloor(0.6, 1), 0.6);
  });

  it('with two passes, what one pass needs when the other scores 1, not under 0.15', () => {
    assert.ok(Math.abs(passFloor(0.9, 2) - 0.8) < 1e-12);
    assert.equal(passFloor(DEFAULT_VEIL_PLATE_PASSES.rawCut, 2), 0.15);
    assert.equal(passFloor(0.4, 2), 0.15);
    assert.equal(passFloor(0.1, 2), 0.1);
  });
});
