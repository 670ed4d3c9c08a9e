import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendLook, LOOK_SIZE, lookOf, lookSimilarity } from '../../../src/engine/appearance.ts';
import { lookWeight, Tracker } from '../../../src/engine/tracker.ts';
import type { Detection, RgbFrame } from '../../../src/engine/types.ts';

/** A 200 x 100 frame: a left half of horizontal stripes, a right half of a colour ramp. */
function frame(): RgbFrame {
  const width = 200;
  const height = 100;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      if (x < 100) data.fill(Math.floor(y / 10) % 2 ? 220 : 30, p, p + 3);
      else data.set([(x - 100) * 2, 255 - (x - 100) * 2, y * 2], p);
    }
  }
  return { data, width, height };
}

test('a look is centred and of unit length; the same pixels give the same look', () => {
  const f = frame();
  const a = lookOf(f, { x1: 10, y1: 10, x2: 90, y2: 90 })!;
  assert.equal(a.length, LOOK_SIZE);
  assert.ok(Math.abs(a.reduce((s, x) => s + x, 0)) < 1e-4);
  assert.ok(Math.abs(lookSimilarity(a, a) - 1) < 1e-5);
  const b = lookOf(f, { x1: 10, y1: 10, x2: 90, y2: 90 })!;
  assert.ok(Math.abs(lookSimilarity(a, b) - 1) < 1e-5);
});

test('two different patterns look unlike; a box shifted by a pixel still looks alike', () => {
  const f = frame();
  const stripes = lookOf(f, { x1: 10, y1: 10, x2: 90, y2: 90 })!;
  const ramp = lookOf(f, { x1: 110, y1: 10, x2: 190, y2: 90 })!;
  const shifted = lookOf(f, { x1: 111, y1: 11, x2: 191, y2: 91 })!;
  assert.ok(lookSimilarity(stripes, ramp) < 0.4, `${lookSimilarity(stripes, ramp)}`);
  assert.ok(lookSimilarity(ramp, shifted) > 0.95, `${lookSimilarity(ramp, shifted)}`);
});

test('no look for a tiny box or one mostly outside the frame', () => {
  const f = frame();
  assert.equal(lookOf(f, { x1: 10, y1: 10, x2: 16, y2: 40 }), undefined);
  assert.equal(lookOf(f, { x1: 150, y1: 50, x2: 250, y2: 150 }), undefined);
});

test('a blended look stays of unit length and moves toward what was seen', () => {
  const a = new Float32Array(LOOK_SIZE);
  const b = new Float32Array(LOOK_SIZE);
  a[0] = 1;
  a[1] = -1;
  b[2] = 1;
  b[3] = -1;
  const unit = (v: Float32Array) => v.map((x) => x / Math.SQRT2);
  const m = blendLook(unit(a), unit(b));
  assert.ok(Math.abs(lookSimilarity(m, m) - 1) < 1e-5);
  assert.ok(lookSimilarity(m, unit(a)) > lookSimilarity(m, unit(b)));
  assert.ok(lookSimilarity(m, unit(b)) > 0);
});

test('lookWeight: 1 for a sure look, the floor for an unlike one, linear between', () => {
  assert.equal(lookWeight(0.95), 1);
  assert.equal(lookWeight(0.1), 0.2);
  assert.ok(Math.abs(lookWeight(0.6) - 0.6) < 1e-9);
});

// Tracker with looks: unit vectors along axis 0 (person A) and axis 1 (person B).
const lookA = new Float32Array(LOOK_SIZE).fill(0);
lookA[0] = 1;
const lookB = new Float32Array(LOOK_SIZE).fill(0);
lookB[1] = 1;
const face = (x: number, y = 0, size = 100): Detection => ({
  cls: 'face',
  box: { x1: x, y1: y, x2: x + size, y2: y + size },
  score: 0.9,
});

/** Two still faces, A at x 0 and B at x 60; on frame 2 only one is found, at x 20, looking like B. */
function crossing(withLooks: boolean): { a: number; b: number; got: number } {
  const sut = new Tracker({ trackedClasses: ['face'] });
  const looks = new Map<Detection, Float32Array>();
  const look = withLooks ? (d: Detection) => looks.get(d) : undefined;
  const a = face(0);
  const b = face(60);
  looks.set(a, lookA);
  looks.set(b, lookB);
  sut.update(0, [a, b], true, look);
  const seen = face(20);
  looks.set(seen, lookB);
  sut.update(2, [seen], true, look);
  return { a: a.trackId!, b: b.trackId!, got: seen.trackId! };
}

test('of two overlapping tracks, a detection goes to the one it looks like', () => {
  // By overlap alone the box belongs to A (IoU 0.67 against 0.43)...
  const plain = crossing(false);
  assert.equal(plain.got, plain.a);
  // ...but it looks like B, so B keeps it.
  const looked = crossing(true);
  assert.equal(looked.got, looked.b);
});

test('a held track takes back a face that looks like it beyond the overlap rule', () => {
  const run = (look: Float32Array) => {
    const sut = new Tracker({ trackedClasses: ['face'], holdFrames: 12 });
    const looks = new Map<Detection, Float32Array>();
    const first = face(400, 100);
    looks.set(first, lookA);
    sut.update(0, [first], true, (d) => looks.get(d));
    sut.update(2, [], true, (d) => looks.get(d));
    // Back 1.5 face sizes to the left four frames later (no overlap with the held box).
    const back = face(250, 100);
    looks.set(back, look);
    sut.update(4, [back], true, (d) => looks.get(d));
    return { first: first.trackId, back: back.trackId, started: sut.started.face };
  };
  const same = run(lookA);
  assert.equal(same.back, same.first);
  assert.equal(same.started, 1);
  const other = run(lookB);
  assert.notEqual(other.back, other.first);
  assert.equal(other.started, 2);
});

test('a track dropped in view lives again with its id when a face like it comes back', () => {
  const run = (look: Float32Array) => {
    const sut = new Tracker({ trackedClasses: ['face'], holdFrames: 6 });
    const looks = new Map<Detection, Float32Array>();
    const get = (d: Detection) => looks.get(d);
    let id: number | undefined;
    // Moving right 5 px a frame, detected on frames 0..10, then missed for 14 frames (dropped
    // after the 6 held ones; revivable for 18 frames after the last detection).
    for (let f = 0; f <= 10; f++) {
      const d = face(100 + 5 * f, 100);
      looks.set(d, lookA);
      sut.update(f, [d], true, get);
      id = d.trackId;
    }
    for (let f = 11; f < 25; f++) sut.update(f, [], true, get);
    assert.equal(sut.size, 0, 'dropped after the hold');
    const back = face(100 + 5 * 25, 100);
    looks.set(back, look);
    const out = sut.update(25, [back], true, get);
    return { id, back: back.trackId, sut, out };
  };
  const same = run(lookA);
  assert.equal(same.back, same.id);
  assert.equal(same.sut.started.face, 1);
  assert.equal(same.sut.revived.face, 1);
  // Revived as a start: the frames before its detection are covered (look-back).
  assert.ok(same.out.some((o) => o.frame < 25 && o.detection.trackId === same.id));
  const other = run(lookB);
  assert.notEqual(other.back, other.id);
  assert.equal(other.sut.started.face, 2);
  assert.equal(other.sut.revived.face, 0);
});
