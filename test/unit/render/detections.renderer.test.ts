import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Detection, RgbFrame } from '../../../src/engine/types.ts';
import {
  renderDetection,
  renderDetections,
} from '../../../src/engine/render/detections.renderer.ts';
import { blurRegion, pixelateRegion } from '../../../src/engine/render/region.filter.ts';

/** A frame full of fine detail (random noise, fixed seed) so any smoothing shows. */
function noiseFrame(width: number, height: number, seed = 7): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height };
}

/** Mean absolute difference between neighbouring pixels inside a box: high for detail. */
function detail(f: RgbFrame, x1: number, y1: number, x2: number, y2: number): number {
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2 - 1; x++) {
      const o = (y * f.width + x) * 3;
      for (let k = 0; k < 3; k++) sum += Math.abs(f.data[o + k] - f.data[o + 3 + k]);
      n += 3;
    }
  }
  return sum / n;
}

const face: Detection = { cls: 'face', box: { x1: 100, y1: 80, x2: 180, y2: 180 }, score: 0.9 };

test('circle blur wipes the detail inside the box and leaves the far frame byte-identical', () => {
  const sut = noiseFrame(400, 300);
  const before = Uint8Array.from(sut.data);
  const touched = renderDetection(sut, face, 'blur', false);
  assert.ok(
    detail(sut, 110, 90, 170, 170) < 0.05 * detail({ ...sut, data: before }, 110, 90, 170, 170),
  );
  for (let y = 0; y < sut.height; y++) {
    for (let x = 0; x < sut.width; x++) {
      const inside =
        x >= touched.x && x < touched.x + touched.w && y >= touched.y && y < touched.y + touched.h;
      if (inside) continue;
      const o = (y * sut.width + x) * 3;
      assert.equal(sut.data[o], before[o]);
    }
  }
  // the touched region is the ellipse plus feather, not much more than the box
  assert.ok(touched.w <= 80 * 1.3 + 25 && touched.h <= 100 * 1.3 + 25, JSON.stringify(touched));
});

test('blur keeps the mean colour (no darkening or tint)', () => {
  const sut = noiseFrame(64, 64);
  const region = { x: 0, y: 0, w: 64, h: 64 };
  const blurred = blurRegion(sut, region, 6);
  const mean = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean(blurred) - mean(sut.data)) < 1.5);
});

test('a large blur is the frame colour on a flat frame, whatever the region size (no black slivers)', () => {
  // Radius >= 36 reads every 2nd pixel or more of cells of 9+ px: a last cell column or row
  // narrower than that step may hold no sample at all.
  const flat: RgbFrame = { data: new Uint8Array(220 * 220 * 3).fill(128), width: 220, height: 220 };
  const off: string[] = [];
  for (const radius of [32, 36, 44, 60, 80]) {
    for (let w = 40; w < 160; w++) {
      const out = blurRegion(flat, { x: 3, y: 5, w, h: w + 3 }, radius);
      if (out.some((v) => v !== 128)) off.push(`radius ${radius} side ${w}`);
    }
  }
  assert.deepEqual(off, []);
});

test('circle blur of a large face leaves no pixel of the cover black', () => {
  // A 190 x 250 face (blur radius 38): the blur source's width leaves a one-pixel last cell.
  for (let x1 = 100; x1 < 120; x1++) {
    const sut: RgbFrame = { data: new Uint8Array(500 * 450 * 3).fill(90), width: 500, height: 450 };
    const big: Detection = { cls: 'face', box: { x1, y1: 90, x2: x1 + 190, y2: 340 }, score: 0.9 };
    const r = renderDetection(sut, big, 'blur', false);
    for (let y = r.y; y < r.y + r.h; y++)
      for (let x = r.x; x < r.x + r.w; x++)
        assert.equal(sut.data[(y * sut.width + x) * 3], 90, `box x1 ${x1}: pixel (${x}, ${y})`);
  }
});

