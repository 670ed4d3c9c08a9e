/**
 * ms per face of `syn` at 1080p, through the syn worker as the pipelines run it: the five
 * faces of test/fixtures/images/group-5-faces.jpg (160-200 px) on a 1920x1080 frame, first
 * as an image (every face judged), then as `--frames` video frames (default 16) with track
 * memory (recognisers when due). Prints wall and CPU time (CPU time of all threads: a shared
 * machine inflates the wall time, hardly the CPU time). A track's first frame is always
 * judged, often with several attempts, so a short clip weighs it more than a long one:
 * `--frames 64` shows a longer clip's average. Needs the donor bank.
 *
 *   node --import tsx scripts/bench-syn.ts [--frames 16] [--video-only]
 */
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine/index.ts';
import { startSynWorker, stopSynWorker, synthesizeFaces } from '../src/engine/syn/index.ts';
import { synBenchFrame } from './syn-frame.ts';
import { defaultAnonymizeOptions } from '../src/engine/types.ts';
const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '16' },
    // Skip the image part (every face judged): only the video frames.
    'video-only': { type: 'boolean', default: false },
  },
});
const frames = Number(values.frames);
if (!(frames >= 1)) throw new Error('--frames must be a positive number');
const engine = await createEngine({ workers: 1, threads: 1 });
const opts = { ...defaultAnonymizeOptions, model: 'syn' as const, enableLp: false };
await startSynWorker();
const frame = await synBenchFrame();
const dets = (await engine.detect(frame, opts)).filter((d) => d.cls === 'face');
console.log(
  'faces',
  dets.length,
  dets.map((d) => Math.round(d.box.x2 - d.box.x1)),
);
let t = performance.now();
let c = process.cpuUsage();
const cpu = () => {
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
if (!values['video-only']) {
  const r = await synthesizeFaces({ ...frame, data: frame.data.slice() }, dets, opts, {
    salt: 'b',
  });
  console.log(
    'image 1080p: ms per face',
    ((performance.now() - t) / dets.length).toFixed(0),
    'cpu ms per face',
    (cpu() / dets.length).toFixed(0),
    JSON.stringify(r.outcomes.map((o) => o.kind)),
  );
}
// Video: the same frame `frames` times, one track per face (checks amortised).
const tracks = new Map();
const tracked = dets.map((d, i) => ({ ...d, trackId: i }));
const times: number[] = [];
c = process.cpuUsage();
let checked = 0,
  total = 0;
for (let f = 0; f < frames; f++) {
  t = performance.now();
  const rr = await synthesizeFaces({ ...frame, data: frame.data.slice() }, tracked, opts, {
    salt: 'b',
    tracks,
  });
  times.push((performance.now() - t) / dets.length);
  for (const o of rr.outcomes) {
    total++;
    if (o.kind === 'replaced' && o.checked) checked++;
  }
}
const cpuPer = cpu() / (frames * dets.length);
times.sort((a, b) => a - b);
console.log(`video cpu ms per face per frame (${frames} frames)`, cpuPer.toFixed(0));
console.log(
  'video 1080p: ms per face per frame median',
  times[Math.floor(times.length / 2)].toFixed(0),
  'mean',
  (times.reduce((s, x) => s + x, 0) / times.length).toFixed(0),
  'checked',
  checked,
  'of',
  total,
);
await stopSynWorker();
await engine.close();
process.exit(0);
