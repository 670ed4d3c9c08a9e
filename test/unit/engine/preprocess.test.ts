import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  cropRgb,
  fitWithin,
  letterboxGeometry,
  resizeRgb,
  roundUp,
  toPlanarTensor,
  paddedPlanarTensor,
  resizedPlanarTensor,
  TensorBuffers,
} from '../../../src/engine/preprocess.ts';
import type { RgbFrame } from '../../../src/engine/types.ts';
import { nativeKernelsBuilt, useNativeKernels } from '../../../src/native/index.ts';
import { referenceResizeRgb, referenceResizedPlanarTensor } from './preprocess.reference.ts';

/** A frame whose pixel (x, y) is [x, y, 200]. */
function ramp(width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([x, y, 200], (y * width + x) * 3);
  return { data, width, height };
}

const px = (f: RgbFrame, x: number, y: number) =>
  Array.from(f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3));

describe('preprocessing', () => {
  it('halves a frame by averaging 2x2 blocks', () => {
    const sut = resizeRgb(ramp(8, 6), 4, 3);
    assert.deepEqual(px(sut, 0, 0), [1, 1, 200]); // mean of 0,1 rounds to 1 (0.5 + 0.5)
    assert.deepEqual(px(sut, 3, 2), [7, 5, 200]);
  });

  it('averages 3x3 blocks for a 3x shrink', () => {
    const sut = resizeRgb(ramp(9, 6), 3, 2);
    assert.deepEqual(px(sut, 0, 0), [1, 1, 200]);
    assert.deepEqual(px(sut, 2, 1), [7, 4, 200]);
  });

  it('agrees within 1 level between the exact-halving path and the general area path', () => {
    const noise: RgbFrame = {
      data: new Uint8Array(64 * 32 * 3).map((_, i) => (i * 2654435761) >>> 24),
      width: 64,
      height: 32,
    };
    const halved = resizeRgb(noise, 32, 16);
    assert.equal(halved.data.length, 32 * 16 * 3);
    // One axis at a time cannot take the integer path: this is the general area filter.
    const rowWise = resizeRgb(resizeRgb(noise, 32, 32), 32, 16);
    for (let i = 0; i < halved.data.length; i++)
      assert.ok(Math.abs(halved.data[i] - rowWise.data[i]) <= 1, `byte ${i}`);
  });

  it('keeps a flat colour flat at any scale', () => {
    const flat: RgbFrame = { data: new Uint8Array(37 * 23 * 3).fill(77), width: 37, height: 23 };
    for (const [w, h] of [
      [10, 7],
      [37, 23],
      [80, 50],
      [1, 1],
    ]) {
      const sut = resizeRgb(flat, w, h);
      assert.equal(sut.data.length, w * h * 3);
      assert.ok(
        sut.data.every((v) => v === 77),
        `${w}x${h}`,
      );
    }
  });

  it('enlarges with linear interpolation between neighbours', () => {
    const sut = resizeRgb(ramp(2, 1), 4, 1);
    assert.deepEqual(
      [0, 1, 2, 3].map((x) => px(sut, x, 0)[0]),
      [0, 0, 1, 1],
    );
  });

  it('crops a rectangle, clamped to the frame', () => {
    const sut = cropRgb(ramp(10, 10), 8, 7, 5, 5);
    assert.equal(sut.width, 2);
    assert.equal(sut.height, 3);
    assert.deepEqual(px(sut, 1, 2), [9, 9, 200]);
  });

  it('writes planar BGR onto a zero-padded canvas', () => {
    const sut = toPlanarTensor(ramp(2, 2), {
      width: 4,
      height: 3,
      offsetX: 1,
      offsetY: 1,
      order: 'bgr',
      scale: 1,
    });
    const plane = 12;
    assert.equal(sut.length, 36);
    assert.equal(sut[0], 0, 'padding stays black');
    const at = (c: number, x: number, y: number) => sut[c * plane + y * 4 + x];
    assert.deepEqual([at(0, 2, 2), at(1, 2, 2), at(2, 2, 2)], [200, 1, 1]);
  });

  it('writes planar RGB scaled to 0..1', () => {
    const sut = toPlanarTensor(ramp(2, 1), {
      width: 2,
      height: 1,
      offsetX: 0,
      offsetY: 0,
      order: 'rgb',
      scale: 1 / 255,
    });
    assert.deepEqual(
      Array.from(sut).map((v) => Math.round(v * 255)),
      [0, 1, 0, 0, 200, 200],
    );
  });

  it('resamples straight into a padded tensor as resizeRgb then paddedPlanarTensor do', () => {
    const noisy = ramp(50, 30);
    noisy.data.forEach((_, i) => (noisy.data[i] = (i * 37) % 256));
    for (const [w, h] of [
      [75, 45], // enlarged 1.5x (RetinaFace's small-face pass)
      [33, 20], // shrunk 1.5x (area averaging)
      [50, 30], // same size
    ]) {
      const want = paddedPlanarTensor(resizeRgb(noisy, w, h), 'rgb');
      // A reused buffer full of stale values: every element, padding included, is rewritten.
      const dirty = new Float32Array(want.data.length).fill(99);
      const got = resizedPlanarTensor(noisy, w, h, 'rgb', dirty);
      assert.equal(got.data, dirty);
      assert.deepEqual(got.dims, want.dims);
      const worst = got.data.reduce((m, v, i) => Math.max(m, Math.abs(v - want.data[i])), 0);
      assert.ok(worst <= 1, `${w}x${h}: off by ${worst}`);
    }
  });

  it('reuses tensor buffers by capacity: views of exactly the length asked for', () => {
    const buffers = new TensorBuffers();
    const a = buffers.take(300_000);
    assert.equal(a.length, 300_000);
    a[0] = 7;
    buffers.give(a);
    // A smaller size (a smaller window) is served from the same memory, with stale contents.
    const b = buffers.take(1200);
    assert.equal(b.length, 1200);
    assert.equal(b.buffer, a.buffer);
    assert.equal(b[0], 7);
    // Taken: a second caller gets its own memory, until it is given back.
    const c = buffers.take(1200);
    assert.notEqual(c.buffer, a.buffer);
    buffers.give(b);
    buffers.give(c);
    // The smallest kept buffer that fits is the one taken; a larger size gets its own.
    assert.equal(buffers.take(1200).buffer, c.buffer);
    assert.equal(buffers.take(1200).buffer, a.buffer);
    const big = buffers.take(2_000_000);
    assert.ok(big.buffer !== a.buffer && big.buffer !== c.buffer);
  });

  it('refuses a frame that does not fit the canvas', () => {
    assert.throws(() =>
      toPlanarTensor(ramp(5, 5), {
        width: 4,
        height: 8,
        offsetX: 0,
        offsetY: 0,
        order: 'rgb',
        scale: 1,
      }),
    );
  });

  const fits: Array<[number, number, number, number, number]> = [
    [1920, 1080, 960, 960, 540],
    [1080, 1920, 960, 540, 960],
    [640, 480, 960, 640, 480],
  ];
  for (const [w, h, max, ew, eh] of fits) {
    it(`fits ${w}x${h} within ${max} as ${ew}x${eh} (never enlarging)`, () => {
      const sut = fitWithin(w, h, max);
      assert.deepEqual([sut.width, sut.height], [ew, eh]);
    });
  }

  it('rounds sides up to multiples of 32', () => {
    assert.deepEqual(
      [540, 544, 1, 960].map((v) => roundUp(v, 32)),
      [544, 544, 32, 960],
    );
  });

  it('centres a letterbox and enlarges small frames', () => {
    assert.deepEqual(letterboxGeometry(320, 160, 640), {
      scale: 2,
      width: 640,
      height: 320,
      padX: 0,
      padY: 160,
    });
  });
});

