import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ffmpegPaths, probeVideo } from '../../src/media/ffmpeg.runtime.ts';

test('probes duration, size, fps and audio of a generated clip', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'veil-probe-'));
  const file = path.join(dir, 'clip.mp4');
  execFileSync(ffmpegPaths().ffmpeg, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25:duration=2',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=2',
    '-c:v',
    'libx264',
    '-c:a',
    'aac',
    '-shortest',
    file,
  ]);
  const sut = await probeVideo(file);
  assert.equal(sut.width, 320);
  assert.equal(sut.height, 240);
  assert.equal(sut.fps, 25);
  assert.ok(Math.abs(sut.durationSeconds - 2) < 0.1, `duration ${sut.durationSeconds}`);
  assert.equal(sut.audioStreams, 1);
  assert.equal(sut.frames, 50);
});
