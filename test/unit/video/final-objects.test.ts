import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalObjects } from '../../../src/media/video/video.pipeline.ts';
import type { Detection } from '../../../src/engine/types.ts';
import type { YuvFrame } from '../../../src/media/video/yuv.frame.ts';

const frame = { width: 640, height: 360 } as YuvFrame;
const det = (cls: Detection['cls'], x: number, trackId?: number): Detection => ({
  cls,
  box: { x1: x, y1: 100, x2: x + 60, y2: 130 },
  score: 0.8,
  ...(trackId === undefined ? {} : { trackId }),
});

test('one box per track: a held and an interpolated box of one track are drawn as their union', () => {
  const out = finalObjects([det('face', 100, 3), det('face', 110, 3), det('face', 400, 4)], frame);
  assert.deepEqual(
    out.map((d) => [d.trackId, d.box.x1, d.box.x2]),
    [
      [3, 100, 170],
      [4, 400, 460],
    ],
  );
});

test('untracked boxes of one class that overlap are one object; others, and other classes, stay apart', () => {
  const out = finalObjects(
    [
      det('plate', 100),
      det('plate', 110),
      det('plate', 300),
      det('face', 105, 1),
      det('plate', 700),
    ],
    frame,
  );
  assert.deepEqual(
    out.map((d) => [d.cls, d.trackId, d.box.x1, d.box.x2]),
    [
      ['face', 1, 105, 165],
      ['plate', undefined, 100, 170],
      ['plate', undefined, 300, 360],
    ],
  );
});

test('an untracked box over a track of its class is that track: one object with its id', () => {
  const out = finalObjects(
    [det('plate', 100, 7), det('plate', 115), det('plate', 300), det('face', 110, 2)],
    frame,
  );
  assert.deepEqual(
    out.map((d) => [d.cls, d.trackId, d.box.x1, d.box.x2]),
    [
      ['plate', 7, 100, 175],
      ['face', 2, 110, 170],
      ['plate', undefined, 300, 360],
    ],
  );
});
