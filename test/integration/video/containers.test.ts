import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { isVeilError } from '../../../src/errors.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { createVideoAnonymizer } from '../../../src/media/video/video.pipeline.ts';
import { probeVideoStreams } from '../../../src/media/video/video.probe.ts';
import { faceCrops, synthClip } from './synth-clip.ts';

let dir: string;
let engine: Engine;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'veil-video-'));
  engine = await createEngine();
});
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

interface StreamFacts {
  codecs: string[];
  audio: string[];
  width: number;
  height: number;
  frames: number;
  duration: number;
  fps: number;
  rotation: number;
}

/** Counts frames by decoding (avi/ts do not all store a count; ffprobe crashes on ts). */
function facts(file: string, info: Awaited<ReturnType<typeof probeVideoStreams>>): StreamFacts {
  const r = spawnSync(
    ffmpegPaths().ffmpeg,
    ['-hide_banner', '-i', file, '-map', '0:v:0', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  const frames = [...r.stderr.matchAll(/frame=\s*(\d+)/g)].map((m) => Number(m[1]));
  return {
    codecs: [/Video: (\w+)/.exec(r.stderr)?.[1] ?? ''],
    audio: info.audioCodecs,
    width: info.width,
    height: info.height,
    frames: frames.at(-1) ?? 0,
    duration: info.durationSeconds,
    fps: info.fps,
    rotation: info.rotation,
  };
}

const cases: Array<{ ext: string; video: string; audioArgs: string[] }> = [
  { ext: 'mp4', video: 'h264', audioArgs: ['-c:a', 'aac'] },
  { ext: 'mov', video: 'h264', audioArgs: ['-c:a', 'aac'] },
  { ext: 'mkv', video: 'h264', audioArgs: ['-c:a', 'libvorbis'] },
  { ext: 'webm', video: 'vp9', audioArgs: ['-c:a', 'libopus'] },
  { ext: 'ts', video: 'h264', audioArgs: ['-c:a', 'mp2'] },
  { ext: 'mts', video: 'h264', audioArgs: ['-c:a', 'ac3'] },
  { ext: 'avi', video: 'h264', audioArgs: ['-c:a', 'libmp3lame'] },
];

for (const c of cases) {
  test(`.${c.ext} round-trips: same container, streams, frames, duration, fps, audio copied`, async () => {
    const input = path.join(dir, `in.${c.ext}`);
    const output = path.join(dir, `out.${c.ext}`);
    synthClip({
      output: input,
      width: 320,
      height: 240,
      fps: '25',
      frames: 40,
      audio: true,
      audioArgs: c.audioArgs,
    });
    const progress: number[] = [];
    const sut = createVideoAnonymizer(engine);
    const result = await sut(input, output, defaultAnonymizeOptions, {
      onProgress: (p) => progress.push(p.done),
    });
    const before = await probeVideoStreams(input);
    const afterInfo = await probeVideoStreams(output);
    const a = facts(input, before);
    const b = facts(output, afterInfo);
    assert.equal(b.codecs[0], c.video);
    assert.equal(b.audio.length, 1);
    assert.deepEqual(b.audio, a.audio);
    assert.equal(b.frames, a.frames);
    assert.deepEqual([b.width, b.height], [a.width, a.height]);
    assert.ok(
      Math.abs(b.duration - a.duration) <= 1 / 25 + 1e-3,
      `duration ${a.duration} -> ${b.duration}`,
    );
    assert.ok(Math.abs(b.fps - a.fps) < 0.01, `fps ${a.fps} -> ${b.fps}`);
    assert.equal(result.summary.frames, a.frames);
    assert.equal(result.detections.length, a.frames);
    assert.equal(progress.at(-1), a.frames);
    // Audio untouched: same packets.
    const md5 = (f: string) =>
      String(
        execFileSync(ffmpegPaths().ffmpeg, [
          '-v',
          'error',
          '-i',
          f,
          '-map',
          '0:a',
          '-c',
          'copy',
          '-f',
          'md5',
          '-',
        ]),
      );
    assert.equal(md5(output), md5(input));
  });
}

test('rotation metadata is kept and the picture looks the same', async () => {
  const input = path.join(dir, 'rot.mp4');
  const output = path.join(dir, 'rot-out.mp4');
  synthClip({
    output: input,
    width: 320,
    height: 240,
    fps: '30000/1001',
    frames: 30,
    rotateTag: 90,
  });
  await createVideoAnonymizer(engine)(input, output, defaultAnonymizeOptions);
  const a = await probeVideoStreams(input);
  const b = await probeVideoStreams(output);
  assert.notEqual(a.rotation, 0);
  assert.equal(b.rotation, a.rotation);
  assert.deepEqual([b.width, b.height], [a.width, a.height]);
  assert.equal(b.frameRate, '30000/1001');
  // Displayed (auto-rotated) pictures match: PSNR well above that of unrelated pictures.
  const r = spawnSync(
    ffmpegPaths().ffmpeg,
    ['-i', input, '-i', output, '-lavfi', 'psnr', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  const psnr = Number(/average:([\d.]+)/.exec(r.stderr)?.[1]);
  assert.ok(psnr > 30, `PSNR ${psnr}`);
});

test('.mts output keeps 192-byte BDAV packets', async () => {
  const input = path.join(dir, 'bdav.mts');
  const output = path.join(dir, 'bdav-out.mts');
  synthClip({ output: input, width: 320, height: 240, fps: '25', frames: 10 });
  await createVideoAnonymizer(engine)(input, output, defaultAnonymizeOptions);
  const bytes = readFileSync(output);
  assert.equal(bytes.length % 192, 0);
  for (const at of [4, 196, 388]) assert.equal(bytes[at], 0x47);
});

test('faces in a real clip are found and the output differs there', async () => {
  const [crop] = await faceCrops(dir, 1, 100);
  const input = path.join(dir, 'face.mkv');
  synthClip({
    output: input,
    width: 480,
    height: 320,
    fps: '25',
    frames: 20,
    objects: [{ crop, x0: 150, y0: 60, vx: 2, vy: 0 }],
  });
  const result = await createVideoAnonymizer(engine)(input, path.join(dir, 'face-out.mkv'), {
    ...defaultAnonymizeOptions,
    enableLp: false,
  });
  assert.ok(result.summary.faces >= 1);
  assert.ok(
    result.detections.every((d) =>
      d.objects.some((o) => o.cls === 'face' && o.trackId !== undefined),
    ),
  );
});

test('a corrupt file is refused with CORRUPT_MEDIA', async () => {
  const input = path.join(dir, 'bad.mp4');
  writeFileSync(input, Buffer.alloc(5000, 7));
  await assert.rejects(
    createVideoAnonymizer(engine)(input, path.join(dir, 'bad-out.mp4'), defaultAnonymizeOptions),
    (err) => isVeilError(err, 'CORRUPT_MEDIA'),
  );
});

test('abort stops the run with CANCELLED', async () => {
  const input = path.join(dir, 'long.mp4');
  synthClip({ output: input, width: 320, height: 240, fps: '25', frames: 250 });
  const controller = new AbortController();
  const run = createVideoAnonymizer(engine)(
    input,
    path.join(dir, 'long-out.mp4'),
    defaultAnonymizeOptions,
    {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > 20) controller.abort();
      },
    },
  );
  await assert.rejects(run, (err) => isVeilError(err, 'CANCELLED'));
});
