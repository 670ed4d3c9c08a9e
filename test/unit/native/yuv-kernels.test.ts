/**
 * The video main thread's native kernels (src/native/yuv.c) against the JavaScript they stand
 * in for: the same inputs through both paths (`useNativeKernels`), 0 differing bytes / elements.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { gaussianish } from '../../../src/engine/render/region.filter.ts';
import type { Detection, RenderStyle } from '../../../src/engine/types.ts';
import { nativeKernels, useNativeKernels } from '../../../src/native/index.ts';
import { random, restoreNativeAfter, skipWithoutNative } from './native-test.ts';
import { cellMeans } from '../../../src/media/video/yuv.cells.ts';
import {
  reducedRgb,
  rgbToRegion,
  yuvFrameSize,
  type YuvFrame,
} from '../../../src/media/video/yuv.frame.ts';
import {
  blendGrid,
  coverageRows,
  coverOnYuv,
  type CoverageRow,
} from '../../../src/media/video/yuv.render.ts';
import { rasterizeMask, type Shape } from '../../../src/engine/render/mask.geometry.ts';

const skip = skipWithoutNative;
restoreNativeAfter();

/** Gradients plus noise in every plane (all byte values occur on large frames). */
function texturedFrame(width: number, height: number, seed: number): YuvFrame {
  const data = new Uint8Array(yuvFrameSize(width, height));
  const r = random(seed);
  const luma = width * height;
  for (let i = 0; i < data.length; i++) {
    const x = i < luma ? i % width : i;
    const base = i < luma ? 30 + (190 * x) / width : 128 + 60 * Math.sin(i / 97);
    data[i] = Math.max(0, Math.min(255, Math.round(base + (r() - 0.5) * 120)));
  }
  return { data, width, height };
}

/** A committed photograph as the I420 frame ffmpeg would decode (width x height). */
async function photoFrame(width: number, height: number): Promise<YuvFrame> {
  const file = fileURLToPath(new URL('../../fixtures/images/group-5-faces.jpg', import.meta.url));
  const { data } = await sharp(file)
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const frame = { data: new Uint8Array(yuvFrameSize(width, height)), width, height };
  rgbToRegion(frame, { x1: 0, y1: 0, x2: width, y2: height }, { data, width, height });
  return frame;
}

