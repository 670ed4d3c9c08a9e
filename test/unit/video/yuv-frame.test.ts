import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { RgbFrame } from '../../../src/engine/types.ts';
import { scaleDetections } from '../../../src/media/video/detection-frame.ts';
import {
  reducedRgb,
  reducedRgbBytes,
  regionToRgb,
  rgbToRegion,
  yuvFrameSize,
  type YuvFrame,
} from '../../../src/media/video/yuv.frame.ts';
import { referenceReducedRgb } from './yuv-frame.reference.ts';

/** A frame filled with one colour (BT.601 limited range values of it). */
function solid(width: number, height: number, y: number, u: number, v: number): YuvFrame {
  const data = new Uint8Array(yuvFrameSize(width, height));
  const luma = width * height;
  data.fill(y, 0, luma);
  const c = (data.length - luma) / 2;
  data.fill(u, luma, luma + c);
  data.fill(v, luma + c);
  return { data, width, height };
}

test('I420 size rounds chroma up for odd sizes', () => {
  assert.equal(yuvFrameSize(4, 2), 8 + 2 * 2);
  assert.equal(yuvFrameSize(3, 3), 9 + 2 * 4);
});

test('converts limited-range YUV to RGB (pure red)', () => {
  // Red in BT.601 limited range: Y 81, U 90, V 240.
  const rgb = regionToRgb(solid(4, 4, 81, 90, 240), { x1: 0, y1: 0, x2: 2, y2: 2 });
  const [r, g, b] = rgb.data;
  assert.ok(r > 245 && g < 10 && b < 10, `${r},${g},${b}`);
});

test('RGB written back reads back within 2 levels', () => {
  const frame = solid(8, 8, 16, 128, 128);
  const box = { x1: 2, y1: 2, x2: 6, y2: 6 };
  const rgb: RgbFrame = { data: new Uint8Array(4 * 4 * 3), width: 4, height: 4 };
  for (let i = 0; i < 16; i++) rgb.data.set([40, 120, 200], i * 3);
  rgbToRegion(frame, box, rgb);
  const back = regionToRgb(frame, box);
  for (let i = 0; i < back.data.length; i++) {
    assert.ok(Math.abs(back.data[i] - rgb.data[i]) <= 2, `channel ${i}: ${back.data[i]}`);
  }
  // Outside the box, nothing changed.
  assert.equal(frame.data[0], 16);
});

test('the detection copy is reduced to maxSide with the right scale back', () => {
  const sut = reducedRgb(solid(1920, 1080, 81, 90, 240), 960);
  assert.deepEqual([sut.frame.width, sut.frame.height, sut.sx, sut.sy], [960, 540, 2, 2]);
  assert.ok(sut.frame.data[0] > 245 && sut.frame.data[1] < 10);
  // Halving: each output pixel is its 2x2 luma mean with its chroma sample, as converted alone.
  const textured = solid(1920, 1080, 0, 0, 0);
  for (let i = 0; i < textured.data.length; i++) textured.data[i] = 16 + ((i * 7919) % 220);
  const half = reducedRgb(textured, 960).frame;
  const at = (x: number, y: number) => textured.data[y * 1920 + x];
  for (const [i, j] of [
    [0, 0],
    [959, 539],
    [313, 127],
  ]) {
    const luma =
      (at(2 * i, 2 * j) + at(2 * i + 1, 2 * j) + at(2 * i, 2 * j + 1) + at(2 * i + 1, 2 * j + 1)) >>
      2;
    const c = 1920 * 1080 + j * 960 + i;
    const one = solid(2, 2, luma, textured.data[c], textured.data[c + 960 * 540]);
    const expected = regionToRgb(one, { x1: 0, y1: 0, x2: 1, y2: 1 }).data;
    assert.deepEqual(
      [...half.data.subarray((j * 960 + i) * 3, (j * 960 + i) * 3 + 3)],
      [...expected],
    );
  }
  const small = reducedRgb(solid(320, 240, 81, 90, 240), 960);
  assert.deepEqual([small.frame.width, small.sx], [320, 1]);
  const [d] = scaleDetections(
    [{ cls: 'face', score: 1, box: { x1: 1, y1: 2, x2: 3, y2: 4 }, landmarks: [[1, 1]] }],
    2,
    2,
  );
  assert.deepEqual(d.box, { x1: 2, y1: 4, x2: 6, y2: 8 });
  assert.deepEqual(d.landmarks, [[2, 2]]);
});

