/**
 * Split, anonymize per segment and join, without the queue, over the containers whose join
 * differs: a rotated MP4 (segments carry the rotation so the detector sees upright frames),
 * MPEG-TS (Matroska segments, Annex B on the join) and WebM (VP9). Each output has the
 * input's frames in order, its streams, frame rate and rotation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { closeSharedEngine } from '../../../src/media/image/shared-engine.ts';
import { anonymizeSegment } from '../../../src/media/video/segment.anonymize.ts';
import { joinSegments, segmentOutputName } from '../../../src/media/video/segment.join.ts';
import { countFrames, splitVideo } from '../../../src/media/video/segment.split.ts';
import { probeVideoStreams } from '../../../src/media/video/video.probe.ts';
import { greyFrames, misplacedFrames, streamsOf } from './segments.fixture.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'veil-segment-media-'));
});
after(async () => {
  await closeSharedEngine();
  await rm(dir, { recursive: true, force: true });
});

/** 2 s of testsrc2 at 320x180, 25 fps, with a tone, keyframes every 6 frames. */
function clip(name: string, codec: string[], extra: string[] = []): string {
  const file = path.join(dir, name);
  execFileSync(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '2'],
    ...codec,
    ...['-g', '6', '-pix_fmt', 'yuv420p', ...extra, file],
  ]);
  return file;
}

async function splitAndJoin(input: string): Promise<string> {
  const work = await mkdtemp(path.join(dir, 'work-'));
  const parts = await splitVideo(input, work, {
    segmentSeconds: 0.7,
    overlapSeconds: 0.3,
    durationSeconds: 2,
  });
  assert.ok(parts.length >= 2, `${parts.length} segments`);
  const outputs: string[] = [];
  for (const p of parts) {
    const out = path.join(work, segmentOutputName(input, p.seq));
    const r = await anonymizeSegment(p.file, out, p.warmFrames, defaultAnonymizeOptions);
    assert.equal(r.summary.frames, p.frames);
    outputs.push(out);
  }
  const output = path.join(work, `joined${path.extname(input)}`);
  const frames = await joinSegments(outputs, input, output);
  assert.equal(frames, await countFrames([{ file: input }]));
  return output;
}

it('joins rotated MP4, MPEG-TS and WebM segments frame for frame with the original streams', async () => {
  const plain = clip('plain.mp4', ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac']);
  const rotated = path.join(dir, 'rotated.mp4');
  execFileSync(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-y', '-i', plain, '-c', 'copy'],
    ...['-metadata:s:v:0', 'rotate=90', rotated],
  ]);
  const inputs = [
    rotated,
    clip('clip.ts', ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-f', 'mpegts']),
    clip(
      'clip.webm',
      ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'],
      ['-c:a', 'libopus'],
    ),
  ];
  for (const input of inputs) {
    const output = await splitAndJoin(input);
    const name = path.basename(input);
    const [a, b] = [await probeVideoStreams(input), await probeVideoStreams(output)];
    assert.deepEqual(streamsOf(output), streamsOf(input), name);
    assert.equal(b.rotation, a.rotation, name);
    assert.equal(b.displayWidth, a.displayWidth, name);
    assert.equal(b.frameRate, a.frameRate, name);
    assert.ok(Math.abs(b.durationSeconds - a.durationSeconds) <= 1 / 25 + 0.01, name);
    assert.deepEqual(misplacedFrames(greyFrames(input), greyFrames(output)), [], name);
  }
  assert.equal((await probeVideoStreams(rotated)).rotation, 90, 'the rotated clip is rotated');
});