test('pixelate makes uniform blocks aligned on the box', () => {
  const sut = noiseFrame(100, 100);
  const out = pixelateRegion(sut, { x: 10, y: 10, w: 40, h: 40 }, 10, [10, 10]);
  const px = (x: number, y: number): number => out[(y * 40 + x) * 3];
  assert.equal(px(0, 0), px(9, 9));
  assert.equal(px(10, 10), px(19, 19));
  assert.notEqual(px(0, 0), px(10, 0));
});

test('fill paints the shape solid and the mask blur follows a plate quadrilateral', () => {
  const sut = noiseFrame(300, 200);
  const plate: Detection = {
    cls: 'plate',
    box: { x1: 100, y1: 100, x2: 200, y2: 130 },
    score: 0.8,
    polygon: [
      [100, 100],
      [200, 104],
      [200, 130],
      [100, 126],
    ],
  };
  const before = Uint8Array.from(sut.data);
  renderDetections(sut, [plate], { style: 'fill', maskBlur: true });
  const at = (x: number, y: number): number => sut.data[(y * sut.width + x) * 3];
  assert.equal(at(150, 115), 0);
  assert.equal(at(105, 103), 0);
  // far above the quadrilateral: untouched (an ellipse would have covered it)
  assert.equal(at(150, 88), before[(88 * sut.width + 150) * 3]);
});

test('mask blur of a face with landmarks covers forehead to chin', () => {
  const sut = noiseFrame(400, 300);
  const before = { ...sut, data: Uint8Array.from(sut.data) };
  const withLandmarks: Detection = {
    ...face,
    landmarks: [
      [125, 120],
      [155, 120],
      [140, 138],
      [128, 155],
      [152, 155],
    ],
  };
  renderDetections(sut, [withLandmarks], { style: 'blur', maskBlur: true });
  assert.ok(detail(sut, 125, 95, 155, 175) < 0.1 * detail(before, 125, 95, 155, 175));
  assert.ok(detail(sut, 0, 0, 60, 60) === detail(before, 0, 0, 60, 60));
});

test('cost depends on the objects, not on the frame size', () => {
  const small = noiseFrame(320, 240);
  const big = noiseFrame(3840, 2160);
  const time = (f: RgbFrame): number => {
    const t = performance.now();
    for (let i = 0; i < 5; i++) renderDetections(f, [face], { style: 'blur', maskBlur: false });
    return performance.now() - t;
  };
  time(small);
  const ts = time(small);
  const tb = time(big);
  // the 4K frame has 108x the pixels; whole-frame work would show as a large ratio
  assert.ok(tb < 4 * ts + 20, `small ${ts.toFixed(1)} ms, 4K ${tb.toFixed(1)} ms`);
});

test('objects at or beyond the frame edge, and degenerate boxes, render without error', () => {
  const sut = noiseFrame(120, 90);
  const cases: Detection[] = [
    { cls: 'face', box: { x1: -30, y1: -20, x2: 40, y2: 50 }, score: 1 },
    { cls: 'face', box: { x1: 100, y1: 70, x2: 160, y2: 130 }, score: 1 },
    { cls: 'plate', box: { x1: 50, y1: 50, x2: 50, y2: 50 }, score: 1 },
    { cls: 'face', box: { x1: 500, y1: 500, x2: 600, y2: 600 }, score: 1 },
    {
      cls: 'plate',
      box: { x1: 80, y1: 80, x2: 140, y2: 100 },
      score: 1,
      polygon: [
        [80, 80],
        [140, 82],
        [140, 100],
        [80, 98],
      ],
    },
  ];
  for (const style of ['blur', 'pixelate', 'fill'] as const) {
    for (const maskBlur of [false, true]) {
      assert.doesNotThrow(() => renderDetections(sut, cases, { style, maskBlur }));
    }
  }
  assert.equal(sut.data.length, 120 * 90 * 3);
  // the corner face was covered: its visible part lost its detail
  const fresh = noiseFrame(120, 90);
  renderDetections(fresh, [cases[0]], { style: 'blur', maskBlur: false });
  assert.ok(detail(fresh, 0, 0, 25, 35) < 0.2 * detail(noiseFrame(120, 90), 0, 0, 25, 35));
});
