import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOOKBACK_BUDGET_BYTES,
  passTurn,
  smallPassGapFor,
  type TurnRules,
} from '../../../src/media/video/detection-frame.ts';

const rules = (over: Partial<TurnRules>): TurnRules => ({
  index: 0,
  count: 0,
  stride: 3,
  lastNeeded: 0,
  lastPass: -Infinity,
  quietFrames: 60,
  quietGap: 12,
  sparse: 3,
  ...over,
});

/** Detection frames at `every` frames, a small face last expected on `lastSmallFace`. */
function turns(every: number, frames: number, lastSmallFace: number, quietGap = 12): number[] {
  const out: number[] = [];
  let lastPass = -Infinity;
  for (let index = 0, count = 0; index < frames; index += every, count++) {
    if (passTurn(rules({ index, count, lastNeeded: lastSmallFace, lastPass, quietGap }))) {
      out.push(index);
      lastPass = index;
    }
  }
  return out;
}

describe('passTurn (when the small-face passes and tracked plate searches run)', () => {
  it('runs them on every stride-th detection frame while a small face was tracked lately', () => {
    assert.deepEqual(turns(2, 40, 30), [0, 6, 12, 18, 24, 30, 36]);
    assert.deepEqual(turns(3, 40, 30), [0, 9, 18, 27, 36]);
  });

  it('runs them at most quietGap frames apart once the footage is quiet', () => {
    // Quiet from frame 60 on (no small face since the start).
    // Every 2nd frame: the last stride turn before 60 is 54, then every 10 frames (the next
    // detection frame could be 3 away); every 3rd frame: 54, then every 12.
    const dense = turns(2, 120, 0);
    assert.deepEqual(
      dense.filter((f) => f >= 54),
      [54, 64, 74, 84, 94, 104, 114],
    );
    const sparse = turns(3, 120, 0);
    assert.deepEqual(
      sparse.filter((f) => f >= 54),
      [54, 66, 78, 90, 102, 114],
    );
    for (const list of [dense, sparse]) {
      for (let i = 1; i < list.length; i++) assert.ok(list[i] - list[i - 1] <= 12);
    }
  });

  it('is off with quietGap 0', () => {
    assert.deepEqual(turns(2, 120, 0, 0), turns(2, 120, 1e9, 12));
  });
});

describe('smallPassGapFor (the whole-frame small-face gap the look-back can afford)', () => {
  const frame = (w: number, h: number) => (w * h * 3) / 2;
  it('allows 36 frames up to 1080p, fewer above, never under 12', () => {
    assert.equal(smallPassGapFor(frame(1280, 720)), 36);
    assert.equal(smallPassGapFor(frame(1920, 1080)), 36);
    assert.equal(smallPassGapFor(frame(2560, 1440)), 22);
    assert.equal(smallPassGapFor(frame(3840, 2160)), 12);
    assert.equal(smallPassGapFor(frame(7680, 4320)), 12);
  });

  it('keeps the look-back (gap - 1 frames) within the budget above 12', () => {
    for (const [w, h] of [
      [1920, 1080],
      [2560, 1440],
      [3200, 1800],
    ]) {
      const gap = smallPassGapFor(frame(w, h));
      assert.ok((gap - 1) * frame(w, h) <= LOOKBACK_BUDGET_BYTES, `${w}x${h}: ${gap}`);
    }
  });
});
