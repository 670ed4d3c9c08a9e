import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Detection } from '../../../src/engine/types.ts';
import {
  DEFAULT_VEIL_PLATE_PASSES,
  fuseVeilPasses,
  passFloor,
  SINGLE_PASS_RAW_CUT,
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

describe('fuseVeilPasses with plates too small for a pass', () => {
  // passes at 640 and 320 px of a 1280 px picture: scales 0.5 and 0.25
  const small = {
    scales: [0.5, 0.25],
    minSeenPx: 20,
    singleCut: SINGLE_PASS_RAW_CUT,
    rawCut: DEFAULT_VEIL_PLATE_PASSES.rawCut,
  };

  it("judges a plate the 320 px pass cannot see by the 640 px pass alone, at one pass's cut", () => {
    // 60 px wide: 30 px at 640, 15 px at 320 (under 20)
    const atCut = fuseVeilPasses([[plate(0, 0, 60, 20, SINGLE_PASS_RAW_CUT)], []], suppress, small);
    assert.ok(Math.abs(atCut[0].score - small.rawCut) < 1e-12);
    const sure = fuseVeilPasses([[plate(0, 0, 60, 20, 1)], []], suppress, small);
    assert.equal(sure[0].score, 1);
    const weak = fuseVeilPasses([[plate(0, 0, 60, 20, 0.3)], []], suppress, small);
    assert.ok(Math.abs(weak[0].score - (0.3 / SINGLE_PASS_RAW_CUT) * small.rawCut) < 1e-12);
  });

  it('keeps the mean of both passes for a plate both can see', () => {
    // 100 px wide: 50 px at 640, 25 px at 320
    const fused = fuseVeilPasses([[plate(0, 0, 100, 30, 0.8)], []], suppress, small);
    assert.ok(Math.abs(fused[0].score - 0.4) < 1e-12);
  });

  it('keeps the mean when no pass can see the plate', () => {
    const fused = fuseVeilPasses([[plate(0, 0, 30, 10, 0.8)], []], suppress, small);
    assert.ok(Math.abs(fused[0].score - 0.4) < 1e-12);
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
