/**
 * Variable frame rate videos keep every frame's time (the timestamp path, video/README.md):
 * clips with gaps, a 15/30 fps mix and jitter, with audio, in each container, through the
 * real pipeline and the CLI; compared with the stored times of the input. Constant rate
 * videos stay on the plain raw path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { needsTimestamps } from '../../../src/media/video/frame.times.ts';
import { splitVideo } from '../../../src/media/video/segment.split.ts';
import { createVideoAnonymizer } from '../../../src/media/video/video.pipeline.ts';
import { decodeFrames } from '../../../src/media/video/video.pipes.ts';
import { probeVideoStreams } from '../../../src/media/video/video.probe.ts';
import { coverage, faceCrops, type MovingObject } from './synth-clip.ts';
import { storedTimes, vfrClip } from './vfr-clip.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..', '..');
let dir: string;
let engine: Engine;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'veil-vfr-'));
  engine = await createEngine();
});
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20'];
const VP9 = ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-crf', '30'];
const shape = {
  width: 320,
  height: 240,
  sourceFrames: 80,
  gaps: [[20, 29]] as Array<[number, number]>,
};

const audioMd5 = (file: string) =>
  String(
    execFileSync(ffmpegPaths().ffmpeg, [
      ...['-v', 'error', '-i', file, '-map', '0:a', '-c', 'copy', '-f', 'md5', '-'],
    ]),
  );

/** Asserts that `output` has `input`'s frames at `input`'s times (one tick of the output). */
function assertSameTimes(input: string, output: string, startSlack = 0) {
  const a = storedTimes(input);
  const b = storedTimes(output);
  assert.equal(b.times.length, a.times.length, 'frame count');
  // Times relative to the first frame: within one tick of the output's time base.
  const tick = b.tb + 1e-9;
  const off = a.times.map((t, i) => Math.abs(b.times[i] - b.times[0] - (t - a.times[0])));
  const worst = Math.max(...off);
  assert.ok(worst <= tick, `frame times differ by up to ${worst} s (tick ${b.tb})`);
  // And where the video starts (the audio's clock): see README about Opus in Matroska.
  const start = Math.abs(b.times[0] - a.times[0]);
  assert.ok(start <= tick + startSlack, `video starts at ${b.times[0]}, was ${a.times[0]}`);
}

const cases: Array<{ ext: string; video: string[]; audio: string[]; startSlack?: number }> = [
  { ext: 'mp4', video: H264, audio: ['-c:a', 'aac'] },
  { ext: 'mov', video: H264, audio: ['-c:a', 'aac'] },
  { ext: 'mkv', video: H264, audio: ['-c:a', 'libvorbis'] },
  // Opus in Matroska: the 2018 ffmpeg's stream copy moves the video by the 6.5 ms pre-skip.
  { ext: 'webm', video: [...VP9, '-b:v', '0'], audio: ['-c:a', 'libopus'], startSlack: 0.0075 },
  { ext: 'ts', video: H264, audio: ['-c:a', 'mp2'] },
  {
    ext: 'mts',
    video: [...H264, '-f', 'mpegts', '-mpegts_m2ts_mode', '1'],
    audio: ['-c:a', 'ac3'],
  },
];

for (const c of cases) {
  test(`.${c.ext} with a variable frame rate keeps every frame's time, the duration and the audio`, async () => {
    const input = path.join(dir, `vfr.${c.ext}`);
    const output = path.join(dir, `vfr-out.${c.ext}`);
    const kept = vfrClip({
      ...shape,
      output: input,
      halfRateFrom: 50,
      videoArgs: c.video,
      audioArgs: c.audio,
    });
    const info = await probeVideoStreams(input);
    assert.equal(await needsTimestamps(input, info), true, 'found variable');
    const result = await createVideoAnonymizer(engine)(input, output, defaultAnonymizeOptions);
    const times = storedTimes(input).times;
    assert.ok(times.length >= kept.length - 1, `${times.length} of ${kept.length} frames stored`);
    assert.equal(result.summary.frames, times.length);
    assertSameTimes(input, output, c.startSlack);
    const outInfo = await probeVideoStreams(output);
    const longestFrame = 1 / 15 + 1e-3;
    assert.ok(
      Math.abs(outInfo.durationSeconds - info.durationSeconds) <= longestFrame,
      `duration ${info.durationSeconds} -> ${outInfo.durationSeconds}`,
    );
    // Audio untouched: same packets at the same times.
    assert.deepEqual(outInfo.audioCodecs, info.audioCodecs);
    assert.equal(audioMd5(output), audioMd5(input));
    const audioIn = storedTimes(input, 'a:0').times[0];
    const audioOut = storedTimes(output, 'a:0').times[0];
    assert.ok(Math.abs(audioOut - audioIn) <= 1e-3, `audio starts ${audioIn} -> ${audioOut}`);
  });
}

