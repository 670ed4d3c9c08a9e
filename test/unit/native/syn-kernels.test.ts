/**
 * syn's native kernels (src/native/syn.c) against the JavaScript they stand in for: the same
 * inputs through both paths (`useNativeKernels`), 0 differing elements.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createWarpTarget,
  warpTriangles,
  warpTrianglesJs,
  type RgbImage,
  type Vec2,
  type WarpTarget,
} from '../../../src/engine/syn/mesh.geometry.ts';
import { transferLab, type LabStats } from '../../../src/engine/syn/colour.transfer.ts';
import { cropAround, cropGeometry } from '../../../src/engine/syn/face.crop.ts';
import { cutTurned } from '../../../src/engine/syn/tracked.input.ts';
import type { Detection } from '../../../src/engine/types.ts';
import { nativeKernels, useNativeKernels } from '../../../src/native/index.ts';
import { random, restoreNativeAfter, skipWithoutNative } from './native-test.ts';

const skip = skipWithoutNative;
restoreNativeAfter();

function texture(size: number, seed: number): RgbImage {
  const r = random(seed);
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { data, width: size, height: size };
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** A jittered grid of points with its triangles (some flipped by the jitter). */
function mesh(seed: number, cols: number, rows: number, x0: number, y0: number, step: number) {
  const r = random(seed);
  const pts: Vec2[] = [];
  for (let j = 0; j < rows; j++)
    for (let i = 0; i < cols; i++)
      pts.push([
        x0 + i * step + (r() - 0.5) * step * 1.3,
        y0 + j * step + (r() - 0.5) * step * 1.3,
      ]);
  const tris: number[] = [];
  for (let j = 0; j + 1 < rows; j++)
    for (let i = 0; i + 1 < cols; i++) {
      const a = j * cols + i;
      tris.push(a, a + 1, a + cols, a + 1, a + cols + 1, a + cols);
    }
  return { pts, tris };
}