/** Faces and plates of every size, many across the frame's edges, at fractional positions. */
function detections(width: number, height: number, n: number, seed: number): Detection[] {
  const r = random(seed);
  const out: Detection[] = [];
  for (let k = 0; k < n; k++) {
    const plate = k % 4 === 3;
    const h = plate ? 6 + r() * 60 : 4 + r() * Math.min(300, height);
    const w = plate ? h * (2 + 3 * r()) : h * (0.6 + 0.4 * r());
    const x1 = -w / 2 + r() * (width + w / 2) + r();
    const y1 = -h / 2 + r() * (height + h / 2) + r();
    const box = { x1, y1, x2: x1 + w, y2: y1 + h };
    const lm = (u: number, v: number): [number, number] => [x1 + u * w, y1 + v * h];
    out.push(
      plate
        ? {
            cls: 'plate',
            score: 0.9,
            box,
            ...(k % 8 === 7 ? { polygon: [lm(0, 0.1), lm(1, 0), lm(0.95, 1), lm(0.05, 0.9)] } : {}),
          }
        : {
            cls: 'face',
            score: 0.9,
            box,
            landmarks: [lm(0.3, 0.4), lm(0.7, 0.4), lm(0.5, 0.6), lm(0.35, 0.8), lm(0.65, 0.8)],
          },
    );
  }
  return out;
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** `fn` on a copy of `frame` with the JavaScript kernels and with the native ones. */
function both<T>(run: (native: boolean) => T): [T, T] {
  try {
    useNativeKernels(false);
    const js = run(false);
    useNativeKernels(true);
    assert.ok(nativeKernels(), 'native kernels load');
    return [js, run(true)];
  } finally {
    useNativeKernels(process.env.VEIL_NATIVE !== '0');
  }
}

function assertSameCover(frame: YuvFrame, dets: Detection[], name: string, drawn = true): void {
  for (const style of ['blur', 'pixelate', 'fill'] as RenderStyle[]) {
    for (const mask of [false, true]) {
      const [js, native] = both(() => {
        const copy = { ...frame, data: Uint8Array.from(frame.data) };
        coverOnYuv(copy, dets, style, mask);
        return copy.data;
      });
      if (drawn) assert.ok(differing(js, frame.data) > 0, `${name}: something drawn`);
      assert.equal(differing(js, native), 0, `${name} ${style} mask=${mask}`);
    }
  }
}

describe('native video kernels: same bytes as the JavaScript', { skip }, () => {
  it('coverOnYuv on random frames, odd sizes, objects across the edges', () => {
    const sizes = [
      [101, 77],
      [64, 48],
      [333, 211],
      [2, 2],
      [7, 300],
      [640, 361],
    ];
    for (const [k, [w, h]] of sizes.entries()) {
      const frame = texturedFrame(w, h, 100 + k);
      // One object at a time (each alone must match), then all of them over each other.
      const dets = detections(w, h, 24, 7 + k);
      for (const [i, d] of dets.entries()) assertSameCover(frame, [d], `${w}x${h} #${i}`, false);
      assertSameCover(frame, dets, `${w}x${h} all`);
    }
  });

  it('coverOnYuv on a real photograph at 1080p, faces of 20-400 px', async () => {
    const frame = await photoFrame(1920, 1080);
    const dets = detections(1920, 1080, 40, 3);
    dets.push(
      ...[20, 40, 80, 150, 260, 400].map((s, i): Detection => ({
        cls: 'face',
        score: 0.9,
        box: { x1: 100.4 + 290 * i, y1: 300.7, x2: 100.4 + 290 * i + 0.8 * s, y2: 300.7 + s },
      })),
      { cls: 'face', score: 0.9, box: { x1: -40.5, y1: 1000.2, x2: 90.1, y2: 1200 } },
      { cls: 'face', score: 0.9, box: { x1: 1850.3, y1: -60.8, x2: 1990, y2: 70.3 } },
    );
    assertSameCover(frame, dets, 'photo 1920x1080');
  });

  it('blendGrid with grids and masks out of their usual range (huge, negative, NaN)', () => {
    const frame = texturedFrame(96, 80, 21);
    const target = { x: 10, y: 8, w: 70, h: 61 };
    const ellipse: Shape = { kind: 'ellipse', cx: 45.3, cy: 38.1, rx: 25, ry: 22 };
    const polygon: Shape = {
      kind: 'polygon',
      points: [
        [12, 10],
        [75, 15],
        [70, 66],
        [15, 60],
      ],
    };
    const weird = [1e7, -3e9, 5e12, NaN, Infinity, 300, -5, 255.7, 2 ** 31, -(2 ** 31) - 0.5];
    const r = random(31);
    for (let t = 0; t < 40; t++) {
      const gw = 3;
      const gh = 3;
      const data = Float32Array.from({ length: gw * gh * 3 }, (_, i) =>
        i % 5 === t % 5 ? weird[(t + i) % weird.length] : r() * 255,
      );
      const grid = { data, w: gw, h: gh, x: 4, y: 2, cell: 25, smooth: t % 2 === 0 };
      const shapes: Shape[] = [ellipse, polygon];
      for (const shape of shapes) {
        const mask = rasterizeMask(shape, 6, target);
        // Coverage beyond 0..1 as well (only the native API can be given such a mask).
        if (t % 3 === 0) for (let i = 0; i < mask.length; i += 7) mask[i] = weird[i % 10];
        const odd = shape.kind === 'polygon' || t % 3 === 0;
        const js = Uint8Array.from(frame.data);
        // The mask's rows as coverageRows gives a rasterised one.
        const maskRows: CoverageRow = (j, out, span) => {
          out.set(mask.subarray(j * target.w, (j + 1) * target.w));
          let lo = 0;
          let hi = target.w;
          while (lo < hi && out[lo] === 0) lo++;
          while (hi > lo && out[hi - 1] === 0) hi--;
          Object.assign(span, { lo, hi, in1: 0, in2: 0 });
        };
        const rows = odd ? maskRows : coverageRows(shape, 6, target);
        blendGrid({ ...frame, data: js }, target, rows, grid);
        const native = Uint8Array.from(frame.data);
        const cover: Float32Array | Float64Array =
          odd || shape.kind !== 'ellipse'
            ? mask
            : Float64Array.of(shape.cx, shape.cy, shape.rx, shape.ry, 6);
        const [, k] = both(() => nativeKernels()!);
        // prettier-ignore
        k.blendGrid(native, 96, 80, target.x, target.y, target.w, target.h, cover, data, gw, gh, 4, 2, 25, grid.smooth);
        assert.equal(differing(js, native), 0, `case ${t} ${shape.kind}`);
      }
    }
  });

  it('rasterizeMask of polygons: face outlines, plates, self-crossing, off the region', () => {
    const r = random(41);
    for (let t = 0; t < 150; t++) {
      const n = t % 10 === 0 ? 3 + Math.floor(r() * 40) : t % 2 ? 32 : 4;
      const cx = r() * 300 - 50;
      const cy = r() * 200 - 50;
      const size = 2 + r() * 150;
      const points: [number, number][] = Array.from({ length: n }, (_, k) => {
        const a = t % 10 === 0 ? r() * 7 : (2 * Math.PI * k) / n;
        const rad = size * (t % 7 === 0 ? r() : 1);
        return [cx + rad * Math.cos(a), cy + 1.3 * rad * Math.sin(a)];
      });
      // Coincident and axis-aligned points too.
      if (t % 5 === 0) points.push(points[0], [points[0][0], cy]);
      const shape: Shape = { kind: 'polygon', points };
      const feather = t % 9 === 0 ? 0 : 0.5 + r() * 20;
      const region = {
        x: Math.floor(cx - size - 30 + r() * 40),
        y: Math.floor(cy - size - 30 + r() * 40),
        w: Math.floor(r() * 2.5 * size + 1),
        h: Math.floor(r() * 3 * size + 1),
      };
      const [js, native] = both(() => rasterizeMask(shape, feather, region));
      assert.equal(differing(js, native), 0, `polygon ${t}`);
    }
  });

  it('cellMeans over steps, cells and regions at the frame edges', () => {
    const frame = texturedFrame(203, 151, 5);
    const r = random(17);
    for (let t = 0; t < 300; t++) {
      const cell = 2 + Math.floor(r() * 40);
      const x = Math.floor(r() * 200);
      const y = Math.floor(r() * 148);
      const region = {
        x,
        y,
        w: 1 + Math.floor(r() * (203 - x)),
        h: 1 + Math.floor(r() * (151 - y)),
      };
      const ox = Math.floor(r() * 300) - 100;
      const oy = Math.floor(r() * 300) - 100;
      const step = 1 + Math.floor(r() * 12);
      const smooth = r() < 0.5;
      const [js, native] = both(() => cellMeans(frame, region, ox, oy, cell, step, smooth));
      const name = `${JSON.stringify(region)} cell ${cell} step ${step} at ${ox},${oy}`;
      assert.deepEqual([native.w, native.h, native.x, native.y], [js.w, js.h, js.x, js.y], name);
      assert.equal(differing(js.data, native.data), 0, name);
    }
  });

  it('cellMeans with large cells (exact band sums up to 256 px, row by row above)', () => {
    const textured = texturedFrame(1300, 900, 6);
    // All 255: the largest sums (16-bit column sums of 256 rows must not wrap).
    const white = { ...textured, data: new Uint8Array(textured.data.length).fill(255) };
    for (const frame of [textured, white]) {
      for (const cell of [128, 255, 256, 257, 300, 600]) {
        for (const step of [1, 2, 5, 64, cell]) {
          const region = { x: 13, y: 7, w: 1280, h: 890 };
          const [js, native] = both(() => cellMeans(frame, region, 3 - cell, -1, cell, step, true));
          assert.equal(differing(js.data, native.data), 0, `cell ${cell} step ${step}`);
        }
      }
    }
    const full = both(() => cellMeans(white, { x: 0, y: 0, w: 512, h: 512 }, 0, 0, 256, 1, true));
    assert.deepEqual(Array.from(full[1].data), new Array(2 * 2 * 3).fill(255));
  });

  it('gaussianish on random grids, radii and passes', () => {
    const r = random(23);
    for (let t = 0; t < 200; t++) {
      const w = 1 + Math.floor(r() * 60);
      const h = 1 + Math.floor(r() * 60);
      const radius = 1 + Math.floor(r() * 30);
      const passes = Math.floor(r() * 4);
      const grid = Float32Array.from({ length: w * h * 3 + 5 }, () => r() * 255);
      const [js, native] = both(() => {
        const copy = Float32Array.from(grid);
        gaussianish(copy, w, h, radius, passes);
        return copy;
      });
      assert.equal(differing(js, native), 0, `${w}x${h} r ${radius} x${passes}`);
    }
  });

  it('reducedRgb halving on random and real frames, whole and inside a larger buffer', async () => {
    const frames = [
      texturedFrame(1920, 1080, 9),
      texturedFrame(642, 362, 10),
      texturedFrame(2, 2, 11),
      await photoFrame(1920, 1080),
    ];
    for (const f of frames) {
      const side = Math.max(f.width, f.height) / 2;
      // At an odd offset in a larger buffer: no word alignment.
      const inner = new Uint8Array(f.data.length + 9);
      inner.set(f.data, 1);
      for (const frame of [f, { ...f, data: inner.subarray(1, 1 + f.data.length) }]) {
        const [js, native] = both(() => reducedRgb(frame, side).frame);
        assert.equal(native.width, f.width / 2);
        assert.equal(differing(js.data, native.data), 0, `${f.width}x${f.height}`);
      }
    }
  });

  it('reducedRgb general copies (other factors, odd sizes, no reduction)', async () => {
    const cases: Array<[YuvFrame, number[]]> = [
      [texturedFrame(1920, 1080, 12), [640, 1440, 480, 333]],
      [texturedFrame(1280, 720, 13), [960, 500]],
      [texturedFrame(333, 211, 14), [100, 160, 960]],
      [texturedFrame(101, 77, 15), [960, 50, 30, 1]],
      [texturedFrame(1, 1, 16), [960]],
      [await photoFrame(1920, 1080), [640, 1440]],
    ];
    for (const [f, sides] of cases) {
      const inner = new Uint8Array(f.data.length + 9);
      inner.set(f.data, 3);
      for (const frame of [f, { ...f, data: inner.subarray(3, 3 + f.data.length) }]) {
        for (const side of sides) {
          const [js, native] = both(() => reducedRgb(frame, side).frame);
          assert.deepEqual([native.width, native.height], [js.width, js.height]);
          assert.equal(differing(js.data, native.data), 0, `${f.width}x${f.height} -> ${side}`);
        }
      }
    }
  });

  it('refuse arguments that would read or write out of bounds', () => {
    const [, k] = both(() => nativeKernels()!);
    const frame = new Uint8Array(yuvFrameSize(64, 48));
    const grid = new Float32Array(4 * 4 * 3);
    const ellipse = Float64Array.of(32, 24, 10, 12, 3);
    const blend = (over: Partial<Record<string, unknown>>) => {
      const a = {
        frame,
        fw: 64,
        fh: 48,
        tx: 10,
        ty: 10,
        tw: 20,
        th: 20,
        shape: ellipse as Float64Array | Float32Array,
        grid,
        gw: 4,
        gh: 4,
        gx: 0,
        gy: 0,
        cell: 16,
        smooth: true,
        ...over,
      };
      // prettier-ignore
      k.blendGrid(a.frame, a.fw, a.fh, a.tx, a.ty, a.tw, a.th, a.shape, a.grid, a.gw, a.gh, a.gx, a.gy, a.cell, a.smooth);
    };
    blend({});
    assert.throws(() => blend({ tx: 50 }), /target outside/);
    assert.throws(() => blend({ ty: -2 }), /target outside/);
    assert.throws(() => blend({ fh: 60 }), /frame too short/);
    assert.throws(() => blend({ gw: 5 }), /bad grid/);
    assert.throws(() => blend({ shape: new Float32Array(20 * 20 - 1) }), /mask too short/);
    assert.throws(() => blend({ shape: Float64Array.of(1, 2, 0, 4, 1) }), /bad ellipse/);
    assert.throws(() => blend({ shape: Float64Array.of(1, 2, NaN, 4, 1) }), /bad ellipse/);
    assert.throws(() => blend({ shape: new Int32Array(5) }), /bad shape/);
    assert.throws(() => blend({ tw: 2.5 }), /bad arguments/);
    const sums = (over: Partial<Record<string, number>>) => {
      const a = {
        fw: 64,
        fh: 48,
        rx: 8,
        ry: 8,
        rw: 30,
        rh: 30,
        gw: 4,
        gh: 4,
        gx: 0,
        gy: 0,
        ...over,
      };
      // prettier-ignore
      k.cellSums(frame, a.fw, a.fh, a.rx, a.ry, a.rw, a.rh, grid, a.gw, a.gh, a.gx, a.gy, 10, 2);
    };
    sums({});
    assert.throws(() => sums({ rw: 60 }), /region outside/);
    assert.throws(() => sums({ gx: 9 }), /bad grid/);
    assert.throws(() => sums({ gh: 3 }), /bad grid/);
    assert.throws(() => sums({ gw: 5 }), /bad grid/);
    assert.throws(() => sums({ fw: 65 }), /frame too short/);
    assert.throws(() => k.gaussianish(grid, 4, 5, 2, 3), /bad sizes/);
    assert.throws(() => k.gaussianish(new Float64Array(48) as never, 4, 4, 2, 3), /bad arguments/);
    assert.throws(() => k.halveToRgb(frame, 64, 48, new Uint8Array(32 * 24 * 3 - 1)), /output/);
    assert.throws(() => k.halveToRgb(frame, 64, 50, new Uint8Array(32 * 25 * 3)), /frame too/);
    assert.throws(() => k.halveToRgb(frame, 63, 48, new Uint8Array(32 * 24 * 3)), /bad frame/);
    const cols = Int32Array.of(0, 10, 62);
    const rows = Int32Array.of(0, 46);
    const rgb = new Uint8Array(3 * 2 * 3);
    k.reduceToRgb(frame, 64, 48, cols, rows, true, rgb);
    assert.throws(() => k.reduceToRgb(frame, 64, 48, Int32Array.of(63), rows, true, rgb), /column/);
    assert.throws(
      () => k.reduceToRgb(frame, 64, 48, Int32Array.of(-1), rows, false, rgb),
      /column/,
    );
    assert.throws(() => k.reduceToRgb(frame, 64, 48, cols, Int32Array.of(48), false, rgb), /row/);
    assert.throws(() => k.reduceToRgb(frame, 64, 48, cols, rows, true, rgb.subarray(1)), /output/);
    assert.throws(() => k.reduceToRgb(frame, 64, 49, cols, rows, true, rgb), /frame too short/);
    const square = Float64Array.of(1, 1, 9, 1, 9, 9, 1, 9);
    k.rasterizePolygon(square, 2, 0, 0, 10, 10, new Float32Array(100));
    assert.throws(() => k.rasterizePolygon(square, 2, 0, 0, 10, 10, new Float32Array(99)), /sizes/);
    assert.throws(() => k.rasterizePolygon(square.subarray(1), 2, 0, 0, 1, 1, grid), /sizes/);
    assert.throws(() => k.rasterizePolygon(square, 0, 0, 0, 1, 1, grid), /sizes/);
    assert.throws(() => k.rasterizePolygon(Float64Array.of(NaN, 1), 1, 0, 0, 1, 1, grid), /points/);
  });
});
