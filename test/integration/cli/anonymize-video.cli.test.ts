import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPaths, probeVideo } from '../../../src/media/ffmpeg.runtime.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';
import { regionChange } from '../image/region-change.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'veil-cli-video-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('anonymize a video: same container, audio kept, the face covered on the frames', async () => {
  const { ffmpeg } = ffmpegPaths();
  const clip = path.join(dir, 'clip.mp4');
  // 2 s at 10 fps of a real face photo, with a tone as audio.
  await run(ffmpeg, [
    '-v',
    'error',
    '-loop',
    '1',
    '-i',
    fixturePath('astronaut.jpg')!,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-t',
    '2',
    '-r',
    '10',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-crf',
    '18',
    '-c:a',
    'aac',
    '-shortest',
    clip,
  ]);
  const outDir = path.join(dir, 'out');
  const { stdout } = await run(
    process.execPath,
    [path.join(root, 'bin', 'veil.js'), 'anonymize', clip, '-o', outDir],
    {
      timeout: 120_000,
    },
  );
  assert.match(
    stdout,
    /clip\.mp4 -> .*out\/clip\.mp4: 1 face, 0 plates \(512x512, 20 frames\) in \d+ ms/,
  );
  const output = path.join(outDir, 'clip.mp4');
  const probe = await probeVideo(output);
  assert.equal(probe.width, 512);
  assert.ok(Math.abs(probe.durationSeconds - 2) < 0.2, String(probe.durationSeconds));
  const { stdout: streams } = await run(ffmpegPaths().ffprobe, [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type',
    '-of',
    'csv=p=0',
    output,
  ]);
  assert.deepEqual(streams.trim().split('\n').sort(), ['audio', 'video']);
  for (const t of ['0.05', '1.0', '1.9']) {
    const before = path.join(dir, `in-${t}.png`);
    const after = path.join(dir, `out-${t}.png`);
    await run(ffmpeg, ['-v', 'error', '-ss', t, '-i', clip, '-frames:v', '1', before]);
    await run(ffmpeg, ['-v', 'error', '-ss', t, '-i', output, '-frames:v', '1', after]);
    const change = await regionChange(
      before,
      after,
      truth('astronaut.jpg').faces.map((f) => f.box),
    );
    assert.ok(
      change.inside[0].detailKept < 0.3,
      `t=${t}: face keeps ${change.inside[0].detailKept}`,
    );
    assert.ok(
      change.outside.meanAbsDiff < 3,
      `t=${t}: outside changed by ${change.outside.meanAbsDiff}`,
    );
  }
});
