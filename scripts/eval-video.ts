/**
 * Tracking evaluation: a synthesized clip with real face crops moving on known paths (one
 * entering from the left edge, one leaving at the right, blurred and half-occluded frames),
 * anonymized with and without tracking and with detection on every or every other frame.
 * Prints the share of object-frames where a face was left uncovered (goal: 0).
 *
 * `node --import tsx scripts/eval-video.ts [--frames N]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEngine } from '../src/engine/index.ts';
import { defaultAnonymizeOptions } from '../src/engine/types.ts';
import {
  createVideoAnonymizer,
  type VideoPipelineSettings,
} from '../src/media/video/video.pipeline.ts';
import { coverage, evalScene } from '../test/integration/video/synth-clip.ts';

const argv = process.argv.slice(2);
const frames = Number(argv[argv.indexOf('--frames') + 1]) || 150;
const dir = mkdtempSync(path.join(tmpdir(), 'veil-eval-video-'));
const engine = await createEngine();
try {
  const scene = await evalScene(dir, frames, (f) =>
    engine.detect(f, { ...defaultAnonymizeOptions, enableLp: false }),
  );
  console.log(
    `clip: ${scene.width}x${scene.height}, ${frames} frames, ${scene.objects.length} faces; ` +
      `blurred/occluded object-frames: ${scene.hardFrames}`,
  );
  const runs: Array<[string, VideoPipelineSettings]> = [
    ['no tracking (detections only)', { noTracking: true }],
    ['tracking, detect every frame', { detectEvery: 1 }],
    ['tracking, detect every 2nd frame', { detectEvery: 2 }],
    ['tracking, detect every 3rd frame', { detectEvery: 3 }],
  ];
  for (const [name, settings] of runs) {
    const run = createVideoAnonymizer(engine, settings);
    const t = performance.now();
    const result = await run(scene.clip, path.join(dir, 'out.mp4'), {
      ...defaultAnonymizeOptions,
      enableLp: false,
    });
    const ms = performance.now() - t;
    const r = coverage(result.detections, scene.objects, scene.width, scene.height);
    console.log(
      `${name.padEnd(34)} uncovered ${r.uncovered}/${r.objectFrames} object-frames ` +
        `(${((100 * r.uncovered) / r.objectFrames).toFixed(2)}%; ${r.uncoveredHard} blurred/occluded), ` +
        `face tracks ${result.summary.faces}, ${((frames * 1000) / ms).toFixed(1)} fps` +
        (r.frames.length && r.frames.length < 10 ? ` (frames ${r.frames.join(', ')})` : ''),
    );
  }
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
