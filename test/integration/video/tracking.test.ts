import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
