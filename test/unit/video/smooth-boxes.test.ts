import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holds } from '../../../src/media/video/steady.boxes.ts';
import { meanBox, SmoothBoxes, smoothedBox } from '../../../src/media/video/smooth.boxes.ts';
import type { Box, Detection } from '../../../src/engine/types.ts';
import { box, face } from './tracked-boxes.ts';

const contains = (outer: Box, inner: Box) =>
  outer.x1 <= inner.x1 && outer.y1 <= inner.y1 && outer.x2 >= inner.x2 && outer.y2 >= inner.y2;

test('the mean box, drawn where it holds the frame`s own box, else the union of both', () => {
  assert.deepEqual(meanBox([box(0, 0, 10, 10), box(4, 2, 14, 12)]), box(2, 1, 12, 11));
  const mean = box(100, 100, 200, 200);
  assert.deepEqual(smoothedBox(mean, box(104, 97, 203, 204)), mean);
  // Moved 20 px right: beyond the reach, so the cover takes in the frame's own box too.
  const own = box(120, 100, 220, 200);
  const drawn = smoothedBox(mean, own);
  assert.deepEqual(drawn, box(100, 100, 220, 200));
  assert.ok(contains(drawn, own));
});

/** A face moving 4 px per frame right, its detections off by +-3 px in turn. */
function jittery(frames: number): Box[] {
  return Array.from({ length: frames }, (_, k) => {
    const e = k % 2 === 0 ? 3 : -3;
    const x = 100 + 4 * k + e;
    return box(x, 200 + e, x + 120, 350 - e);
  });
}

test('a jittery moving track is drawn along a smooth path, every frame`s own box covered', () => {
  const path = jittery(40);
  const smooth = new SmoothBoxes();
  const drawn = path.map((b, k) =>
    smooth.apply(k, [face(b, 7)], (j) => (j < path.length ? [face(path[j], 7)] : [])),
  );
  const x1 = drawn.map((d) => d[0].box.x1);
  const jerk = (xs: number[]) =>
    xs.slice(1, -1).reduce((s, x, i) => s + Math.abs(xs[i] + xs[i + 2] - 2 * x), 0) /
    (xs.length - 2);
  assert.ok(jerk(path.map((b) => b.x1)) >= 11.9, 'the detections jerk by 12 px');
  assert.ok(jerk(x1.slice(3, -3)) < 2, `drawn path jerks by ${jerk(x1.slice(3, -3))}`);
  drawn.forEach((d, k) => assert.ok(holds(d[0].box, path[k]), `frame ${k} covered`));
});

test('untracked objects pass as they are; tracks are kept apart by class and id', () => {
  const smooth = new SmoothBoxes(1);
  const lone = face(box(0, 0, 50, 50));
  const plate: Detection = { cls: 'plate', box: box(300, 300, 400, 340), score: 0.8, trackId: 1 };
  const out = smooth.apply(0, [lone, face(box(100, 100, 200, 200), 1), plate], () => [
    face(box(104, 100, 204, 200), 1),
    { ...plate, box: box(310, 300, 410, 340) },
  ]);
  assert.equal(out[0], lone);
  assert.deepEqual(out[1].box, box(102, 100, 202, 200));
  assert.deepEqual(out[2].box, box(305, 300, 405, 340));
  assert.equal(out[2].cls, 'plate');
});

test('a track absent from a frame starts again from its own box', () => {
  const smooth = new SmoothBoxes(2);
  smooth.apply(0, [face(box(0, 0, 100, 100), 3)], () => []);
  smooth.apply(1, [], () => []);
  // No history and nothing ahead: drawn as found.
  const out = smooth.apply(2, [face(box(40, 0, 140, 100), 3)], () => []);
  assert.deepEqual(out[0].box, box(40, 0, 140, 100));
});
