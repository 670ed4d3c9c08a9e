import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTrackMemory, resumeAfterBreak } from '../../../src/engine/syn/track.memory.ts';
import { continues } from '../../../src/media/video/syn.render.ts';
import type { Box, Detection } from '../../../src/engine/types.ts';

const face = (x: number, trackId = 7): Detection => ({
  cls: 'face',
  box: { x1: x, y1: 0, x2: x + 100, y2: 100 },
  score: 0.9,
  trackId,
});

test('a track drawn on the frame before, moved less than half its size, continues', () => {
  const seen = new Map<number, { frame: number; box: Box }>();
  assert.equal(continues(seen, face(0), 0), true, 'first sighting');
  assert.equal(continues(seen, face(40), 1), true);
  assert.equal(continues(seen, face(100), 2), false, 'jumped 60 px on a 100 px face');
  assert.equal(continues(seen, face(110), 5), false, 'not drawn on frames 3 and 4');
  assert.equal(continues(seen, face(115), 6), true);
});

test('after a break the track is checked afresh but keeps its synthetic person', () => {
  const m = newTrackMemory();
  Object.assign(m, {
    donor: 'f03',
    pull: 1,
    checked: { pose: undefined, similarity: 0.2, faceApiDistance: 0.8 },
    sinceCheck: 5,
    meshBox: { x: 0.1, y: 0.1, w: 0.5, h: 0.5 },
    described: { pose: undefined, faceApi: [], age: 2 },
  });
  m.originals.faceres.push([0.1, 0.2]);
  resumeAfterBreak(m);
  assert.equal(m.checked, undefined);
  assert.equal(m.described, undefined);
  assert.equal(m.meshBox, undefined);
  assert.equal(m.sinceCheck, 0);
  assert.equal(m.donor, 'f03');
  assert.equal(m.pull, 1);
  assert.equal(m.originals.faceres.length, 1, 'the original descriptors stay as references');
});
