import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracker, affinity, reachOf, type TrackedBox } from '../../../src/engine/tracker.ts';
import type { Box, Detection } from '../../../src/engine/types.ts';

const face = (x: number, y: number, size = 40, score = 0.9): Detection => ({
  cls: 'face',
  box: { x1: x, y1: y, x2: x + size, y2: y + size },
  score,
});
const plate = (x: number, y: number): Detection => ({
  cls: 'plate',
  box: { x1: x, y1: y, x2: x + 60, y2: y + 20 },
  score: 0.8,
});

function byFrame(out: TrackedBox[]): Map<number, Detection[]> {
  const m = new Map<number, Detection[]>();
  for (const o of out) m.set(o.frame, [...(m.get(o.frame) ?? []), o.detection]);
  return m;
}

const covers = (b: Box, x: number, y: number) => b.x1 <= x && x <= b.x2 && b.y1 <= y && y <= b.y2;

test('keeps one id for an object moving steadily', () => {
  const sut = new Tracker({ trackedClasses: ['face'] });
  const ids = new Set<number>();
  for (let f = 0; f < 20; f++) {
    const d = face(100 + f * 8, 50);
    sut.update(f, [d]);
    ids.add(d.trackId!);
  }
  assert.deepEqual([...ids], [1]);
  assert.equal(sut.started.face, 1);
});

test('gives two crossing-free objects two ids', () => {
  const sut = new Tracker({ trackedClasses: ['face'] });
  const a = face(0, 0);
  const b = face(300, 0);
  sut.update(0, [a, b]);
  assert.notEqual(a.trackId, b.trackId);
  assert.equal(sut.started.face, 2);
});

test('holds a missed object along its motion, then drops it after holdFrames', () => {
  const sut = new Tracker({ trackedClasses: ['face'], holdFrames: 5 });
  for (let f = 0; f < 5; f++) sut.update(f, [face(100 + f * 10, 50)]);
  // Frames 5..7: the detector misses; the object keeps moving 10 px/frame.
  for (let f = 5; f < 8; f++) {
    const out = sut.update(f, []);
    const here = out.filter((o) => o.frame === f);
    assert.equal(here.length, 1, `frame ${f} held`);
    const cx = 100 + f * 10 + 20;
    assert.ok(covers(here[0].detection.box, cx, 70), `frame ${f} follows the motion`);
  }
  for (let f = 8; f < 12; f++) sut.update(f, []);
  assert.equal(sut.size, 0);
  assert.equal(sut.update(12, []).length, 0);
});

test('re-associates after a gap and interpolates the skipped frames', () => {
  const sut = new Tracker({ trackedClasses: ['face'] });
  const first = face(100, 100);
  sut.update(0, [first]);
  sut.update(1, [face(104, 100)]);
  const later = face(140, 100);
  const out = byFrame(sut.update(10, [later]));
  assert.equal(later.trackId, first.trackId);
  for (let f = 2; f < 10; f++) {
    const boxes = out.get(f) ?? [];
    const cx = 104 + ((140 - 104) * (f - 1)) / 9 + 20;
    assert.ok(
      boxes.some((d) => covers(d.box, cx, 120)),
      `frame ${f} covered at interpolated x ${cx}`,
    );
  }
});

test('covers the look-back frames before an object is first detected', () => {
  const sut = new Tracker({ trackedClasses: ['face'], lookbackFrames: 4 });
  for (let f = 0; f < 10; f++) sut.update(f, []);
  const out = byFrame([...sut.update(10, [face(200, 50)]), ...sut.update(11, [face(190, 50)])]);
  // Moving left 10 px/frame: at frame 10-k the centre was at 220 + 10k.
  for (let k = 1; k <= 4; k++) {
    const boxes = out.get(10 - k) ?? [];
    assert.ok(
      boxes.some((d) => covers(d.box, 220 + 10 * k, 70)),
      `frame ${10 - k} covered`,
    );
  }
  assert.equal(out.get(5), undefined);
});

test('a large object gets the short look-back, a small one the long one (shortLookback)', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    lookbackFrames: 20,
    shortLookback: { face: { frames: 5, minSide: 100 } },
  });
  for (let f = 0; f < 30; f++) sut.update(f, []);
  const out = byFrame(sut.update(30, [face(50, 50, 120), face(300, 50, 40)]));
  // Boxes by their centre: the large face's at (110, 110), the small one's at (320, 70).
  const at = (f: number, size: number) =>
    (out.get(f) ?? []).some((d) =>
      size > 100 ? covers(d.box, 110, 110) && !covers(d.box, 320, 70) : covers(d.box, 320, 70),
    );
  for (let f = 25; f < 30; f++) assert.ok(at(f, 120), `large face on frame ${f}`);
  assert.ok(!at(24, 120), 'large face not on frame 24');
  for (let f = 10; f < 30; f++) assert.ok(at(f, 40), `small face on frame ${f}`);
});

