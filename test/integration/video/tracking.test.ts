import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { createVideoAnonymizer } from '../../../src/media/video/video.pipeline.ts';
import { coverage, evalScene } from './synth-clip.ts';

let dir: string;
let engine: Engine;
const options = { ...defaultAnonymizeOptions, enableLp: false };

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'veil-track-'));
  engine = await createEngine();
});
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test('tracking leaves no face uncovered on any frame (entering, leaving, blurred, occluded)', async () => {
  const scene = await evalScene(dir, 80, (f) => engine.detect(f, options));
  const out = path.join(dir, 'out.mp4');
  const baseline = await createVideoAnonymizer(engine, { noTracking: true })(
    scene.clip,
    out,
    options,
  );
  const without = coverage(baseline.detections, scene.objects, scene.width, scene.height);
  // The clip is hard enough that detections alone miss faces (else this test proves nothing).
  assert.ok(without.uncovered > 0, 'detections alone leave faces uncovered');
  const result = await createVideoAnonymizer(engine)(scene.clip, out, options);
  const withTracking = coverage(result.detections, scene.objects, scene.width, scene.height);
  assert.equal(withTracking.uncovered, 0, `uncovered on frames ${withTracking.frames.join(', ')}`);
  assert.ok(withTracking.objectFrames > 150);
  // Every drawn face on a frame carries a track id.
  assert.ok(result.detections.every((d) => d.objects.every((o) => o.trackId !== undefined)));
});

test('videos one after another in a process (shared frame buffers) come out alike', async () => {
  const scene = await evalScene(dir, 40, (f) => engine.detect(f, options));
  const run = createVideoAnonymizer(engine);
  const outs = [path.join(dir, 'a.mp4'), path.join(dir, 'b.mp4')];
  // A different clip in between: its frames, given back to the shared pool, are the buffers
  // the second run of the scene decodes into.
  mkdirSync(path.join(dir, 'other'));
  const other = await evalScene(path.join(dir, 'other'), 30, (f) => engine.detect(f, options));
  const first = await run(scene.clip, outs[0], options);
  await run(other.clip, path.join(dir, 'other.mp4'), options);
  const second = await run(scene.clip, outs[1], options);
  assert.deepEqual(second.detections, first.detections);
  assert.ok(first.detections.some((d) => d.objects.length > 0));
  assert.ok(readFileSync(outs[1]).equals(readFileSync(outs[0])), 'same output bytes');
});
