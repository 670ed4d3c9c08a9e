import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carried, holds, STEADY, SteadyBoxes } from '../../../src/media/video/steady.boxes.ts';
import {
  centreVelocity,
  meanBox,
  SmoothBoxes,
  smoothedBox,
} from '../../../src/media/video/smooth.boxes.ts';
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

test('a track`s velocity is the least-squares slope of its box centre over the frames around', () => {
  assert.equal(centreVelocity([{ frame: 0, box: box(0, 0, 10, 10) }]), undefined);
  const line = [0, 1, 2, 3].map((k) => ({ frame: k, box: box(5 * k, 10 - k, 5 * k + 20, 30 - k) }));
  assert.deepEqual(centreVelocity(line), { vx: 5, vy: -1 });
  // The jittery path of 4 px per frame: +-3 px of error barely moves the fitted velocity.
  const path = jittery(40);
  const smooth = new SmoothBoxes();
  const v = path.map((b, k) => {
    smooth.apply(k, [face(b, 7)], (j) => (j < path.length ? [face(path[j], 7)] : []));
    return smooth.motionOf(face(b, 7));
  });
  for (const m of v.slice(4, -4)) assert.ok(Math.abs(m!.vx - 4) < 0.5 && Math.abs(m!.vy) < 0.5);
  assert.equal(smooth.motionOf(face(path[0])), undefined, 'untracked');
});

test('with its velocity, a moving track`s cover glides instead of standing still and jumping', () => {
  const path = jittery(40);
  const drawn = (withMotion: boolean) => {
    const smooth = new SmoothBoxes();
    const steady = new SteadyBoxes();
    return path.map((b, k) => {
      const found = smooth.apply(k, [face(b, 7)], (j) =>
        j < path.length ? [face(path[j], 7)] : [],
      );
      const motion = withMotion ? (d: Detection) => smooth.motionOf(d) : undefined;
      return steady.apply(found, motion)[0].box;
    });
  };
  const steps = (boxes: Box[]) => boxes.slice(5, -5).map((b, i) => boxes[i + 6].x1 - b.x1);
  // Held without motion: still for a few frames, then a jump of 10 px or more.
  assert.ok(Math.max(...steps(drawn(false))) >= 10, `steps ${steps(drawn(false))}`);
  // Carried: every step near the object's 4 px.
  const glide = drawn(true);
  for (const s of steps(glide)) assert.ok(Math.abs(s - 4) < 1.5, `steps ${steps(glide)}`);
  glide.forEach((b, k) => assert.ok(holds(b, path[k], { ...STEADY, reach: 0.16 }), `frame ${k}`));
});

test('a still track keeps its held box with its (near zero) velocity', () => {
  const steady = new SteadyBoxes();
  const first = steady.apply([face(box(100, 100, 200, 200), 1)], () => ({ vx: 0.3, vy: 0 }));
  const again = steady.apply([face(box(102, 99, 201, 202), 1)], () => ({ vx: 0.3, vy: 0.1 }));
  assert.deepEqual(again[0].box, first[0].box, '0.3 px per frame is under 0.4% of 100 px');
  assert.deepEqual(carried(box(0, 0, 100, 50), { vx: 1, vy: -1 }), box(1, -1, 101, 49));
  assert.deepEqual(carried(box(0, 0, 100, 50), undefined), box(0, 0, 100, 50));
});