test('an object seen once at a border is held for holdFrames only (no velocity to leave by)', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    holdFrames: 3,
    frameSize: { width: 300, height: 200 },
  });
  sut.update(0, [face(270, 50, 40)]);
  const held = [1, 2, 3, 4, 5, 6].filter((f) => sut.update(f, []).some((o) => o.frame === f));
  assert.deepEqual(held, [1, 2, 3]);
});

test('a weak detection continues a track but does not start one', () => {
  const sut = new Tracker({ trackedClasses: ['face'], startScores: { face: 0.5 } });
  const weakAlone = face(400, 400, 40, 0.3);
  sut.update(0, [weakAlone]);
  assert.equal(weakAlone.trackId, undefined);
  assert.equal(sut.size, 0);
  const strong = face(100, 100);
  sut.update(1, [strong]);
  const weak = face(103, 100, 40, 0.3);
  sut.update(2, [weak]);
  assert.equal(weak.trackId, strong.trackId);
});

test('small fast objects whose boxes stop overlapping still associate by centre distance', () => {
  const pred: Box = { x1: 0, y1: 0, x2: 10, y2: 10 };
  assert.ok(affinity(pred, { x1: 11, y1: 0, x2: 21, y2: 10 }, 0.15) === 0);
  assert.ok(affinity(pred, { x1: 5, y1: 0, x2: 15, y2: 10 }, 0.15) > 0);
  const sut = new Tracker({ trackedClasses: ['face'] });
  const a = face(0, 0, 10);
  sut.update(0, [a]);
  const b = face(5, 0, 10);
  sut.update(1, [b]);
  const c = face(10, 0, 10); // predicted at 10: overlaps again
  sut.update(2, [c]);
  assert.equal(c.trackId, a.trackId);
});

test('a track seen once reaches farther the longer since: a fast object searched sparsely keeps its id', () => {
  // A 60 px plate crossing 15 px/frame, searched every 4th frame: 60 px (1 box) between sightings.
  const wide = (x: number, w = 60): Detection => ({
    cls: 'plate',
    box: { x1: x, y1: 100, x2: x + w, y2: 120 },
    score: 0.8,
  });
  assert.equal(reachOf(2, 4), 0.6);
  assert.ok(Math.abs(reachOf(1, 4) - 1.2) < 1e-12);
  assert.equal(reachOf(1, 40), 2);
  const sut = new Tracker({ trackedClasses: ['plate'], lookbackFrames: 8 });
  for (let f = 0; f < 8; f++) sut.update(f, []);
  const first = wide(400);
  const out = byFrame([...sut.update(8, [first]), ...sut.update(12, [wide(340)])]);
  assert.equal(sut.started.plate, 1);
  // The look-back follows the motion it now knows: at frame 8 - k the plate was 15k px right.
  for (let k = 1; k <= 8; k++) {
    const boxes = out.get(8 - k) ?? [];
    assert.ok(
      boxes.some((d) => covers(d.box, 430 + 15 * k, 110)),
      `frame ${8 - k} covered`,
    );
  }
  // The frames between are interpolated.
  assert.ok((out.get(10) ?? []).some((d) => covers(d.box, 400, 110)));
  // Once moving, a track is expected where its velocity takes it: the reach is the usual one.
  const sut2 = new Tracker({ trackedClasses: ['plate'] });
  sut2.update(0, [wide(400)]);
  // One box away after one frame is too far for a track seen once, a box of another size too.
  sut2.update(1, [wide(340)]);
  sut2.update(5, [wide(505, 150)]);
  assert.equal(sut2.started.plate, 3);
});

test('untracked classes are drawn on the frames since the previous detection frame, and held a few frames after theirs', () => {
  const sut = new Tracker({ trackedClasses: ['face'] });
  sut.update(0, [plate(10, 10)]);
  const out = sut.update(3, [plate(13, 10)]);
  // Frames 1-2: the box of frame 0 held, moved towards the box of frame 3, and the box of frame
  // 3 drawn back; frame 3: its own.
  assert.deepEqual(
    out.map((o) => [o.frame, o.detection.box.x1]),
    [
      [1, 10],
      [2, 10],
      [1, 11],
      [2, 12],
      [1, 13],
      [2, 13],
      [3, 13],
    ],
  );
  assert.ok(out.every((o) => o.detection.trackId === undefined));
  assert.deepEqual(sut.update(4, []), []);
  // A detection frame that misses it: the last box stays on at most 3 frames after its own.
  sut.update(10, [plate(10, 10)]);
  assert.deepEqual(
    sut.update(20, []).map((o) => o.frame),
    [11, 12, 13],
  );
});

