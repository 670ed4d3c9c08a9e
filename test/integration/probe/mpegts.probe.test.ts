import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ffmpegPaths, probeVideo } from '../../../src/media/ffmpeg.runtime.ts';
import { inspectUpload } from '../../../src/media/inspect.ts';

// The shipped ffprobe segfaults on MPEG-TS; probeVideo must still describe such files.
const dir = mkdtempSync(path.join(tmpdir(), 'veil-probe-ts-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function transportStream(name: string, seconds: number, fps: number): string {
  const file = path.join(dir, name);
  execFileSync(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${fps}:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`],
    ...['-c:v', 'libx264', '-c:a', 'aac', '-shortest', '-f', 'mpegts', file],
  ]);
  return file;
}

test('probes a generated .ts file (size, rate, duration, audio, container)', async () => {
  const file = transportStream('clip.ts', 2, 25);
  const sut = await probeVideo(file);
  assert.equal(sut.width, 320);
  assert.equal(sut.height, 240);
  assert.equal(sut.fps, 25);
  assert.ok(Math.abs(sut.durationSeconds - 2) < 0.2, `duration ${sut.durationSeconds}`);
  assert.ok(Math.abs(sut.frames - 50) <= 5, `frames ${sut.frames}`);
  assert.equal(sut.audioStreams, 1);
  assert.equal(sut.formatName, 'mpegts');
  assert.equal(sut.codec, 'h264');
  assert.equal(sut.rotation, 0);
});

test('a .mts upload is costed by its duration', async () => {
  const file = transportStream('camera.mts', 3, 30);
  const sut = await inspectUpload(file, 'camera.mts');
  assert.equal(sut.kind, 'video');
  assert.equal(sut.files.length, 1);
  assert.ok(Math.abs((sut.files[0].durationSeconds ?? 0) - 3) < 0.2, JSON.stringify(sut));
  assert.equal(sut.files[0].width, 320);
});

test('a truncated non-video .ts file is CORRUPT_MEDIA', async () => {
  const file = path.join(dir, 'junk.ts');
  execFileSync('sh', ['-c', `head -c 4000 /dev/urandom > ${file}`]);
  await assert.rejects(probeVideo(file), { code: 'CORRUPT_MEDIA' });
});
