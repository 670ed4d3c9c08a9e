/**
 * Faces counted over segments: a segment counts only the tracks that start after its warm-up
 * (the segment before counted those), so the sum over segments is the number of faces. One
 * face walking across the cut is 1; a second face entering after the cut makes 2.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { closeSharedEngine, getSharedEngine } from '../../../src/media/image/shared-engine.ts';
import { anonymizeSegment } from '../../../src/media/video/segment.anonymize.ts';
import { segmentOutputName } from '../../../src/media/video/segment.join.ts';
import { splitVideo } from '../../../src/media/video/segment.split.ts';
import { detectedCrops, synthClip, type MovingObject } from '../video/synth-clip.ts';
import { CLIP } from './segments.fixture.ts';

const options = { ...defaultAnonymizeOptions, enableLp: false };
let dir: string;
let crops: Awaited<ReturnType<typeof detectedCrops>>;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'veil-segment-counts-'));
  const engine = await getSharedEngine();
  crops = await detectedCrops(dir, 2, 80, (f) => engine.detect(f, options));
});
after(async () => {
  await closeSharedEngine();
  await rm(dir, { recursive: true, force: true });
});

/** Splits a 2.4 s clip of `objects` at 1.2 s (one cut) and returns each segment's faces. */
async function facesPerSegment(name: string, objects: MovingObject[]) {
  const file = path.join(dir, name);
  synthClip({
    ...CLIP,
    output: file,
    objects,
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-g', '6'],
  });
  const work = await mkdtemp(path.join(dir, 'work-'));
  const parts = await splitVideo(file, work, {
    segmentSeconds: 1.2,
    overlapSeconds: 0.4,
    durationSeconds: 2.4,
  });
  assert.equal(parts.length, 2, 'one cut');
  const faces: number[] = [];
  for (const p of parts) {
    const out = path.join(work, segmentOutputName(file, p.seq));
    const r = await anonymizeSegment(p.file, out, p.warmFrames, options);
    assert.equal(r.summary.frames, p.frames);
    faces.push(r.summary.kind === 'video' ? r.summary.faces : NaN);
  }
  return { faces, cut: parts[1].firstFrame, warm: parts[1].warmFrames };
}

it('counts a face seen across a cut once, and a face entering after the cut as one more', async () => {
  const walker: MovingObject = { crop: crops[0], x0: 10, y0: 30, vx: 4, vy: 0.3 };
  const across = await facesPerSegment('across.mp4', [walker]);
  assert.ok(across.warm >= 10, `the second segment warms up on ${across.warm} frames`);
  assert.deepEqual(across.faces, [1, 0], 'the second segment tracked it from its warm-up');

  // Enters from the right edge on frame 40, after the cut (frame 36 here), moving left.
  const late: MovingObject = { crop: crops[1], x0: CLIP.width + 10 * 40, y0: 170, vx: -10, vy: 0 };
  const entering = await facesPerSegment('entering.mp4', [walker, late]);
  assert.ok(entering.cut < 40, `cut at frame ${entering.cut}`);
  assert.deepEqual(entering.faces, [1, 1]);
  assert.equal(
    entering.faces.reduce((a, b) => a + b, 0),
    2,
  );
});