test('an untracked object drawn where none was is drawn back over untrackedLookback frames', () => {
  const sut = new Tracker({ trackedClasses: ['face'], lookbackFrames: 12, untrackedLookback: 4 });
  sut.update(0, []);
  sut.update(8, []);
  // New at frame 10 (a plate coming into view, found weaker before): back to frame 6, grown
  // (4% of its size a side per frame) before the previous search, as a held box is.
  const fresh = sut.update(10, [plate(10, 10)]);
  assert.deepEqual(
    fresh.map((o) => o.frame),
    [6, 7, 8, 9, 10],
  );
  const width = (o: TrackedBox) => o.detection.box.x2 - o.detection.box.x1;
  assert.deepEqual(
    fresh.map((o) => Math.round(width(o) * 100) / 100),
    [79.2, 74.4, 69.6, 60, 60],
  );
  // Where one was drawn on the previous detection frame: back to that frame only.
  const next = sut.update(12, [plate(12, 10)]).filter((o) => o.detection.box.x1 === 12);
  assert.deepEqual(
    next.map((o) => o.frame),
    [11, 12],
  );
});

test('untracked classes reach back to the previous frame that searched them', () => {
  const sut = new Tracker({ trackedClasses: ['face'], lookbackFrames: 8 });
  sut.update(0, [plate(12, 10)]);
  // Frame 4 did not search plates: the plate of frame 0 is neither held nor dropped there.
  assert.deepEqual(sut.update(4, [], false), []);
  // Plates were last searched on frame 0: frames 1-3 get its box held, frames 1-9 the box
  // found on frame 9, and frames 1-8 the box moved between the two.
  const out = sut.update(9, [plate(30, 10)]);
  const at = (x: number) => out.filter((o) => o.detection.box.x1 === x).map((o) => o.frame);
  assert.deepEqual(at(12), [1, 2, 3]);
  assert.deepEqual(at(30), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(
    out.filter((o) => ![12, 30].includes(o.detection.box.x1)).map((o) => o.detection.box.x1),
    [14, 16, 18, 20, 22, 24, 26, 28],
  );
  // Never further back than the look-back, nor before the previous search.
  sut.update(30, []);
  sut.update(40, [], false);
  assert.deepEqual(
    sut.update(50, [plate(12, 10)]).map((o) => o.frame),
    [42, 43, 44, 45, 46, 47, 48, 49, 50],
  );
});

test('finish draws the last untracked detections on to the end, within the look-back', () => {
  const sut = new Tracker({ trackedClasses: ['face'], lookbackFrames: 3 });
  sut.update(0, [plate(0, 0)]);
  sut.update(2, [plate(0, 0)]);
  assert.deepEqual(
    sut.finish(3).map((o) => o.frame),
    [3],
  );
  const later = new Tracker({ trackedClasses: ['face'], lookbackFrames: 3 });
  later.update(0, [plate(0, 0)]);
  assert.deepEqual(
    later.finish(10).map((o) => o.frame),
    [1, 2, 3],
  );
  const none = new Tracker({ trackedClasses: ['face'] });
  none.update(0, [plate(0, 0)]);
  none.update(2, []);
  assert.deepEqual(none.finish(5), []);
});

test('finish emits held boxes up to the last frame', () => {
  const sut = new Tracker({ trackedClasses: ['face', 'plate'], holdFrames: 3 });
  sut.update(0, [plate(0, 0)]);
  const out = sut.finish(10);
  assert.deepEqual(
    out.map((o) => o.frame),
    [1, 2, 3],
  );
});

test('refuses frames that do not increase', () => {
  const sut = new Tracker({ trackedClasses: ['face'] });
  sut.update(3, []);
  assert.throws(() => sut.update(3, []));
});

test('held boxes carry landmarks moved with the box', () => {
  const sut = new Tracker({ trackedClasses: ['face'] });
  const d = { ...face(100, 100), landmarks: [[110, 110]] as Array<[number, number]> };
  sut.update(0, [d]);
  sut.update(1, [{ ...face(110, 100), landmarks: [[120, 110]] }]);
  const held = sut.update(2, []).find((o) => o.frame === 2)!.detection;
  const [x] = held.landmarks![0];
  assert.ok(Math.abs(x - 130) < 4, `landmark follows the motion: ${x}`);
});

test('an object leaving through a border is held until its predicted box has left', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    holdFrames: 3,
    frameSize: { width: 300, height: 200 },
  });
  // Moving right 5 px/frame; last seen touching the right border at frame 4.
  for (let f = 0; f < 5; f++) sut.update(f, [face(240 + f * 5, 50, 40)]);
  let last = 4;
  for (let f = 5; f < 40; f++) {
    if (sut.update(f, []).some((o) => o.frame === f)) last = f;
  }
  // The box (x1 = 260 at frame 4) leaves x = 300 after 8 more frames; beyond holdFrames.
  assert.ok(last >= 11 && last <= 13, `held until frame ${last}`);
  assert.equal(sut.size, 0);
});