describe('syn native kernels', { skip }, () => {
  it('warpTriangles: native equals JavaScript (0 differing values, same count)', () => {
    let cases = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const src = texture(64 + seed * 13, seed);
      const s = mesh(seed, 9, 9, -6, -4, (src.width + 10) / 8);
      // Destinations off the target's edges too, a degenerate triangle and a trailing pair.
      const d = mesh(seed + 100, 9, 9, 20 - seed * 7, 15 - seed * 5, 11 + seed * 3);
      d.pts[40] = [...d.pts[41]];
      const tris = [...s.tris, 3, 4];
      const run = (native: boolean): [number, WarpTarget] => {
        useNativeKernels(native);
        const t = createWarpTarget(10, 12, 80 + seed * 9, 70 + seed * 11);
        t.rgb.fill(-1);
        const n = warpTriangles(src, s.pts, d.pts, tris, t);
        return [n, t];
      };
      const [nn, tn] = run(true);
      const [nj, tj] = run(false);
      const js = createWarpTarget(10, 12, 80 + seed * 9, 70 + seed * 11);
      js.rgb.fill(-1);
      assert.equal(warpTrianglesJs(src, s.pts, d.pts, tris, js), nj);
      assert.ok(nn > 0);
      assert.equal(nn, nj);
      assert.equal(differing(tn.rgb, tj.rgb), 0);
      assert.equal(differing(tn.covered, tj.covered), 0);
      assert.equal(differing(js.rgb, tj.rgb), 0);
      cases++;
    }
    assert.equal(cases, 6);
  });

  it('warpTriangles: non-finite points stay with the JavaScript (same result)', () => {
    const src = texture(32, 3);
    const pts: Vec2[] = [
      [0, 0],
      [30, 0],
      [0, 30],
      [NaN, 5],
    ];
    const run = (native: boolean) => {
      useNativeKernels(native);
      const t = createWarpTarget(0, 0, 40, 40);
      return [warpTriangles(src, pts, pts, [0, 1, 2, 0, 1, 3], t), t] as const;
    };
    const [nn, tn] = run(true);
    const [nj, tj] = run(false);
    assert.equal(nn, nj);
    assert.equal(differing(tn.rgb, tj.rgb), 0);
  });

  it('transferLab: native lookup equals JavaScript (0 differing values)', () => {
    for (const seed of [7, 8, 9]) {
      const r = random(seed);
      const n = 20000;
      const rgb = new Float32Array(n * 3);
      // All levels, plus out-of-range, fractional and half-way values.
      for (let i = 0; i < rgb.length; i++) {
        const k = r();
        rgb[i] =
          k < 0.05
            ? -20 + r() * 20
            : k < 0.1
              ? 255 + r() * 40
              : k < 0.2
                ? Math.floor(r() * 256) + 0.5
                : r() * 256;
      }
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) mask[i] = r() < 0.8 ? 1 : 0;
      const stats = (m: number): LabStats => ({
        mean: [40 + m * 20 * r(), -10 + 20 * r(), -10 + 20 * r()],
        std: [5 + 20 * r(), 2 + 10 * r(), 2 + 10 * r()],
        count: 100,
      });
      const from = stats(1);
      const to = stats(2);
      const a = rgb.slice();
      const b = rgb.slice();
      useNativeKernels(true);
      transferLab(a, mask, from, to);
      useNativeKernels(false);
      transferLab(b, mask, from, to);
      assert.equal(differing(a, b), 0);
      assert.ok(differing(a, rgb) > n);
    }
  });

  it('cropAround: native resampling equals JavaScript (1 and 2 taps, across the borders)', () => {
    const frame = texture(300, 11);
    const face = (x1: number, y1: number, side: number): Detection => ({
      cls: 'face',
      score: 0.9,
      box: { x1, y1, x2: x1 + side, y2: y1 + side * 1.2 },
    });
    // Small faces (crop enlarged: 1 tap), large (1-1.5x: 1 tap; over 1.5x: 2 taps), at edges.
    const dets = [
      face(100, 90, 40),
      face(-30, 200, 90),
      face(60, 40, 170),
      face(120, 110, 230),
      face(250, -40, 300),
      face(10.7, 20.3, 61.9),
      face(-50, -60, 400),
    ];
    const scales = dets.map((d) => cropGeometry(d).scale);
    assert.ok(scales.some((s) => s < 1));
    assert.ok(scales.some((s) => s > 1 && s <= 1.5));
    assert.ok(scales.some((s) => s > 1.5));
    for (const det of dets) {
      useNativeKernels(true);
      const a = cropAround(frame, det).image.data;
      useNativeKernels(false);
      const b = cropAround(frame, det).image.data;
      assert.equal(differing(a, b), 0);
    }
  });

  it('cutTurned: native samples equal JavaScript (bytes and floats, turned or not)', () => {
    const r = random(12);
    const w = 180;
    const h = 150;
    const bytes = new Uint8Array(w * h * 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
    const floats = Float32Array.from(bytes, (v) => v + r() - 0.5);
    let cases = 0;
    for (const src of [bytes, floats])
      for (const radians of [0, 0.3, -1.2, 2.9]) {
        const turn = radians ? { radians, centre: [0.45, 0.55] as const } : undefined;
        // Inside, across the borders and beyond them.
        for (const cut of [
          [0.1, 0.2, 0.7, 0.8],
          [-0.2, -0.1, 0.5, 0.6],
          [0.6, 0.5, 1.3, 1.2],
        ] as const)
          for (const [size, divisor] of [
            [64, 255],
            [37, 1],
          ]) {
            useNativeKernels(true);
            const a = cutTurned(src, w, h, turn, cut, size, divisor);
            useNativeKernels(false);
            const b = cutTurned(src, w, h, turn, cut, size, divisor);
            assert.equal(differing(a, b), 0);
            cases++;
          }
      }
    assert.equal(cases, 48);
  });

  it('checks its arguments (TypeError, nothing out of bounds)', () => {
    useNativeKernels(true);
    const k = nativeKernels();
    assert.ok(k);
    const src = new Uint8Array(4 * 4 * 3);
    const pts = new Float64Array([0, 0, 4, 0, 0, 4]);
    const t = new Int32Array([0, 1, 2]);
    const rgb = new Float32Array(8 * 8 * 3);
    const cov = new Uint8Array(64);
    assert.equal(k.warpTriangles(src, 4, 4, pts, pts, t, rgb, cov, 0, 0, 8, 8), 1);
    assert.throws(() => k.warpTriangles(src, 5, 4, pts, pts, t, rgb, cov, 0, 0, 8, 8), TypeError);
    assert.throws(() => k.warpTriangles(src, 4, 4, pts, pts, t, rgb, cov, 0, 0, 9, 8), TypeError);
    assert.throws(
      () => k.warpTriangles(src, 4, 4, pts, pts, new Int32Array([0, 1, 3]), rgb, cov, 0, 0, 8, 8),
      TypeError,
    );
    assert.throws(
      () =>
        k.warpTriangles(
          src,
          4,
          4,
          pts,
          new Float64Array([0, 0, 4, 0, 0, NaN]),
          t,
          rgb,
          cov,
          0,
          0,
          8,
          8,
        ),
      TypeError,
    );
    assert.throws(
      () => k.warpTriangles(src, 4, 4, pts, pts.subarray(0, 4), t, rgb, cov, 0, 0, 8, 8),
      TypeError,
    );
    const lut = new Float32Array(17 ** 3 * 3);
    assert.throws(() => k.lutApply(rgb, cov, lut.subarray(1)), TypeError);
    assert.throws(() => k.lutApply(rgb.subarray(3), cov, lut), TypeError);
    assert.throws(
      () => k.lutApply(rgb, new Float32Array(64) as unknown as Uint8Array, lut),
      TypeError,
    );
    // cropBilinear: 2 x 2 output of a 4 x 4 picture, offsets in bytes.
    const at = (...v: number[]) => new Int32Array(v);
    const wts = new Float64Array([0.5, 0.5]);
    const crop = new Uint8Array(2 * 2 * 3);
    k.cropBilinear(src, 1, 2, at(0, 6), at(3, 9), wts, at(0, 24), at(12, 36), wts, crop);
    assert.throws(
      () => k.cropBilinear(src, 1, 2, at(0, 6), at(3, 9), wts, at(0, 24), at(12, 48), wts, crop),
      TypeError,
    );
    assert.throws(
      () => k.cropBilinear(src, 1, 2, at(0, -3), at(3, 9), wts, at(0, 24), at(12, 36), wts, crop),
      TypeError,
    );
    assert.throws(
      () => k.cropBilinear(src, 3, 2, at(0, 6), at(3, 9), wts, at(0, 24), at(12, 36), wts, crop),
      TypeError,
    );
    assert.throws(
      () => k.cropBilinear(src, 1, 2, at(0, 6), at(3, 9), wts, at(0, 24), at(12, 36), wts, cov),
      TypeError,
    );
    // cutTurned: an axis entry past the picture, a short out, a src of the wrong size.
    const axis = (hi: number) => new Float64Array([1, 0, hi, 0.5, 0, 0, 0, 0]);
    const one = new Float32Array(3);
    k.cutTurned(src, 4, 4, 0, 0, 0, axis(3), axis(3), 1, 255, one);
    assert.throws(() => k.cutTurned(src, 4, 4, 0, 0, 0, axis(4), axis(3), 1, 255, one), TypeError);
    assert.throws(
      () => k.cutTurned(src, 4, 4, 0, 0, 0, axis(3), axis(3), 1, 255, one.subarray(1)),
      TypeError,
    );
    assert.throws(() => k.cutTurned(src, 5, 4, 0, 0, 0, axis(3), axis(3), 1, 255, one), TypeError);
  });
});
