import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDetection } from '../../../src/engine/render/detections.renderer.ts';
import type { Detection, RenderStyle } from '../../../src/engine/types.ts';
import {
  regionToRgb,
  rgbToRegion,
  yuvFrameSize,
  type YuvFrame,
} from '../../../src/media/video/yuv.frame.ts';
import { coverDetectionOnYuv, coverOnYuv } from '../../../src/media/video/yuv.render.ts';

/** A frame of smooth gradients plus fixed-seed noise in every plane, so smoothing shows. */
function texturedFrame(width: number, height: number, seed = 11): YuvFrame {
  const data = new Uint8Array(yuvFrameSize(width, height));
  let s = seed;
  const luma = width * height;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = i < luma ? i % width : 0;
    const base = i < luma ? 40 + (150 * x) / width : 110;
    data[i] = Math.round(base + ((s >>> 24) - 128) / 4);
  }
  return { data, width, height };
}

/** Mean absolute difference between horizontal luma neighbours inside a box. */
function detail(f: YuvFrame, x1: number, y1: number, x2: number, y2: number): number {
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2 - 1; x++) {
      sum += Math.abs(f.data[y * f.width + x] - f.data[y * f.width + x + 1]);
      n++;
    }
  }
  return sum / n;
}

/** The same detection drawn by the RGB renderer on an RGB copy of the frame, back to YUV. */
function throughRgb(frame: YuvFrame, d: Detection, style: RenderStyle, mask: boolean): YuvFrame {
  const out = { ...frame, data: Uint8Array.from(frame.data) };
  const all = { x1: 0, y1: 0, x2: frame.width, y2: frame.height };
  const rgb = regionToRgb(out, all);
  renderDetection(rgb, d, style, mask);
  rgbToRegion(out, all, rgb);
  return out;
}

const face = (x1: number, y1: number, w: number, h: number): Detection => ({
  cls: 'face',
  score: 0.9,
  box: { x1, y1, x2: x1 + w, y2: y1 + h },
  landmarks: [
    [x1 + 0.3 * w, y1 + 0.4 * h],
    [x1 + 0.7 * w, y1 + 0.4 * h],
    [x1 + 0.5 * w, y1 + 0.6 * h],
    [x1 + 0.35 * w, y1 + 0.8 * h],
    [x1 + 0.65 * w, y1 + 0.8 * h],
  ],
});

test('blur wipes the detail of a face and leaves every pixel outside its region as decoded', () => {
  const sut = texturedFrame(400, 300);
  const before = Uint8Array.from(sut.data);
  const d = face(101.3, 80.6, 80, 100);
  const touched = coverDetectionOnYuv(sut, d, 'blur', false);
  const original = { ...sut, data: before };
  assert.ok(detail(sut, 120, 100, 160, 160) < 0.1 * detail(original, 120, 100, 160, 160));
  assert.ok(touched.x % 2 === 0 && touched.y % 2 === 0, 'even edges: whole chroma samples');
  const cw = 200;
  for (let y = 0; y < 300; y++) {
    for (let x = 0; x < 400; x++) {
      const inside =
        x >= touched.x && x < touched.x + touched.w && y >= touched.y && y < touched.y + touched.h;
      if (inside) continue;
      assert.equal(sut.data[y * 400 + x], before[y * 400 + x], `luma ${x},${y}`);
      const c = 400 * 300 + (y >> 1) * cw + (x >> 1);
      assert.equal(sut.data[c], before[c], `chroma ${x},${y}`);
    }
  }
});

test('each style and shape draws what the RGB renderer draws, within a few levels', () => {
  const frame = texturedFrame(320, 240);
  const cases: Array<[RenderStyle, boolean, Detection]> = [];
  for (const style of ['blur', 'pixelate', 'fill'] as RenderStyle[]) {
    for (const mask of [false, true]) {
      cases.push([style, mask, face(60.4, 40.2, 30, 36)], [style, mask, face(150, 50, 120, 140)]);
    }
  }
  cases.push([
    'blur',
    false,
    { cls: 'plate', score: 0.9, box: { x1: 30, y1: 200, x2: 110, y2: 222 } },
  ]);
  for (const [style, mask, d] of cases) {
    const sut = { ...frame, data: Uint8Array.from(frame.data) };
    coverOnYuv(sut, [d], style, mask);
    const expected = throughRgb(frame, d, style, mask);
    let sum = 0;
    let worst = 0;
    const { x1, y1, x2, y2 } = d.box;
    for (let y = Math.floor(y1); y < y2; y++) {
      for (let x = Math.floor(x1); x < x2; x++) {
        const e = Math.abs(sut.data[y * 320 + x] - expected.data[y * 320 + x]);
        sum += e;
        worst = Math.max(worst, e);
      }
    }
    const mean = sum / ((Math.ceil(x2) - Math.floor(x1)) * (Math.ceil(y2) - Math.floor(y1)));
    const name = `${style} mask=${mask} ${d.cls} ${x2 - x1}px`;
    assert.ok(mean < 1.5, `${name}: mean luma difference ${mean.toFixed(2)}`);
    // Single pixels differ more at feather edges (chroma shared by 2x2 pixels there, not in RGB).
    assert.ok(worst <= 20, `${name}: worst ${worst}`);
  }
});

test('blur keeps the mean colour of a flat area, chroma included', () => {
  const sut: YuvFrame = { data: new Uint8Array(yuvFrameSize(200, 200)), width: 200, height: 200 };
  sut.data.fill(90, 0, 200 * 200);
  sut.data.fill(60, 200 * 200, 200 * 200 + 100 * 100);
  sut.data.fill(200, 200 * 200 + 100 * 100);
  coverOnYuv(sut, [face(50, 50, 100, 100)], 'blur', false);
  assert.equal(sut.data[100 * 200 + 100], 90);
  assert.equal(sut.data[200 * 200 + 50 * 100 + 50], 60);
  assert.equal(sut.data[200 * 200 + 100 * 100 + 50 * 100 + 50], 200);
});

test('objects across the frame edge, on odd frame sizes, and degenerate boxes render in bounds', () => {
  for (const [w, h] of [
    [101, 77],
    [64, 48],
  ]) {
    const sut = texturedFrame(w, h);
    const size = sut.data.length;
    const dets: Detection[] = [
      face(-20, -15, 50, 60),
      face(w - 30, h - 25, 60, 70),
      face(10, 10, 0, 0),
      { cls: 'plate', score: 1, box: { x1: w - 5, y1: 5, x2: w + 40, y2: 20 } },
    ];
    for (const style of ['blur', 'pixelate', 'fill'] as RenderStyle[]) {
      for (const mask of [false, true]) coverOnYuv(sut, dets, style, mask);
    }
    assert.equal(sut.data.length, size);
    // The far corner object is covered: its detail is gone.
    assert.ok(detail(sut, w - 20, h - 15, w - 1, h - 1) < 2, `${w}x${h}`);
  }
});