test('an object missed on its way to a border is held until it has left, not only holdFrames', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    holdFrames: 4,
    frameSize: { width: 300, height: 200 },
  });
  // Moving right 10 px/frame, last seen at x2 = 260 (frame 4): expected at the border (x2 >= 296)
  // when its 4 held frames end (frame 8), out of the frame (x1 >= 300) from frame 12.
  for (let f = 0; f < 5; f++) sut.update(f, [face(180 + f * 10, 50, 40)]);
  let last = 4;
  for (let f = 5; f < 40; f++) {
    const here = sut.update(f, []).filter((o) => o.frame === f);
    if (here.length === 0) continue;
    last = f;
    assert.ok(covers(here[0].detection.box, 200 + f * 10, 70) || 200 + f * 10 > 300, `frame ${f}`);
  }
  assert.ok(last >= 11 && last <= 12, `held until frame ${last}`);
  // Heading away from the borders it gets holdFrames only (the next test).
});

test('an object missed in the middle of the frame is held for holdFrames only', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    holdFrames: 3,
    frameSize: { width: 300, height: 200 },
  });
  sut.update(0, [face(100, 50)]);
  const held = [1, 2, 3, 4, 5].filter((f) => sut.update(f, []).some((o) => o.frame === f));
  assert.deepEqual(held, [1, 2, 3]);
});

test('a box cut by the border keeps the object size, so the track follows the object out', () => {
  const sut = new Tracker({ trackedClasses: ['face'], frameSize: { width: 300, height: 200 } });
  // A 40 px face moving right 5 px/frame; from frame 3 the detector box is clipped at x = 300.
  let out: TrackedBox[] = [];
  for (let f = 0; f < 8; f++) {
    const x1 = 230 + f * 5;
    out = sut.update(f, [
      { cls: 'face', score: 0.9, box: { x1, y1: 50, x2: Math.min(300, x1 + 40), y2: 90 } },
    ]);
  }
  const now = out.find((o) => o.frame === 7)!.detection.box;
  assert.ok(now.x2 - now.x1 >= 40, `width ${now.x2 - now.x1}`);
  assert.ok(now.x1 <= 265 && now.x2 >= 305, `covers the object at 265..305: ${now.x1}..${now.x2}`);
  const next = sut.update(8, []).find((o) => o.frame === 8)!.detection.box;
  assert.ok(next.x1 <= 270 && next.x2 >= 310, `predicted ${next.x1}..${next.x2}`);
});

test('a half hidden object found by its visible part keeps its whole extent', () => {
  const sut = new Tracker({ trackedClasses: ['face'], frameSize: { width: 640, height: 480 } });
  for (let f = 0; f < 4; f++) sut.update(f, [face(100 + f * 4, 100, 80)]);
  // Frame 4: only the lower 40% (the chin under a hand) is detected, moved on by 4 px.
  const part: Detection = { cls: 'face', box: { x1: 126, y1: 148, x2: 186, y2: 180 }, score: 0.8 };
  const drawn = byFrame(sut.update(4, [part])).get(4)!;
  assert.equal(part.trackId, 1);
  // The whole face where it would be (x 116..196, y 100..180) stays covered.
  for (const [x, y] of [
    [118, 102],
    [194, 102],
    [156, 140],
    [118, 178],
  ])
    assert.ok(
      covers(drawn[0].box, x, y),
      `(${x}, ${y}) covered by ${JSON.stringify(drawn[0].box)}`,
    );
  // Once the whole face is detected again, the box follows it, not the union.
  const whole = byFrame(sut.update(5, [face(120, 100, 80)])).get(5)!;
  assert.ok(whole[0].box.x2 - whole[0].box.x1 < 90);
});

test('frames between two reshaped detections are drawn padded like those detections', () => {
  const sut = new Tracker({ trackedClasses: ['face'], frameSize: { width: 640, height: 480 } });
  // Detection every other frame; from frame 4 only a shrunken part of the face is found.
  for (let f = 0; f <= 2; f += 2) sut.update(f, [face(100 + f * 4, 100, 80)]);
  const part = (f: number): Detection => ({
    cls: 'face',
    box: { x1: 130 + f * 4, y1: 150, x2: 170 + f * 4, y2: 180 },
    score: 0.8,
  });
  const at4 = byFrame(sut.update(4, [part(4)])).get(4)![0].box;
  const drawn = byFrame(sut.update(6, [part(6)]));
  const at5 = drawn.get(5)![0].box;
  const at6 = drawn.get(6)![0].box;
  const width = (b: Box) => b.x2 - b.x1;
  // Frame 5 lies between two padded boxes: it is as wide as they are, not 15% narrower.
  assert.ok(width(at5) >= Math.min(width(at4), width(at6)) - 1, JSON.stringify({ at4, at5, at6 }));
  assert.ok(at5.x1 <= (at4.x1 + at6.x1) / 2 + 1 && at5.x2 >= (at4.x2 + at6.x2) / 2 - 1);
});

