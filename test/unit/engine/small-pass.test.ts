import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Detection } from '../../../src/engine/types.ts';
import {
  cappedRegions,
  enlargedRegions,
  fromSmallPass,
  smallPassThreshold,
} from '../../../src/engine/small-pass.ts';

const face = (size: number, score: number): Detection => ({
  cls: 'face',
  box: { x1: 10, y1: 20, x2: 10 + size, y2: 20 + size * 1.2 },
  score,
});

describe('small-face pass steps', () => {
  it('raises the threshold by a share of what is left above it', () => {
    assert.equal(smallPassThreshold(0.5, 0), 0.5);
    assert.ok(Math.abs(smallPassThreshold(0.5, 0.2) - 0.6) < 1e-12);
    assert.ok(Math.abs(smallPassThreshold(0.3, 0.5) - 0.65) < 1e-12);
    assert.equal(smallPassThreshold(1, 0.2), 1);
  });

  it('a face just at the raised threshold comes back at the caller threshold', () => {
    for (const [t, raise] of [
      [0.5, 0.2],
      [0.3, 0.1],
      [0.8, 0.4],
    ]) {
      const [back] = fromSmallPass([face(20, smallPassThreshold(t, raise))], raise, 48);
      assert.ok(Math.abs(back.score - t) < 1e-12, `${t} ${raise}: ${back.score}`);
    }
  });

  it('keeps the order of scores, 1 stays 1, none below 0', () => {
    const found = fromSmallPass([face(20, 1), face(20, 0.7), face(20, 0.1)], 0.2, 48);
    assert.equal(found[0].score, 1);
    assert.ok(found[1].score < 1 && found[1].score > 0);
    assert.equal(found[2].score, 0);
  });

  it('takes only faces whose longer side is under the keep size', () => {
    // Heights are 1.2 x the width: the longer side decides.
    const found = fromSmallPass([face(30, 0.9), face(39, 0.9), face(40, 0.9)], 0.2, 48);
    assert.deepEqual(
      found.map((f) => f.box.x2 - f.box.x1),
      [30, 39],
    );
    assert.equal(fromSmallPass([face(10, 0.9)], 0.2, 0).length, 0);
  });

  it('keeps class and box as they are', () => {
    const [f] = fromSmallPass([face(20, 0.8)], 0.25, 48);
    assert.equal(f.cls, 'face');
    assert.deepEqual(f.box, face(20, 0.8).box);
  });
});

/** Windows as the examples below reckon them (the defaults of their time, written out). */
const WINDOWS = {
  proposeScore: 0.01,
  settledPx: 32,
  margin: 1,
  minMargin: 24,
  cell: 32,
  maxShare: 0.5,
  capShare: 0.25,
};

describe('enlargedRegions', () => {
  const r = WINDOWS;
  const box = (x: number, y: number, s: number) => ({ x1: x, y1: y, x2: x + s, y2: y + s });

  it('covers each box with its margin, on cell boundaries inside the picture', () => {
    // A 16 px box at (100, 100): margin 24 -> 76..140 -> cells 2..4 (64..160).
    assert.deepEqual(enlargedRegions([box(100, 100, 16)], 960, 540, r), [
      { x: 64, y: 64, w: 96, h: 96 },
    ]);
    // At the corner: clipped to the picture, and the last cell cut at its edge.
    assert.deepEqual(enlargedRegions([box(0, 530, 10)], 950, 540, r), [
      { x: 0, y: 480, w: 64, h: 60 },
    ]);
    // A larger box reaches its own size beyond itself.
    assert.deepEqual(enlargedRegions([box(320, 320, 40)], 960, 540, r), [
      { x: 256, y: 256, w: 160, h: 160 },
    ]);
  });

  it('merges touching windows into one rectangle, keeps apart ones apart', () => {
    const near = enlargedRegions([box(100, 100, 16), box(150, 100, 16)], 960, 540, r);
    assert.deepEqual(near, [{ x: 64, y: 64, w: 128, h: 96 }]);
    const apart = enlargedRegions([box(100, 100, 16), box(600, 300, 16)], 960, 540, r);
    assert.equal(apart?.length, 2);
  });

  it('gives the whole picture (null) when windows cover most of it, nothing without boxes', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      box((i % 8) * 120, Math.floor(i / 8) * 110, 20),
    );
    assert.equal(enlargedRegions(many, 960, 540, r), null);
    assert.deepEqual(enlargedRegions([], 960, 540, r), []);
  });
});

describe('cappedRegions', () => {
  const r = { ...WINDOWS, capShare: 0.07 };
  const det = (x: number, y: number, s: number, score: number): Detection => ({
    cls: 'face',
    box: { x1: x, y1: y, x2: x + s, y2: y + s },
    score,
  });
  const area = (rects: Array<{ w: number; h: number }>) =>
    rects.reduce((a, q) => a + q.w * q.h, 0) / (960 * 540);

  it('keeps the tracked boxes, then the likeliest proposals within the share', () => {
    // 20 proposals of 20 px spread over the frame: each window is 96 x 96 px (1.8% of it), the
    // tracked one's 128 x 128 (3.2%).
    const proposals = Array.from({ length: 20 }, (_, i) =>
      det((i % 5) * 190 + 40, Math.floor(i / 5) * 130 + 20, 20, 0.01 + i / 100),
    );
    const tracked = [{ x1: 440, y1: 250, x2: 470, y2: 280 }];
    const rects = cappedRegions(proposals, [], tracked, 960, 540, r);
    assert.ok(area(rects) <= 0.07 + 1e-9);
    const covers = (b: { x1: number; y1: number; x2: number; y2: number }) =>
      rects.some((q) => b.x1 >= q.x && b.y1 >= q.y && b.x2 <= q.x + q.w && b.y2 <= q.y + q.h);
    assert.ok(covers(tracked[0]));
    // The two highest scores fit beside the tracked window (6.7%); the third and the lowest do not.
    assert.ok(covers(proposals[19].box) && covers(proposals[18].box));
    assert.ok(!covers(proposals[17].box) && !covers(proposals[0].box));
  });

  it('keeps tracked boxes even beyond the share, leaves out proposals inside found faces', () => {
    const tracked = Array.from({ length: 8 }, (_, i) => ({
      x1: i * 110 + 20,
      y1: 200,
      x2: i * 110 + 50,
      y2: 230,
    }));
    const rects = cappedRegions([], [], tracked, 960, 540, r);
    assert.ok(area(rects) > 0.07);
    const found = det(600, 300, 120, 0.9);
    const part = det(620, 320, 30, 0.05);
    assert.deepEqual(cappedRegions([part], [found], [], 960, 540, r), []);
    assert.equal(cappedRegions([part], [], [], 960, 540, r).length, 1);
  });
});