it('paddedPlanarTensor pads both sides up to 32 and keeps the frame at the top-left', () => {
  const frame = { data: new Uint8Array(33 * 2 * 3).fill(200), width: 33, height: 2 };
  frame.data[0] = 10; // R of the first pixel
  frame.data[2] = 30; // B of the first pixel
  const sut = paddedPlanarTensor(frame, 'bgr');
  assert.deepEqual(sut.dims, [1, 3, 32, 64]);
  assert.equal(sut.data.length, 3 * 32 * 64);
  assert.equal(sut.data[0], 30, 'first plane is blue in bgr');
  assert.equal(sut.data[2 * 32 * 64], 10, 'third plane is red in bgr');
  assert.equal(sut.data[33], 0, 'padding right of the frame is black');
  assert.equal(sut.data[2 * 64], 0, 'padding below the frame is black');
});

/** Uniform random bytes, deterministic per seed. */
function noise(width: number, height: number, seed: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height };
}

/** Elements that differ (Object.is, so -0 against 0 counts as well). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

describe('resampling kernels against the reference implementation', () => {
  // [source w, h, target w, h]: the detector sizes, 1-pixel frames and borders, odd widths,
  // sides that are not multiples of 32, shrinks by more and less than 2, and enlargements.
  const cases: [number, number, number, number][] = [
    [960, 540, 1440, 810],
    // Video's small-face pass (1.75x: 7 columns per 4 pixels) and a short 1.75x stretch.
    [960, 540, 1680, 945],
    [24, 16, 42, 28],
    [960, 540, 640, 360],
    [960, 540, 960, 540],
    [960, 540, 1920, 1080],
    [97, 61, 145, 91],
    [97, 61, 31, 17],
    [1, 1, 5, 3],
    [5, 3, 1, 1],
    [1, 7, 3, 2],
    [7, 1, 2, 4],
    [33, 17, 33, 40],
    [33, 17, 70, 17],
    [45, 33, 30, 22],
    [101, 57, 150, 85],
    [64, 48, 21, 16],
    [64, 48, 16, 12],
    [129, 75, 43, 25],
    [50, 50, 99, 101],
    [31, 63, 62, 126],
    [640, 360, 1440, 810],
    [200, 120, 133, 80],
    [960, 540, 320, 180],
    [99, 33, 33, 11],
    [3, 3, 1, 1],
    // Other periodic column patterns: 2x shrink (2 columns per 4 pixels), 3x enlargement,
    // 4 -> 3 shrink (3 columns per 4 pixels), 2.5x enlargement.
    [64, 48, 32, 24],
    [20, 10, 60, 30],
    [40, 40, 30, 30],
    [20, 12, 50, 30],
  ];
  for (const [sw, sh, w, h] of cases) {
    it(`resizedPlanarTensor ${sw}x${sh} -> ${w}x${h} matches element for element`, () => {
      const frame = noise(sw, sh, sw * 7919 + sh * 31 + w);
      // The JavaScript kernels, and the native ones where `npm ci` built them.
      for (const native of nativeKernelsBuilt() ? [false, true] : [false]) {
        useNativeKernels(native);
        for (const order of ['rgb', 'bgr'] as const) {
          const expected = referenceResizedPlanarTensor(frame, w, h, order);
          // A reused buffer full of stale values: every element must still be written.
          const stale = new Float32Array(expected.data.length).fill(-7);
          const sut = resizedPlanarTensor(frame, w, h, order, stale);
          assert.equal(sut.data, stale);
          assert.deepEqual(sut.dims, expected.dims);
          assert.equal(differing(sut.data, expected.data), 0, `${order}, native ${native}`);
        }
      }
      useNativeKernels(true);
    });
    it(`resizedPlanarTensor ${sw}x${sh} -> ${w}x${h} with an input affine`, () => {
      const frame = noise(sw, sh, sw * 13 + sh * 17 + w);
      const affine = { sub: 127.5, mul: 0.0078125 };
      const plain = referenceResizedPlanarTensor(frame, w, h, 'rgb').data;
      const expected = plain.map((v) => Math.fround(Math.fround(v - 127.5) * 0.0078125));
      for (const native of nativeKernelsBuilt() ? [false, true] : [false]) {
        useNativeKernels(native);
        const sut = resizedPlanarTensor(frame, w, h, 'rgb', undefined, affine);
        assert.equal(differing(sut.data, expected), 0, `native ${native}`);
        // Padding holds the normalised 0, as the graph's Sub and Mul made of it.
        if (sut.width > w) assert.equal(sut.data[w], -0.99609375);
      }
      useNativeKernels(true);
    });
    it(`resizeRgb ${sw}x${sh} -> ${w}x${h} matches byte for byte`, () => {
      const frame = noise(sw, sh, sw * 31 + sh * 7 + h);
      assert.equal(differing(resizeRgb(frame, w, h).data, referenceResizeRgb(frame, w, h).data), 0);
    });
  }

  it('matches on real photographs (the eval fixtures) at the detector sizes', async (t) => {
    const dir = fileURLToPath(new URL('../../fixtures/images/', import.meta.url));
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)) : [];
    if (files.length === 0) {
      t.skip('no fixture images');
      return;
    }
    for (const file of files.slice(0, 4)) {
      const { data, info } = await sharp(join(dir, file))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const frame: RgbFrame = {
        data: new Uint8Array(data),
        width: info.width,
        height: info.height,
      };
      for (const k of [1.5, 1.75, 2, 2 / 3, 1]) {
        const w = Math.max(1, Math.round(frame.width * k));
        const h = Math.max(1, Math.round(frame.height * k));
        const expected = referenceResizedPlanarTensor(frame, w, h, 'bgr');
        const sut = resizedPlanarTensor(frame, w, h, 'bgr');
        assert.equal(differing(sut.data, expected.data), 0, `${file} x${k}`);
      }
    }
  });
});