test('an object first found near a border is covered back to that border on the look-back frames', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    frameSize: { width: 640, height: 480 },
    lookbackFrames: 4,
  });
  // Entering from the left at 24 px/frame, first found at frame 6 with 30 px inside.
  const out = byFrame(sut.update(6, [face(30, 200, 80)]));
  for (let f = 2; f < 6; f++) {
    const b = out.get(f)![0].box;
    // On frame 4 the face spanned x -18..62: its visible part starts at the border.
    assert.ok(b.x1 <= 0 && b.x2 >= 110, `frame ${f}: ${JSON.stringify(b)}`);
  }
  // One found in the middle keeps its own box on the look-back frames.
  const mid = byFrame(sut.update(7, [face(300, 200, 80)]))
    .get(6)!
    .find((d) => d.box.x1 > 200)!;
  assert.ok(mid.box.x1 > 250, JSON.stringify(mid.box));
});

test('predicted: live tracks of one class moved by their velocity, by sightings', () => {
  const sut = new Tracker({ trackedClasses: ['face', 'plate'] });
  sut.update(0, [face(100, 50), plate(300, 300)]);
  sut.update(2, [face(110, 50), plate(300, 300)]);
  sut.update(4, [face(500, 400)]);
  // The first face moves 5 px per frame: on frame 6 it is expected 10 px on.
  const [moved, fresh] = sut.predicted('face', 6);
  assert.deepEqual(moved, { x1: 130, y1: 50, x2: 170, y2: 90 });
  assert.deepEqual(fresh, { x1: 500, y1: 400, x2: 540, y2: 440 });
  assert.equal(sut.predicted('face', 6, 2).length, 1, 'one face seen at least twice');
  assert.deepEqual(sut.predicted('plate', 6), [{ x1: 300, y1: 300, x2: 360, y2: 320 }]);
});

test('untracked classes: a weak detection is drawn only where one was drawn on a recent detection frame', () => {
  const weak = (x: number, y: number): Detection => ({ ...plate(x, y), score: 0.3 });
  const sut = new Tracker({ trackedClasses: ['face'], startScores: { plate: 0.5 } });
  // Weak and new: not drawn.
  assert.deepEqual(sut.update(0, [weak(10, 10)]), []);
  sut.update(2, [plate(10, 10)]);
  // Weak where the plate was: drawn (frames 3-4, and moved from frame 2's box on frame 3,
  // which also holds that box).
  const near = sut.update(4, [weak(18, 10), weak(600, 300)]);
  assert.deepEqual(
    near.filter((o) => o.detection.score === 0.3).map((o) => [o.frame, o.detection.box.x1]),
    [
      [3, 14],
      [3, 18],
      [4, 18],
    ],
  );
  // Chained from a weak one; across a detection frame without it (bridged, from the box of
  // frame 6 to this one on frames 7-9, with its own box on frames 9-10 as a new one's, and on
  // frame 6 where the line from frame 4's box to this one passes); broken once none was drawn
  // for over 12 frames.
  assert.equal(sut.update(6, [weak(26, 10)]).filter((o) => o.frame === 6).length, 1);
  sut.update(8, []);
  const bridged = sut.update(10, [weak(34, 10)]).filter((o) => o.detection.score === 0.3);
  assert.deepEqual(
    bridged.map((o) => [o.frame, o.detection.box.x1]),
    [
      [7, 28],
      [8, 30],
      [9, 32],
      [6, 18 + 16 / 3],
      [9, 34],
      [10, 34],
    ],
  );
  sut.update(14, []);
  sut.update(20, []);
  assert.deepEqual(sut.update(24, [weak(34, 10)]), []);
});

test('an untracked object bridges only from one lost since, reaching farther the longer the gap', () => {
  const weak = (x: number, y: number): Detection => ({ ...plate(x, y), score: 0.3 });
  const rules = {
    trackedClasses: ['face' as const],
    startScores: { plate: 0.5 },
    lookbackFrames: 12,
  };
  const drawnWeak = (out: TrackedBox[]) =>
    out.filter((o) => o.detection.score === 0.3).map((o) => o.frame);
  // The plate of frame 0 found again on frame 4: a weak detection 1.7 plate widths from its first
  // box on frame 8 is another object, not drawn.
  const followed = new Tracker(rules);
  followed.update(0, [plate(100, 100)]);
  followed.update(4, [plate(110, 100)]);
  assert.deepEqual(drawnWeak(followed.update(8, [plate(120, 100), weak(120, 200)])), []);
  // Missed on frame 4: lost, so the weak detection 8 frames on continues it (within 2 widths).
  const lost = new Tracker(rules);
  lost.update(0, [plate(100, 100)]);
  lost.update(4, []);
  assert.ok(drawnWeak(lost.update(8, [weak(120, 200)])).includes(8));
  // Right after a search (reach 0.6 widths), the same distance is too far.
  const near = new Tracker(rules);
  near.update(0, [plate(100, 100)]);
  assert.deepEqual(drawnWeak(near.update(1, [weak(120, 200)])), []);
});

