import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Vec2 } from '../../../src/engine/syn/mesh.geometry.ts';
import {
  checkDue,
  coverDue,
  coverStill,
  describedStill,
  newTrackMemory,
  poseOf,
  quickRetry,
  rememberOriginal,
  rememberWideView,
  shapeDistance,
  smoothColour,
  smoothMesh,
  TRACK_CHECK,
} from '../../../src/engine/syn/track.memory.ts';

/** A ring of points: a stand-in for a face mesh. */
function ring(cx: number, cy: number, r: number, wobble = 0, seed = 1): Vec2[] {
  let s = seed;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  return Array.from({ length: 60 }, (_, i) => {
    const a = (i / 60) * 2 * Math.PI;
    return [cx + Math.cos(a) * r + rand() * wobble, cy + Math.sin(a) * r + rand() * wobble];
  });
}

test('the smoothed mesh follows the face in position and size at once', () => {
  const sut = newTrackMemory();
  smoothMesh(sut, poseOf(ring(100, 100, 50), 0, 0));
  const moved = smoothMesh(sut, poseOf(ring(140, 90, 60), 0, 0));
  const pose = poseOf(moved, 0, 0);
  assert.ok(Math.abs(pose.centre[0] - 140) < 1e-6 && Math.abs(pose.centre[1] - 90) < 1e-6);
  assert.ok(Math.abs(pose.radius / poseOf(ring(140, 90, 60), 0, 0).radius - 1) < 1e-6);
});

test('mesh jitter is damped, a real change of shape is followed', () => {
  const sut = newTrackMemory();
  const base = ring(100, 100, 50);
  smoothMesh(sut, poseOf(base, 0, 0));
  const jittered = ring(100, 100, 50, 0.5, 7);
  const out = smoothMesh(sut, poseOf(jittered, 0, 0));
  const raw = shapeDistance(poseOf(jittered, 0, 0).shape, poseOf(base, 0, 0).shape);
  const smoothed = shapeDistance(poseOf(out, 0, 0).shape, poseOf(base, 0, 0).shape);
  assert.ok(smoothed < raw * 0.6, `jitter ${raw.toFixed(4)} -> ${smoothed.toFixed(4)}`);

  // An ellipse instead of a circle (a mouth opening): taken at once.
  const wide = ring(100, 100, 50).map(([x, y]) => [x, 100 + (y - 100) * 1.3] as Vec2);
  const out2 = smoothMesh(sut, poseOf(wide, 0, 0));
  assert.ok(shapeDistance(poseOf(out2, 0, 0).shape, poseOf(wide, 0, 0).shape) < 1e-9);
});

test('colour statistics move a third of the way per frame', () => {
  const sut = newTrackMemory();
  const a = {
    mean: [50, 10, 10] as [number, number, number],
    std: [10, 2, 2] as [number, number, number],
    count: 1,
  };
  const b = {
    mean: [80, 10, 10] as [number, number, number],
    std: [10, 2, 2] as [number, number, number],
    count: 1,
  };
  assert.deepEqual(smoothColour(sut, a).mean, [50, 10, 10]);
  assert.ok(Math.abs(smoothColour(sut, b).mean[0] - 59) < 1e-9);
});

test('a check is due on the first frame, after N frames, on a turn, a zoom or a thin margin', () => {
  const pose = poseOf(ring(100, 100, 50), 0, 0);
  assert.equal(checkDue(undefined, pose), true, 'image: always');
  const sut = newTrackMemory();
  assert.equal(checkDue(sut, pose), true, 'first frame of a track');
  Object.assign(sut, {
    donor: 'f01',
    pull: 0.75,
    checked: { pose, similarity: 0.2, faceApiDistance: 0.8 },
    sinceCheck: 0,
  });
  assert.equal(checkDue(sut, pose), false, 'same pose, just checked');
  assert.equal(checkDue(sut, { ...pose, yaw: TRACK_CHECK.angle + 0.01 }), true, 'turned');
  assert.equal(checkDue(sut, { ...pose, pitch: -TRACK_CHECK.angle - 0.01 }), true, 'nodded');
  assert.equal(checkDue(sut, { ...pose, radius: pose.radius * 1.3 }), true, 'closer');
  const wide = poseOf(
    ring(100, 100, 50).map(([x, y]) => [x, 100 + (y - 100) * 1.3] as Vec2),
    0,
    0,
  );
  assert.equal(checkDue(sut, wide), true, 'shape changed');
  sut.sinceCheck = TRACK_CHECK.every - 1;
  assert.equal(checkDue(sut, pose), true, 'every N frames');
  sut.sinceCheck = 0;
  sut.checked!.faceApiDistance = TRACK_CHECK.thinFaceApi - 0.01;
  assert.equal(checkDue(sut, pose), true, 'thin margin: every frame');
  sut.checked = undefined;
  assert.equal(checkDue(sut, pose), true, 'after a failed check');
});

