/**
 * False covers on footage without faces or plates: the video side's precision, which
 * `eval-video.ts` (uncovered faces: its recall) does not measure. Each picture of a folder of
 * pictures known to hold no person and no vehicle becomes a clip (panned with camera-like noise,
 * as the evaluation clips), anonymized with the defaults and `lp_track`; every object drawn is a
 * false cover. The same pictures as photos, through the photo path, for comparison.
 *
 * The pictures used (not committed, third-party): the 18 Pixabay pictures of the R package
 * webmorphR.stim (`inst/rainbow`: landscapes, animals, flowers; Pixabay licence), e.g.
 *   git --git-dir=<webmorphR.stim git dir> archive HEAD inst/rainbow | tar -x -C /tmp/ff
 *
 *   node --import tsx scripts/eval-false-covers.ts <folder> [--frames N] [--height H]
 *        [--fallbacks] (the detectors a fresh clone runs) [--int8 video|all|off]
 *        [--video-plates far|photo] (the plate weights video frames run)
 *        [--untracked-plates] (`lp_track` off, the API's default; on otherwise)
 *        [--set NAME=VALUE ...] (a video pipeline setting, e.g. confirmFrames=0)
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createEngine } from '../src/engine/index.ts';
import type { Int8Use, VideoPlates } from '../src/engine/detectors.factory.ts';
import { defaultAnonymizeOptions, type ObjectClass } from '../src/engine/types.ts';
import { createVideoAnonymizer } from '../src/media/video/video.pipeline.ts';
import { synthClip } from '../test/integration/video/synth-clip.ts';
import { pipelineSettingsFrom } from './eval/pipeline-set.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    frames: { type: 'string', default: '75' },
    height: { type: 'string', default: '720' },
    fallbacks: { type: 'boolean', default: false },
    int8: { type: 'string' },
    'video-plates': { type: 'string' },
    'untracked-plates': { type: 'boolean', default: false },
    set: { type: 'string', multiple: true },
  },
});
const settings = pipelineSettingsFrom(process.argv.slice(2));
const folder = positionals[0];
if (!folder) throw new Error('usage: eval-false-covers.ts <folder of pictures> [--frames N]');
const frames = Number(values.frames);
const height = Number(values.height);
const width = Math.round((height * 16) / 9 / 2) * 2;
const pictures = readdirSync(folder)
  .filter((f) => /\.(jpe?g|png)$/i.test(f))
  .sort();
const dir = mkdtempSync(path.join(tmpdir(), 'veil-false-covers-'));
// Clips first: synthClip forks ffmpeg, which a process holding the detectors should not do.
const clips = pictures.map((p) => {
  const output = path.join(dir, `${path.parse(p).name}.mp4`);
  synthClip({ output, width, height, fps: '25', frames, background: path.join(folder, p) });
  return output;
});
const engine = await createEngine({
  ...(values.fallbacks ? { faceModel: 'retinaface+veil', plateModel: 'veil' } : {}),
  ...(values.int8 ? { int8: values.int8 as Int8Use } : {}),
  ...(values['video-plates'] ? { videoPlates: values['video-plates'] as VideoPlates } : {}),
});
const classes: ObjectClass[] = ['face', 'plate'];
const zero = () => ({ face: 0, plate: 0 });
const total = { objectFrames: zero(), framesWithAny: zero(), tracks: zero(), photo: zero() };
try {
  console.log(`faces: ${engine.models.describe.face}; plates: ${engine.models.describe.plate}`);
  console.log(`${pictures.length} pictures, ${width}x${height}, ${frames} frames each`);
  for (const [i, picture] of pictures.entries()) {
    const result = await createVideoAnonymizer(engine, settings)(
      clips[i],
      path.join(dir, 'out.mp4'),
      {
        ...defaultAnonymizeOptions,
        lpTrack: !values['untracked-plates'],
      },
    );
    const line: string[] = [];
    for (const cls of classes) {
      const drawn = result.detections.map((d) => d.objects.filter((o) => o.cls === cls).length);
      const objectFrames = drawn.reduce((a, b) => a + b, 0);
      const withAny = drawn.filter((n) => n > 0).length;
      const tracks = new Set(
        result.detections.flatMap((d) =>
          d.objects.filter((o) => o.cls === cls).map((o) => o.trackId ?? -1),
        ),
      ).size;
      total.objectFrames[cls] += objectFrames;
      total.framesWithAny[cls] += withAny;
      total.tracks[cls] += tracks;
      line.push(`${cls}s ${objectFrames} (${withAny} frames, ${tracks} tracks)`);
    }
    const { data, info } = await sharp(path.join(folder, picture))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const photo = await engine.detect(
      { data: new Uint8Array(data), width: info.width, height: info.height },
      defaultAnonymizeOptions,
    );
    const onPhoto = classes.map((cls) => {
      const n = photo.filter((d) => d.cls === cls).length;
      total.photo[cls] += n;
      return `${n} ${cls}s`;
    });
    console.log(`${picture.padEnd(36)} video: ${line.join(', ')}; photo: ${onPhoto.join(', ')}`);
  }
  const all = pictures.length * frames;
  for (const cls of classes) {
    console.log(
      `false ${cls} covers: ${total.objectFrames[cls]} object-frames in ${all} frames ` +
        `(${((1000 * total.objectFrames[cls]) / all).toFixed(1)} per 1000 frames), ` +
        `${total.framesWithAny[cls]} frames with any (${((100 * total.framesWithAny[cls]) / all).toFixed(1)}%), ` +
        `${total.tracks[cls]} tracks; on the ${pictures.length} photos: ${total.photo[cls]}`,
    );
  }
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