test('a new untracked object is drawn back along the weaker detections that led up to it', () => {
  const weak = (x: number, y: number): Detection => ({ ...plate(x, y), score: 0.3 });
  const sut = new Tracker({
    trackedClasses: ['face'],
    startScores: { plate: 0.5 },
    lookbackFrames: 12,
    untrackedLookback: 2,
  });
  // A plate coming into view from the left, found weak on frames 4 and 6 (and something weak
  // elsewhere), at its start score on frame 8.
  sut.update(0, []);
  sut.update(2, []);
  assert.deepEqual(sut.update(4, [weak(0, 10)]), []);
  assert.deepEqual(sut.update(6, [weak(10, 10), weak(600, 300)]), []);
  const out = byFrame(sut.update(8, [plate(20, 10)]));
  // Each weak link on its own frame, moved linearly to the next; the first link's look-back
  // (2 frames, grown 4% a side per frame) before it; nothing where the other weak one was.
  const x1s = (f: number) =>
    (out.get(f) ?? []).map((d) => Math.round(d.box.x1)).sort((a, b) => a - b);
  assert.deepEqual(x1s(2), [-5]);
  assert.deepEqual(x1s(3), [-2]);
  assert.deepEqual(x1s(4), [0]);
  assert.deepEqual(x1s(5), [5]);
  assert.deepEqual(x1s(7), [15, 20]);
  assert.ok(![...out.values()].flat().some((d) => d.box.x1 > 100));
  // A plate that continues one drawn before is not new: no chain.
  assert.deepEqual(
    [...byFrame(sut.update(10, [plate(22, 10)])).keys()].sort((a, b) => a - b),
    [9, 10],
  );
});

test('an untracked object lost next to a border is drawn out to it for holdFrames', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    frameSize: { width: 640, height: 360 },
    holdFrames: 6,
  });
  sut.update(0, [plate(30, 100), plate(300, 100)]);
  // Both missed on frame 2: the one 30 px from the left border (under its width) is drawn
  // from that border to its right edge on frames 1-6; the one mid-frame only up to the
  // detection frame that missed it.
  const out = sut.update(2, []).concat(sut.update(4, []), sut.finish(20));
  const exit = out.filter((o) => o.detection.box.x1 === 0);
  assert.deepEqual(
    exit.map((o) => o.frame),
    [1, 2, 3, 4, 5, 6],
  );
  assert.ok(exit.every((o) => o.detection.box.x2 === 90 && o.detection.box.y1 < 100));
  assert.deepEqual(
    out.filter((o) => o.detection.box.x1 === 300).map((o) => o.frame),
    [1],
  );
});

test('an untracked object lost at a border is drawn out to it for as long as its motion takes it to leave', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    frameSize: { width: 640, height: 360 },
    holdFrames: 6,
  });
  // Moving right 3 px per frame (trailing edge 540 -> 546), 34 px from the right border: the
  // trailing edge needs (640 - 546) / 3 = 31.3, 32 frames to reach it.
  sut.update(0, [plate(540, 100)]);
  sut.update(2, [plate(546, 100)]);
  const out = sut.update(4, []).concat(sut.finish(100));
  const exit = out.filter((o) => o.detection.box.x2 === 640).map((o) => o.frame);
  assert.equal(exit[0], 3);
  assert.equal(exit.at(-1), 2 + 32);
});

test('an untracked plate boxed in part on one search, between two whole boxes, is covered whole there', () => {
  const sut = new Tracker({ trackedClasses: ['face'], frameSize: { width: 640, height: 360 } });
  const part = (x: number): Detection => ({
    cls: 'plate',
    box: { x1: x + 20, y1: 110, x2: x + 60, y2: 120 },
    score: 0.8,
  });
  sut.update(0, [plate(100, 100)]);
  const onPart = sut.update(4, [part(108)]);
  // Frame 4 alone: only the lower right part of the plate (at x 108) is known there.
  assert.ok(onPart.filter((o) => o.frame === 4).every((o) => o.detection.box.y1 === 110));
  // Frame 8 finds the whole plate again: on frame 4 the line from frame 0's box to frame 8's
  // passes at x 108, the plate's whole box there.
  const later = sut.update(8, [plate(116, 100)]).filter((o) => o.frame === 4);
  assert.deepEqual(
    later.map((o) => o.detection.box),
    [{ x1: 108, y1: 100, x2: 168, y2: 120 }],
  );
});