test('a rotated variable frame rate video keeps its rotation and its frame times', async () => {
  const plain = path.join(dir, 'rot-plain.mp4');
  const input = path.join(dir, 'rot-vfr.mp4');
  const output = path.join(dir, 'rot-vfr-out.mp4');
  vfrClip({ ...shape, output: plain, videoArgs: H264 });
  execFileSync(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-y', '-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', input],
  ]);
  await createVideoAnonymizer(engine)(input, output, defaultAnonymizeOptions);
  const [a, b] = [await probeVideoStreams(input), await probeVideoStreams(output)];
  assert.notEqual(a.rotation, 0);
  assert.equal(b.rotation, a.rotation);
  assert.deepEqual([b.width, b.height], [a.width, a.height]);
  assertSameTimes(input, output);
});

test('a face is covered on the frames around a gap, where its position jumps', async () => {
  const [crop] = await faceCrops(dir, 1, 90);
  const input = path.join(dir, 'face-vfr.mp4');
  const output = path.join(dir, 'face-vfr-out.mp4');
  const object: MovingObject = { crop, x0: 40, y0: 50, vx: 3, vy: 0.5 };
  const spec = { ...shape, width: 480, height: 320, gaps: [[16, 27]] as Array<[number, number]> };
  const kept = vfrClip({
    ...spec,
    output: input,
    videoArgs: H264,
    overlay: { file: crop.file, ...object },
  });
  const result = await createVideoAnonymizer(engine)(input, output, {
    ...defaultAnonymizeOptions,
    enableLp: false,
  });
  assertSameTimes(input, output);
  // Each output frame i shows source frame kept[i]: the face is where it was drawn there.
  const drawn = result.detections.map((d) => ({ frame: kept[d.frame], objects: d.objects }));
  const around = drawn.filter((d) => d.frame >= 10 && d.frame <= 34);
  assert.ok(around.length >= 12);
  const report = coverage(around, [object], spec.width, spec.height);
  assert.equal(report.uncovered, 0, `uncovered on source frames ${report.frames.join(', ')}`);
  // And the pixels changed there on the output, right before and right after the gap.
  const gray = (file: string) =>
    execFileSync(
      ffmpegPaths().ffmpeg,
      [
        ...['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough'],
        ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      ],
      { maxBuffer: 256 * 1024 * 1024 },
    );
  const [a, b] = [gray(input), gray(output)];
  const size = spec.width * spec.height;
  for (const i of [kept.indexOf(15), kept.indexOf(28)]) {
    const n = kept[i];
    const f = crop.face;
    const x1 = Math.round(object.x0 + object.vx * n + f.x1);
    const y1 = Math.round(object.y0 + object.vy * n + f.y1);
    const [w, h] = [Math.round(f.x2 - f.x1), Math.round(f.y2 - f.y1)];
    let diff = 0;
    for (let y = y1 + h / 4; y < y1 + (3 * h) / 4; y++) {
      for (let x = x1 + w / 4; x < x1 + (3 * w) / 4; x++) {
        const at = i * size + Math.round(y) * spec.width + Math.round(x);
        diff += Math.abs(a[at] - b[at]);
      }
    }
    const mean = diff / ((w / 2) * (h / 2));
    assert.ok(mean > 4, `frame ${i} (source ${n}): face area changed by ${mean.toFixed(1)} levels`);
  }
});

test('the CLI keeps the frame times of a variable frame rate video', async () => {
  const input = path.join(dir, 'cli.mp4');
  vfrClip({ ...shape, output: input, videoArgs: H264, audioArgs: ['-c:a', 'aac'] });
  const outDir = path.join(dir, 'cli-out');
  await run(
    process.execPath,
    [path.join(root, 'bin', 'veil.js'), 'anonymize', input, '-o', outDir],
    {
      timeout: 120_000,
    },
  );
  assertSameTimes(input, path.join(outDir, 'cli.mp4'));
});

test('constant frame rate videos stay on the raw path; variable ones are not split', async () => {
  for (const ext of ['mp4', 'mkv', 'webm', 'ts']) {
    const input = path.join(dir, `cfr.${ext}`);
    execFileSync(ffmpegPaths().ffmpeg, [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30000/1001'],
      ...['-frames:v', '40', ...(ext === 'webm' ? VP9 : H264), input],
    ]);
    const info = await probeVideoStreams(input);
    assert.equal(await needsTimestamps(input, info), false, ext);
    for await (const frame of decodeFrames(input, info)) {
      assert.equal(frame.pts, undefined);
      break;
    }
  }
  // A variable rate video long enough for several segments stays in one piece.
  const input = path.join(dir, 'long-vfr.mkv');
  vfrClip({ ...shape, sourceFrames: 120, output: input, videoArgs: [...H264, '-g', '6'] });
  const work = mkdtempSync(path.join(dir, 'split-'));
  const parts = await splitVideo(input, work, {
    segmentSeconds: 1,
    overlapSeconds: 0.3,
    durationSeconds: 4,
  });
  assert.equal(parts.length, 1);
  assert.equal(parts[0].file, input);
});
