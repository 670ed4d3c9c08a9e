import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracker, type TrackedBox, type TrackerOptions } from '../../../src/engine/tracker.ts';
import type { Detection } from '../../../src/engine/types.ts';

const face = (x: number, size = 40, score = 0.9): Detection => ({
  cls: 'face',
  box: { x1: x, y1: 50, x2: x + size, y2: 50 + size },
  score,
});

/** The frames that got a box, sorted. */
const framesOf = (out: TrackedBox[]) => [...new Set(out.map((o) => o.frame))].sort((a, b) => a - b);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const options: TrackerOptions = {
  trackedClasses: ['face'],
  holdFrames: 4,
  lookbackFrames: 5,
  drawLag: 10,
  confirmFrames: { face: 8 },
  startScores: { face: 0.5 },
};

test('a tentative track seen once is drawn on its own frame only, then dropped', () => {
  const sut = new Tracker(options);
  const out = sut.update(20, [face(100)]);
  for (let f = 21; f < 40; f++) out.push(...sut.update(f, []));
  out.push(...sut.finish(45));
  assert.deepEqual(framesOf(out), [20]);
  assert.equal(sut.started.face, 0);
  assert.equal(sut.rejected.face, 1);
  assert.equal(sut.size, 0);
});

test('a second detection, weak too, confirms it: look-back and gap drawn at once', () => {
  const sut = new Tracker(options);
  assert.deepEqual(framesOf(sut.update(20, [face(100)])), [20]);
  assert.deepEqual(framesOf(sut.update(21, [])), []);
  // Frame 20 was drawn already.
  const out = sut.update(23, [face(104, 40, 0.3)]);
  assert.deepEqual(framesOf(out), [...range(15, 19), ...range(21, 23)]);
  assert.equal(sut.started.face, 1);
  // Confirmed: held as any track from now on.
  assert.deepEqual(framesOf(sut.update(24, [])), [24]);
});

test('a large track needs a detection at the start score (confirmStrongSide)', () => {
  const strong = { ...options, confirmStrongSide: { face: 100 } };
  const weakOnly = new Tracker(strong);
  const out = weakOnly.update(20, [face(100, 120)]);
  for (let f = 22; f <= 30; f += 2) out.push(...weakOnly.update(f, [face(100, 120, 0.3)]));
  assert.deepEqual(framesOf(out), [20]);
  assert.equal(weakOnly.rejected.face, 1);

  const confirmed = new Tracker(strong);
  confirmed.update(20, [face(100, 120)]);
  confirmed.update(22, [face(100, 120, 0.3)]);
  const drawn = framesOf(confirmed.update(24, [face(100, 120, 0.8)]));
  assert.deepEqual(drawn, [...range(15, 19), ...range(21, 24)]);
  assert.equal(confirmed.started.face, 1);
});

test('tentative only as long as the caller still holds the look-back frames (drawLag)', () => {
  // Look-back 5 of a draw lag of 10: confirmable up to 4 frames after the start.
  const inTime = new Tracker(options);
  inTime.update(20, [face(100)]);
  assert.deepEqual(framesOf(inTime.update(24, [face(100, 40, 0.3)])), [
    ...range(15, 19),
    ...range(21, 24),
  ]);
  const late = new Tracker(options);
  late.update(20, [face(100)]);
  assert.deepEqual(framesOf(late.update(25, [face(100, 40, 0.3)])), []);
  assert.equal(late.rejected.face, 1);
  // A look-back as long as the draw lag: no room, the track starts confirmed.
  const full = new Tracker({ ...options, lookbackFrames: 10 });
  assert.deepEqual(framesOf(full.update(20, [face(100)])), range(10, 20));
});

test('a new start where a tentative track was dropped draws both, under one id', () => {
  const sut = new Tracker(options);
  const first = face(100);
  sut.update(20, [first]);
  for (let f = 21; f <= 28; f++) sut.update(f, []);
  assert.equal(sut.rejected.face, 1);
  const again = face(106);
  const out = sut.update(29, [again, face(400)]);
  assert.equal(again.trackId, first.trackId);
  // The first sighting's look-back and hold (15-24), the second's look-back and frame (24-29).
  const ids = new Set(out.filter((o) => o.detection.box.x1 < 200).map((o) => o.detection.trackId));
  assert.deepEqual([...ids], [first.trackId]);
  assert.deepEqual(framesOf(out.filter((o) => o.detection.box.x1 < 200)), [
    ...range(15, 19),
    ...range(21, 29),
  ]);
  // The far one is a tentative track of its own: its frame only.
  assert.deepEqual(framesOf(out.filter((o) => o.detection.box.x1 >= 200)), [29]);
  assert.equal(sut.rejected.face, 0);
  assert.equal(sut.started.face, 2);
});

test('a track started on the last detection frame of the video is drawn in full', () => {
  const sut = new Tracker(options);
  const out = [...sut.update(20, [face(100)]), ...sut.finish(22)];
  assert.deepEqual(framesOf(out), range(15, 22));
  assert.equal(sut.started.face, 1);
});

test('a start at the sure score is confirmed at once (sureScores)', () => {
  const sut = new Tracker({ ...options, sureScores: { face: 0.8 } });
  assert.deepEqual(framesOf(sut.update(20, [face(100, 40, 0.85)])), range(15, 20));
  assert.deepEqual(framesOf(sut.update(21, [face(300, 40, 0.7)])), [21]);
  assert.equal(sut.started.face, 2);
});