test('an untracked plate boxed in part at a border it lay next to is drawn out to that border', () => {
  const sut = new Tracker({ trackedClasses: ['face'], frameSize: { width: 640, height: 360 } });
  // 2 px from the left border, then only its left 24 px found (leaving, or a few characters).
  sut.update(0, [plate(2, 100)]);
  const cut = { cls: 'plate' as const, box: { x1: 2, y1: 104, x2: 26, y2: 116 }, score: 0.8 };
  const out = sut.update(4, [cut]).filter((o) => o.frame === 4);
  assert.ok(
    out.some((o) => o.detection.box.y1 === 104),
    'its own box',
  );
  assert.deepEqual(
    out.filter((o) => o.detection.box.x1 === 0).map((o) => o.detection.box),
    [{ x1: 0, y1: 100, x2: 26, y2: 120 }],
  );
  // Mid-frame, a smaller box is only that box.
  const mid = new Tracker({ trackedClasses: ['face'], frameSize: { width: 640, height: 360 } });
  mid.update(0, [plate(300, 100)]);
  const inner = { cls: 'plate' as const, box: { x1: 310, y1: 104, x2: 340, y2: 116 }, score: 0.8 };
  assert.ok(
    mid
      .update(4, [inner])
      .filter((o) => o.frame === 4)
      .every((o) => o.detection.box.y1 === 104),
  );
});

test('an untracked object lost at a border leaves at the speed from the box it continued, also over a search that missed it', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    frameSize: { width: 640, height: 360 },
    holdFrames: 6,
    lookbackFrames: 12,
  });
  // Another plate mid-frame is found on every search; the one heading for the right border (4 px
  // per frame) is missed on frame 8 (more than its width from the border: not leaving) and found
  // again on 12 (bridged from frame 4), then lost: its trailing edge (528) needs
  // (640 - 528) / 4 = 28 frames to leave.
  sut.update(0, [plate(480, 200), plate(100, 100)]);
  sut.update(4, [plate(496, 200), plate(100, 100)]);
  sut.update(8, [plate(100, 100)]);
  sut.update(12, [plate(528, 200), plate(100, 100)]);
  const out = sut.update(16, [plate(100, 100)]).concat(sut.finish(100));
  const exit = out.filter((o) => o.detection.box.x2 === 640).map((o) => o.frame);
  assert.equal(exit[0], 13);
  assert.equal(exit.at(-1), 12 + 28);
});

test('an untracked plate coming into view through a border is drawn back to when its leading edge crossed it', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    startScores: { plate: 0.5 },
    frameSize: { width: 640, height: 360 },
    lookbackFrames: 24,
    untrackedLookback: 2,
  });
  const box = (x2: number) => ({ x1: 0, y1: 100, x2, y2: 120 });
  sut.update(4, []);
  // Found weak with 20 px in view, then at the start score with 36 px: its leading edge moves
  // 4 px per frame, so it crossed the border 5 frames before the first sighting.
  sut.update(8, [{ cls: 'plate', box: box(20), score: 0.3 }]);
  const out = sut.update(12, [{ cls: 'plate', box: box(36), score: 0.8 }]);
  const before = out.filter((o) => o.frame < 8);
  assert.deepEqual([...new Set(before.map((o) => o.frame))], [3, 4, 5, 6, 7]);
  assert.ok(before.every((o) => o.detection.box.x1 === 0 && o.detection.box.x2 === 20));
});

test('an untracked plate heading out through a border is drawn out even where a box back from the border continues it', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    frameSize: { width: 640, height: 360 },
    holdFrames: 6,
  });
  // 10 px per frame towards the right border, 20 px from it on frame 4; frame 8 finds only a box
  // beside it whose trailing edge lies 12 px back (548): the plate went on out, at 10 px per
  // frame its trailing edge (560) leaves after (640 - 560) / 10 = 8 frames.
  sut.update(0, [plate(520, 200)]);
  sut.update(4, [plate(560, 200)]);
  const beside = { cls: 'plate' as const, box: { x1: 548, y1: 198, x2: 608, y2: 214 }, score: 0.8 };
  const out = sut.update(8, [beside]).concat(sut.update(12, [beside]), sut.finish(40));
  const exit = out.filter((o) => o.detection.box.x1 === 560 && o.detection.box.x2 === 640);
  assert.deepEqual(
    exit.map((o) => o.frame),
    [5, 6, 7, 8, 9, 10, 11, 12],
  );
});

test('an untracked plate driving along a border, its box jittering towards it, is not drawn out to it', () => {
  const sut = new Tracker({
    trackedClasses: ['face'],
    frameSize: { width: 640, height: 360 },
    holdFrames: 6,
  });
  // 10 px per frame to the right, 12 px below the top border (under its height); its lower edge
  // rises 1 px from frame 0 to frame 4 and drops 1 px by frame 8: at 0.25 px per frame it would
  // take 124 frames to leave through the top, so it is not on its way out there.
  const at = (x: number, y: number): Detection => ({
    cls: 'plate',
    box: { x1: x, y1: y, x2: x + 60, y2: y + 20 },
    score: 0.8,
  });
  const out = [at(100, 12), at(140, 11), at(180, 12), at(220, 12)].flatMap((d, k) =>
    sut.update(4 * k, [d]),
  );
  out.push(...sut.finish(40));
  assert.deepEqual(
    out.filter((o) => o.detection.box.y1 <= 0).map((o) => o.frame),
    [],
  );
  assert.ok(out.some((o) => o.frame === 12 && o.detection.box.x1 === 220));
});

