/**
 * Real crowd faces in video: each photo of eval-data/faces (36 crowd and street photos, 515
 * labelled faces, masked and not) becomes a clip as `synthClip` pans a background (scaled to
 * 1.25x the frame, panned sideways, camera-like noise), and its labelled faces are followed
 * through the pan. Unlike `eval-video.ts`, whose faces are crops the detector was calibrated to
 * find, these are every face the labellers boxed: blurred, half hidden, turned away, small. Each
 * clip is anonymized with the API's defaults (faces only); printed per face size (on the frame):
 * face-frames left uncovered (under half of the face covered by the boxes drawn; the labels are
 * loose, taking in hair, so the face is their middle 70% each way) and faces covered on under
 * half of their frames, plus the pipeline's counts (detection frames, second opinions asked and
 * refused).
 *
 *   node --import tsx scripts/eval-video-photos.ts [--frames N] [--height H] [--only NAME]
 *        [--set NAME=VALUE ...] (a video pipeline setting, e.g. checkFaces=false)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine/index.ts';
import { defaultAnonymizeOptions, type Box } from '../src/engine/types.ts';
import { createVideoAnonymizer } from '../src/media/video/video.pipeline.ts';
import { coveredShare, synthClip } from '../test/integration/video/synth-clip.ts';
import { evalDataPath, imagePath, loadEvalSet, type EvalImage } from './eval/dataset.ts';
import { pipelineSettingsFrom } from './eval/pipeline-set.ts';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '75' },
    height: { type: 'string', default: '720' },
    only: { type: 'string' },
    set: { type: 'string', multiple: true },
  },
});
const settings = pipelineSettingsFrom(process.argv.slice(2));
const frames = Number(values.frames);
const height = Number(values.height);
const width = Math.round((height * 16) / 9 / 2) * 2;
const set = loadEvalSet(evalDataPath('faces/annotations.json'));
const images = set.images.filter((i) => !values.only || i.file.includes(values.only));

/**
 * Where synthClip's pan puts a photo's pixel (x, y) on frame n, as ffmpeg computes it: `scale`
 * with force_original_aspect_ratio=increase (each side the larger of the target and the other
 * side's rescale, rounded), then `crop` at x = (iw - W) / 2 * (1 + sin(n / 40)), y = (ih - H) / 2,
 * truncated and taken down to even (4:2:0 chroma).
 */
function panOf(image: EvalImage) {
  const [tw, th] = [Math.round(width * 1.25), Math.round(height * 1.25)];
  const sw = Math.max(tw, Math.round((th * image.width) / image.height));
  const sh = Math.max(th, Math.round((tw * image.height) / image.width));
  const even = (v: number) => 2 * Math.floor(Math.trunc(v) / 2);
  const oy = even((sh - height) / 2);
  return (b: [number, number, number, number], n: number): Box => {
    const ox = even(((sw - width) / 2) * (1 + Math.sin(n / 40)));
    const [kx, ky] = [sw / image.width, sh / image.height];
    return { x1: b[0] * kx - ox, y1: b[1] * ky - oy, x2: b[2] * kx - ox, y2: b[3] * ky - oy };
  };
}

const BUCKETS: Array<[string, number]> = [
  ['< 24 px', 24],
  ['24-48 px', 48],
  ['48-96 px', 96],
  ['>= 96 px', Infinity],
];
const bucketOf = (b: Box) =>
  BUCKETS.findIndex(([, max]) => Math.max(b.x2 - b.x1, b.y2 - b.y1) < max);
const tally = () => BUCKETS.map(() => ({ faceFrames: 0, uncovered: 0, faces: 0, lost: 0 }));
const total = tally();
const counts = { detectionFrames: 0, checked: 0, refused: 0 };

