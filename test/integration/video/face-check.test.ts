/**
 * The second opinion on new video faces (`face-check.ts`) with the real pair of face models a
 * clone runs (RetinaFace, Veil's face detector): a real face is kept, a "face" on a blank wall
 * is dropped and its spot refused without asking again, and faces that need no opinion (sure,
 * small, of a track, under the threshold) pass untouched without a model run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { defaultAnonymizeOptions, type Box, type Detection } from '../../../src/engine/types.ts';
import { FaceCheck } from '../../../src/media/video/face-check.ts';
import { rgbToRegion, yuvFrameSize, type YuvFrame } from '../../../src/media/video/yuv.frame.ts';
import { loadFixture, truth } from '../../fixtures/images/fixtures.ts';

/** The astronaut photo (512 px, one face) in the middle of a flat grey 1024x768 frame. */
async function frameWithFace(): Promise<{ frame: YuvFrame; face: Box }> {
  const photo = await loadFixture('astronaut.jpg');
  const [width, height] = [1024, 768];
  const data = new Uint8Array(yuvFrameSize(width, height)).fill(128);
  const frame = { data, width, height };
  const [ox, oy] = [256, 128];
  rgbToRegion(frame, { x1: ox, y1: oy, x2: ox + 512, y2: oy + 512 }, photo, { x: ox, y: oy });
  const b = truth('astronaut.jpg').faces[0].box;
  return { frame, face: { x1: b.x1 + ox, y1: b.y1 + oy, x2: b.x2 + ox, y2: b.y2 + oy } };
}

const face = (box: Box, score = 0.6): Detection => ({ cls: 'face', box, score });

describe('FaceCheck', () => {
  let engine: Engine;
  before(async () => {
    engine = await createEngine({ faceModel: 'retinaface+veil', plateModel: 'veil', workers: 1 });
  });
  after(() => engine.close());
  const rules = { threshold: 0.5, sureScore: 0.8, minSide: 64 };

  it('keeps a real new face and drops a face on a blank wall, refusing its spot after', async () => {
    const { frame, face: real } = await frameWithFace();
    const wall = { x1: 20, y1: 300, x2: 120, y2: 420 };
    const sut = new FaceCheck(engine, defaultAnonymizeOptions, { ...rules, memoryFrames: 30 });
    const kept = await sut.filter(frame, 0, [face(real), face(wall)], []);
    assert.deepEqual(
      kept.map((d) => d.box),
      [real],
    );
    assert.deepEqual(sut.counts, { checked: 2, refused: 1 });
    // Two frames on, nearly the same spot: refused from memory, no model run.
    const moved = { ...wall, x1: 24, x2: 124 };
    assert.deepEqual(await sut.filter(frame, 2, [face(moved)], []), []);
    assert.deepEqual(sut.counts, { checked: 2, refused: 1 });
    // Past the memory (30 frames): asked again.
    assert.deepEqual(await sut.filter(frame, 40, [face(moved)], []), []);
    assert.deepEqual(sut.counts, { checked: 3, refused: 2 });
    // By default a refused spot is asked about again on the next detection frame.
    const asks = new FaceCheck(engine, defaultAnonymizeOptions, rules);
    await asks.filter(frame, 0, [face(wall)], []);
    await asks.filter(frame, 2, [face(moved)], []);
    assert.deepEqual(asks.counts, { checked: 2, refused: 2 });
  });

  it('passes sure, small, tracked and weak faces without asking', async () => {
    const { frame } = await frameWithFace();
    const wall = { x1: 20, y1: 300, x2: 120, y2: 420 };
    const sut = new FaceCheck(engine, defaultAnonymizeOptions, rules);
    const found = [
      face(wall, 0.85),
      face({ x1: 900, y1: 40, x2: 940, y2: 90 }),
      face({ x1: 600, y1: 600, x2: 700, y2: 720 }),
      face({ x1: 20, y1: 40, x2: 120, y2: 160 }, 0.3),
    ];
    const track = { x1: 604, y1: 602, x2: 704, y2: 722 };
    assert.deepEqual(await sut.filter(frame, 0, found, [track]), found);
    assert.deepEqual(sut.counts, { checked: 0, refused: 0 });
  });
});
