import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyPlan, type CopyRules } from '../../../src/media/video/detection-frame.ts';

const rules = (over: Partial<CopyRules>): CopyRules => ({
  smallTurn: false,
  smallestFacePx: Infinity,
  keepPx: 48,
  passPx: 32,
  detectSide: 960,
  coarseSide: 640,
  needsSide: false,
  ...over,
});

describe('copyPlan (which copy and passes a detection frame gets)', () => {
  it('gives the coarse copy without small-face passes when no face is small', () => {
    assert.deepEqual(copyPlan(rules({ smallestFacePx: 120 })), { smallObjects: false, side: 640 });
    assert.deepEqual(copyPlan(rules({})), { smallObjects: false, side: 640 });
  });

  it('runs the small-face passes at the detection size on their turn', () => {
    assert.deepEqual(copyPlan(rules({ smallTurn: true })), { smallObjects: true, side: 960 });
  });

  it('keeps the detection size but not the passes for faces between the two sizes', () => {
    assert.deepEqual(copyPlan(rules({ smallestFacePx: 40 })), { smallObjects: false, side: 960 });
    assert.deepEqual(copyPlan(rules({ smallestFacePx: 32 })), { smallObjects: false, side: 960 });
  });

  it('keeps the passes on every detection frame for a face under passPx', () => {
    assert.deepEqual(copyPlan(rules({ smallestFacePx: 31.9 })), { smallObjects: true, side: 960 });
  });

  it('never runs the passes for a size keepPx would give up (passPx above keepPx)', () => {
    const r = rules({ passPx: 64, smallestFacePx: 50 });
    assert.deepEqual(copyPlan(r), { smallObjects: false, side: 640 });
  });

  it('keeps the detection size when something else needs it', () => {
    assert.deepEqual(copyPlan(rules({ needsSide: true })), { smallObjects: false, side: 960 });
  });

  it('never enlarges the copy past detectSide', () => {
    const r = rules({ detectSide: 480, coarseSide: 640 });
    assert.deepEqual(copyPlan(r), { smallObjects: false, side: 480 });
  });
});