const dir = mkdtempSync(path.join(tmpdir(), 'veil-video-photos-'));
// Clips first: synthClip forks ffmpeg, which a process holding the detectors should not do.
const clips = images.map((image, i) => {
  const output = path.join(dir, `${i}.mp4`);
  synthClip({ output, width, height, fps: '25', frames, background: imagePath(set, image) });
  return output;
});
const engine = await createEngine({ faceModel: 'retinaface+veil' });
try {
  console.log(
    `${images.length} photos as ${width}x${height} clips of ${frames} frames; faces: ` +
      `${engine.models.describe.face}; settings ${JSON.stringify(settings)}`,
  );
  for (const [i, image] of images.entries()) {
    const stats = {
      detectionFrames: 0,
      smallPassFrames: 0,
      faceChecks: { checked: 0, refused: 0 },
    };
    const result = await createVideoAnonymizer(engine, { ...settings, stats })(
      clips[i],
      path.join(dir, 'out.mp4'),
      { ...defaultAnonymizeOptions, enableLp: false },
    );
    counts.detectionFrames += stats.detectionFrames;
    counts.checked += stats.faceChecks.checked;
    counts.refused += stats.faceChecks.refused;
    const at = panOf(image);
    const clip = tally();
    for (const gt of image.boxes.filter((b) => !b.ignore)) {
      let seen = 0;
      let missed = 0;
      let bucket = 0;
      for (const d of result.detections) {
        // The labels take in hair and ears: the face is their middle (70% of each side).
        const loose = at(gt.box, d.frame);
        const [mx, my] = [0.15 * (loose.x2 - loose.x1), 0.15 * (loose.y2 - loose.y1)];
        const b = { x1: loose.x1 + mx, y1: loose.y1 + my, x2: loose.x2 - mx, y2: loose.y2 - my };
        const visible = {
          x1: Math.max(b.x1, 0),
          y1: Math.max(b.y1, 0),
          x2: Math.min(b.x2, width),
          y2: Math.min(b.y2, height),
        };
        const area = (x: Box) => Math.max(0, x.x2 - x.x1) * Math.max(0, x.y2 - x.y1);
        // Counted while at least a quarter of the face is in the frame.
        if (area(visible) < 0.25 * area(b)) continue;
        bucket = bucketOf(b);
        seen++;
        const drawn = d.objects.filter((o) => o.cls === 'face').map((o) => o.box);
        if (coveredShare(visible, drawn) < 0.5) missed++;
      }
      if (seen === 0) continue;
      const t = clip[bucket];
      t.faceFrames += seen;
      t.uncovered += missed;
      t.faces++;
      if (missed > seen / 2) t.lost++;
    }
    clip.forEach((t, k) => {
      for (const key of ['faceFrames', 'uncovered', 'faces', 'lost'] as const) {
        total[k][key] += t[key];
      }
    });
    const sum = (key: 'faceFrames' | 'uncovered' | 'faces' | 'lost') =>
      clip.reduce((n, t) => n + t[key], 0);
    console.log(
      `${image.file.padEnd(24)} faces ${sum('faces')}, uncovered ${sum('uncovered')}/` +
        `${sum('faceFrames')} face-frames, lost faces ${sum('lost')}; second opinions ` +
        `${stats.faceChecks.checked} (refused ${stats.faceChecks.refused})`,
    );
  }
  for (const [k, [name]] of BUCKETS.entries()) {
    const t = total[k];
    const pct = t.faceFrames ? ((100 * t.uncovered) / t.faceFrames).toFixed(1) : '-';
    console.log(
      `${name.padEnd(9)} faces ${t.faces}: uncovered ${t.uncovered}/${t.faceFrames} face-frames ` +
        `(${pct}%), lost faces ${t.lost}`,
    );
  }
  const all = total.reduce(
    (a, t) => ({
      ff: a.ff + t.faceFrames,
      u: a.u + t.uncovered,
      f: a.f + t.faces,
      l: a.l + t.lost,
    }),
    { ff: 0, u: 0, f: 0, l: 0 },
  );
  console.log(
    `all       faces ${all.f}: uncovered ${all.u}/${all.ff} face-frames ` +
      `(${((100 * all.u) / Math.max(1, all.ff)).toFixed(1)}%), lost faces ${all.l}; detection ` +
      `frames ${counts.detectionFrames}, second opinions ${counts.checked} (refused ${counts.refused})`,
  );
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
