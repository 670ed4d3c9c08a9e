import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holds, SteadyBoxes, STEADY } from '../../../src/media/video/steady.boxes.ts';
import { boxEllipse, FACE_ELLIPSE_SCALE } from '../../../src/engine/render/cover.geometry.ts';
import { box, face } from './tracked-boxes.ts';

test('a box that only jitters keeps the held box; one that moves or shrinks re-anchors', () => {
  const held = box(100, 100, 200, 200);
  assert.ok(holds(held, box(103, 98, 205, 204)), 'a few pixels either way');
  assert.ok(holds(held, box(92, 92, 208, 208)), 'up to 8% beyond each side');
  assert.ok(!holds(held, box(91, 100, 191, 200)), 'moved 9% left');
  assert.ok(!holds(held, box(110, 110, 190, 190)), 'shrunk to 64% of the area');
  assert.ok(holds(held, box(105, 105, 190, 190)), '72% of the area');
});

test('a held box still covers the new box: its edges lie inside the cover ellipse', () => {
  const held = box(100, 100, 200, 260);
  const e = boxEllipse(held, FACE_ELLIPSE_SCALE);
  const r = STEADY.reach;
  // The farthest a held-over box may reach, along each axis.
  const w = held.x2 - held.x1;
  const h = held.y2 - held.y1;
  for (const [x, y] of [
    [held.x1 - r * w, e.cy],
    [held.x2 + r * w, e.cy],
    [e.cx, held.y1 - r * h],
    [e.cx, held.y2 + r * h],
  ]) {
    const inside = ((x - e.cx) / e.rx) ** 2 + ((y - e.cy) / e.ry) ** 2;
    assert.ok(inside < 1, `(${x}, ${y}) inside the ellipse: ${inside.toFixed(3)}`);
  }
});

test('SteadyBoxes holds per track and class, passes untracked objects, forgets absent tracks', () => {
  const steady = new SteadyBoxes();
  const first = steady.apply([face(box(100, 100, 200, 200), 1), face(box(300, 100, 400, 200))]);
  assert.deepEqual(first[0].box, box(100, 100, 200, 200));
  const second = steady.apply([
    face(box(102, 101, 203, 199), 1),
    face(box(310, 100, 410, 200)),
    { cls: 'plate', box: box(102, 101, 203, 199), score: 0.9, trackId: 1 },
  ]);
  assert.deepEqual(second[0].box, box(100, 100, 200, 200), 'track 1 drawn as before');
  assert.equal(second[0].score, 0.9);
  assert.deepEqual(second[1].box, box(310, 100, 410, 200), 'untracked: as found');
  assert.deepEqual(
    second[2].box,
    box(102, 101, 203, 199),
    'a plate of the same id is another track',
  );
  // Track 1 is absent from a frame: when it comes back it is drawn where it is found.
  steady.apply([]);
  assert.deepEqual(
    steady.apply([face(box(102, 101, 203, 199), 1)])[0].box,
    box(102, 101, 203, 199),
  );
  // A track that moves re-anchors and is held there.
  const moved = steady.apply([face(box(130, 101, 231, 199), 1)])[0].box;
  assert.deepEqual(moved, box(130, 101, 231, 199));
  assert.deepEqual(steady.apply([face(box(131, 100, 232, 200), 1)])[0].box, moved);
});
