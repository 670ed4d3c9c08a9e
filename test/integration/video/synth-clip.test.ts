import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { groundTruth, synthClip, type MovingObject } from './synth-clip.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'veil-synth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The coverage evaluations trust that an object is drawn where `groundTruth` says, frame by
// frame: with ffmpeg's overlay counter (1-based in the shipped build) every fast object was
// drawn one frame ahead of its truth.
for (const fps of ['25', '30000/1001']) {
  test(`synthClip draws a moving object where groundTruth puts it on every frame (${fps} fps)`, async () => {
    const file = path.join(dir, 'square.png');
    await sharp({ create: { width: 40, height: 40, channels: 3, background: '#ffffff' } })
      .png()
      .toFile(file);
    const square: MovingObject = {
      crop: { file, width: 40, height: 40, face: { x1: 0, y1: 0, x2: 40, y2: 40 } },
      x0: 10,
      y0: 100,
      vx: 12,
      vy: 2,
    };
    const clip = path.join(dir, 'square.mp4');
    const [width, height, frames] = [320, 240, 6];
    synthClip({
      output: clip,
      width,
      height,
      fps,
      frames,
      objects: [square],
      codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'],
    });
    const luma = execFileSync(ffmpegPaths().ffmpeg, [
      ...['-v', 'error', '-i', clip, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    ]);
    for (let f = 0; f < frames; f++) {
      const truth = groundTruth([square], f, width, height)[0].box;
      // Rows through the square's middle: its left edge is the first run of white.
      const y = Math.round((truth.y1 + truth.y2) / 2);
      const row = luma.subarray(
        f * width * height + y * width,
        f * width * height + (y + 1) * width,
      );
      const left = row.findIndex((v, i) => v > 240 && row[i + 4] > 240 && row[i + 8] > 240);
      assert.ok(
        Math.abs(left - truth.x1) <= 1,
        `frame ${f}: drawn at x ${left}, truth ${truth.x1}`,
      );
    }
  });
}

test('synthClip draws an object from its `appear` frame on, and groundTruth counts it from there', async () => {
  const file = path.join(dir, 'late.png');
  await sharp({ create: { width: 40, height: 40, channels: 3, background: '#ffffff' } })
    .png()
    .toFile(file);
  const late: MovingObject = {
    crop: { file, width: 40, height: 40, face: { x1: 0, y1: 0, x2: 40, y2: 40 } },
    x0: 100,
    y0: 100,
    vx: 2,
    vy: 0,
    appear: 3,
  };
  const clip = path.join(dir, 'late.mp4');
  const [width, height, frames] = [320, 240, 6];
  synthClip({
    output: clip,
    width,
    height,
    fps: '25',
    frames,
    objects: [late],
    codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'],
  });
  const luma = execFileSync(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-i', clip, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
  ]);
  for (let f = 0; f < frames; f++) {
    const truth = groundTruth([late], f, width, height);
    assert.equal(truth.length, f >= 3 ? 1 : 0, `frame ${f}`);
    // The square's middle (where it is on every frame): white only once it has appeared.
    const x = Math.round(late.x0 + late.vx * f + 20);
    const v = luma[f * width * height + 120 * width + x];
    assert.equal(v > 240, f >= 3, `frame ${f}: luma ${v} at the square's middle`);
  }
});