test('a buffer of reducedRgbBytes takes the copy at that side and any smaller one', () => {
  const frame = { data: new Uint8Array(yuvFrameSize(1920, 1080)), width: 1920, height: 1080 };
  const into = new Uint8Array(reducedRgbBytes(1920, 1080, 960));
  assert.equal(into.length, 960 * 540 * 3);
  for (const side of [960, 640]) {
    const copy = reducedRgb(frame, side, into);
    assert.equal(copy.frame.data.buffer, into.buffer);
    assert.equal(copy.frame.data.length, reducedRgbBytes(1920, 1080, side));
  }
});

/** An I420 frame of random bytes (any byte is a valid sample), deterministic per seed. */
function randomYuv(width: number, height: number, seed: number): YuvFrame {
  const data = new Uint8Array(yuvFrameSize(width, height));
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height };
}

function assertSameAsReference(frame: YuvFrame, side: number, label: string): void {
  const expected = referenceReducedRgb(frame, side);
  const sut = reducedRgb(frame, side, new Uint8Array(frame.width * frame.height * 3).fill(7));
  assert.deepEqual(
    [sut.frame.width, sut.frame.height, sut.sx, sut.sy],
    [expected.frame.width, expected.frame.height, expected.sx, expected.sy],
    label,
  );
  let differing = 0;
  for (let i = 0; i < expected.frame.data.length; i++) {
    if (sut.frame.data[i] !== expected.frame.data[i]) differing++;
  }
  assert.equal(differing, 0, label);
}

test('reducedRgb matches the reference byte for byte (random frames, odd and small sizes)', () => {
  const sizes: [number, number, number][] = [
    [1920, 1080, 960],
    [1920, 1080, 640],
    [1280, 720, 960],
    [1280, 720, 640],
    [3840, 2160, 960],
    [1924, 1082, 962], // halving with widths that are not multiples of 8
    [1000, 600, 500],
    [1028, 580, 514],
    [853, 480, 640],
    [853, 481, 426],
    [7, 5, 3],
    [2, 2, 1],
    [1, 1, 960],
    [3, 1, 1],
    [1, 9, 2],
    [65, 33, 32],
  ];
  for (const [w, h, side] of sizes) {
    assertSameAsReference(randomYuv(w, h, w * 31 + h + side), side, `${w}x${h} -> ${side}`);
  }
});

test('reducedRgb matches the reference on a frame inside a larger buffer (unaligned)', () => {
  const frame = randomYuv(1920, 1080, 5);
  const holder = new Uint8Array(frame.data.length + 3);
  holder.set(frame.data, 1);
  const shifted = { data: holder.subarray(1, 1 + frame.data.length), width: 1920, height: 1080 };
  assertSameAsReference(shifted, 960, 'offset 1');
  // A copy written at an odd byte offset of a reused buffer (byte stores, not words).
  for (const [w, h, side] of [
    [1920, 1080, 960],
    [1280, 720, 960],
    [1920, 1080, 640],
  ]) {
    const source = randomYuv(w, h, w + side);
    const into = new Uint8Array(w * h * 3 + 1).subarray(1);
    const sut = reducedRgb(source, side, into);
    assert.equal(sut.frame.data.byteOffset, 1);
    const expected = referenceReducedRgb(source, side).frame.data;
    let differing = 0;
    for (let i = 0; i < expected.length; i++) if (sut.frame.data[i] !== expected[i]) differing++;
    assert.equal(differing, 0, `${w}x${h} -> ${side} at offset 1`);
  }
});

test('reducedRgb matches the reference on a real photograph converted to I420', async () => {
  const file = fileURLToPath(new URL('../../fixtures/images/group-5-faces.jpg', import.meta.url));
  // A 1920 x 1080 picture (crop/pad of the fixture), as ffmpeg would decode it.
  const { data, info } = await sharp(file)
    .resize(1920, 1080, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const frame: YuvFrame = {
    data: new Uint8Array(yuvFrameSize(1920, 1080)),
    width: 1920,
    height: 1080,
  };
  const rgb: RgbFrame = { data: new Uint8Array(data), width: info.width, height: info.height };
  rgbToRegion(frame, { x1: 0, y1: 0, x2: 1920, y2: 1080 }, rgb);
  for (const side of [960, 640, 480]) assertSameAsReference(frame, side, `photo -> ${side}`);
});