test('the original descriptors of a track are kept, the last few only', () => {
  const sut = newTrackMemory();
  for (let i = 0; i < 6; i++)
    rememberOriginal(sut, [i], [new Float32Array([i]), new Float32Array([i])]);
  assert.deepEqual(
    sut.originals.faceres.map((e) => e[0]),
    [2, 3, 4, 5],
  );
  assert.equal(sut.originals.faceApi.length, 8);
});

test('the wide views of a track kept undescribed are the newest four, in order', () => {
  const sut = newTrackMemory();
  const views = [1, 2, 3, 4, 5, 6].map((w) => ({
    data: new Uint8Array(3 * w * w),
    width: w,
    height: w,
  }));
  for (const v of views) rememberWideView(sut, v);
  assert.deepEqual(sut.originals.wideViews, views.slice(2));
  assert.deepEqual(sut.originals.faceresWide, [], 'nothing described yet');
});

test('a blurred track keeps its checked blur, retrying after 1, 2, 4, 8 frames or a zoom', () => {
  const cover = {
    reason: 'still-matches' as const,
    passes: 2,
    side: 100,
    sinceCheck: 0,
    failures: 2,
  };
  assert.equal(coverDue(cover, 100), false);
  assert.equal(coverDue(cover, 110), false);
  assert.equal(coverDue(cover, 125), true, 'grew beyond the scale limit');
  assert.equal(coverDue(cover, 80), true, 'shrank beyond the scale limit');
  const after = (sinceCheck: number, failures: number) =>
    coverDue({ ...cover, sinceCheck, failures }, 100);
  assert.equal(after(0, 1), true, 'first failure: retry on the next frame');
  assert.deepEqual([after(0, 2), after(1, 2)], [false, true], 'second: in 2 frames');
  assert.deepEqual([after(2, 3), after(3, 3)], [false, true], 'third: in 4');
  assert.deepEqual([after(6, 5), after(TRACK_CHECK.every - 1, 5)], [false, true], 'then every N');
});

test('a held still-matching blur retries its closest candidate; a turned or unmeshed one does not', () => {
  const closest = { donor: 'f03', pull: 1 };
  const cover = {
    reason: 'still-matches' as const,
    passes: 1,
    side: 100,
    sinceCheck: 1,
    failures: 4,
    closest,
  };
  assert.deepEqual(quickRetry(cover), closest);
  assert.equal(quickRetry({ ...cover, closest: undefined }), undefined, 'no candidate judged');
  assert.equal(quickRetry({ ...cover, reason: 'turned' }), undefined);
  assert.equal(quickRetry({ ...cover, reason: 'no-mesh' }), undefined);
  const near = { ...cover, closest: { ...closest, similarity: TRACK_CHECK.retryBelow - 0.01 } };
  assert.deepEqual(quickRetry(near), closest, 'a near miss is retried');
  const far = { ...cover, closest: { ...closest, similarity: TRACK_CHECK.retryBelow } };
  assert.equal(quickRetry(far), undefined, 'the recogniser itself matched it: no retry');
});

test('a check reuses the described original only in a like pose, shape and size, and not for long', () => {
  const sut = newTrackMemory();
  const described = poseOf(ring(100, 100, 50), 0, 0);
  assert.equal(describedStill(sut, described), false);
  rememberOriginal(sut, [1], [new Float32Array([1]), new Float32Array([2])], described);
  assert.equal(describedStill(sut, poseOf(ring(130, 95, 52), 0.05, -0.05)), true);
  assert.equal(describedStill(sut, poseOf(ring(100, 100, 50), 0.2, 0)), false);
  assert.equal(describedStill(sut, poseOf(ring(100, 100, 65), 0, 0)), false);
  assert.equal(describedStill(sut, poseOf(ring(100, 100, 50, 8), 0, 0)), false);
  sut.described!.age = TRACK_CHECK.describeEvery;
  assert.equal(describedStill(sut, described), false);
  // A later description without face-api's descriptors: none is reused.
  sut.described!.age = 0;
  assert.equal(describedStill(sut, described), true);
  rememberOriginal(sut, [1], [], described);
  assert.equal(describedStill(sut, described), false);
});

test('a retry that failed again keeps a cover judged within N frames at a like size', () => {
  const cover = {
    reason: 'still-matches' as const,
    passes: 2,
    side: 100,
    sinceCheck: 0,
    failures: 1,
  };
  assert.equal(coverStill(cover, 100), false, 'never judged: judge it');
  assert.equal(coverStill({ ...cover, judged: 0 }, 110), true);
  assert.equal(coverStill({ ...cover, judged: TRACK_CHECK.every - 2 }, 100), true);
  assert.equal(coverStill({ ...cover, judged: TRACK_CHECK.every - 1 }, 100), false, 'too old');
  assert.equal(coverStill({ ...cover, judged: 0 }, 125), false, 'grew');
  assert.equal(coverStill({ ...cover, judged: 0 }, 80), false, 'shrank');
});