test('a weak untracked box beside a plate that its own box continues is not drawn; one over it is', () => {
  const run = (weakY: number) => {
    const sut = new Tracker({ trackedClasses: ['face'], startScores: { plate: 0.5 } });
    sut.update(0, [plate(100, 100)]);
    const weak: Detection = { ...plate(104, weakY), score: 0.3 };
    return sut.update(4, [plate(104, 100), weak]).filter((o) => o.detection.box.y1 === weakY);
  };
  // Just below the plate (a sign): the plate went on as its own box.
  assert.deepEqual(run(122), []);
  // Over it (a second box of the same plate): drawn.
  assert.ok(run(110).some((o) => o.frame === 4));
});

test('an untracked plate found under its start score on four searches in a row is drawn, back along the chain', () => {
  const rules = {
    trackedClasses: ['face' as const],
    startScores: { plate: 0.5 },
    lookbackFrames: 24,
  };
  const at = (x: number, score: number): Detection => ({ ...plate(x, 100), score });
  const run = (score: number) => {
    const sut = new Tracker(rules);
    const out: TrackedBox[] = [];
    for (const [k, f] of [0, 4, 8, 12].entries())
      out.push(...sut.update(f, [at(100 + 4 * k, score)]));
    return out;
  };
  // At 0.35 (over 0.6 of the start score): nothing on the first three searches, then the fourth
  // draws it and the chain back to the first sighting.
  const seen = run(0.35);
  assert.deepEqual(
    [...new Set(seen.map((o) => o.frame))].sort((a, b) => a - b),
    Array.from({ length: 13 }, (_, f) => f),
  );
  // At 0.25 (under it): never.
  assert.deepEqual(run(0.25), []);
});

test('a tracked class drawn by the untracked rules too: a weak chain no track starts is drawn, and tracks only add frames', () => {
  const at = (x: number, score: number): Detection => ({ ...plate(x, 100), score });
  // A weak plate (0.35, under the start score 0.5) on four searches, then a strong one that
  // comes and goes on the other side of the frame.
  const searches: Array<[number, Detection[]]> = [
    [0, [at(100, 0.35), at(400, 0.8)]],
    [4, [at(104, 0.35)]],
    [8, [at(108, 0.35)]],
    [12, [at(112, 0.35), at(400, 0.8)]],
    [16, [at(116, 0.35)]],
  ];
  const frames = (too: boolean, x: number) => {
    const sut = new Tracker({
      trackedClasses: ['face', 'plate'],
      startScores: { plate: 0.5 },
      lookbackFrames: 24,
      drawnUntrackedToo: too ? ['plate'] : [],
    });
    const out: TrackedBox[] = [];
    for (const [f, dets] of searches) out.push(...sut.update(f, dets));
    out.push(...sut.finish(40));
    const hit = out.filter((o) => covers(o.detection.box, x + 30, 110));
    return new Set(hit.map((o) => o.frame));
  };
  // The weak plate: no track ever starts, so only the untracked rules draw it (from frame 0).
  assert.equal(frames(false, 100).size, 0);
  const weak = frames(true, 110);
  assert.ok(Array.from({ length: 17 }, (_, f) => f).every((f) => weak.has(f)));
  // The strong one: every frame its track covers is still covered.
  const tracked = frames(false, 400);
  const both = frames(true, 400);
  assert.ok(tracked.size > 0);
  assert.ok([...tracked].every((f) => both.has(f)));
});

test('a box many times a track size around it does not continue it; a smaller one near a larger track does', () => {
  const small = { x1: 100, y1: 300, x2: 160, y2: 370 };
  // ~950x620 around the small face (IoU 0.007, centre within REACH of the large box's size).
  const giant = { x1: 0, y1: 0, x2: 950, y2: 620 };
  assert.equal(affinity(small, giant, 0.15), 0);
  // Twice its size, beside it: still a continuation.
  assert.ok(affinity(small, { x1: 130, y1: 300, x2: 250, y2: 440 }, 0.15) > 0);
  // The other way round (a part of a large track's box): a continuation.
  assert.ok(affinity(giant, { x1: 400, y1: 250, x2: 460, y2: 320 }, 0.15) > 0);

  // In the tracker: a weak small false face, then such a box around it under the start score
  // (it could only continue a track): the track keeps its size, the giant starts nothing.
  const sut = new Tracker({ trackedClasses: ['face'], startScores: { face: 0.5 } });
  sut.update(0, [{ cls: 'face', box: small, score: 0.6 }]);
  const out = sut.update(2, [{ cls: 'face', box: giant, score: 0.45 }]);
  assert.ok(out.every((o) => o.detection.box.x2 - o.detection.box.x1 < 100));
});
