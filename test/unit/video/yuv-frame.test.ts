import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box, Detection, RgbFrame } from '../../../src/engine/types.ts';
import { scaleDetections } from '../../../src/media/video/detection-frame.ts';
import {
  reducedRgb,
  regionToRgb,
  renderOnYuv,
  rgbToRegion,
  yuvFrameSize,
  type YuvFrame,
} from '../../../src/media/video/yuv.frame.ts';

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

test('rendering touches only the neighbourhood of each detection, in its own coordinates', () => {
  const frame = solid(200, 100, 120, 128, 128);
  const seen: Array<{ w: number; h: number; box: number[] }> = [];
  const grow = (d: Detection): Box => ({
    x1: d.box.x1 - 10,
    y1: d.box.y1 - 10,
    x2: d.box.x2 + 10,
    y2: d.box.y2 + 10,
  });
  renderOnYuv(
    frame,
    [{ cls: 'face', score: 1, box: { x1: 101, y1: 40, x2: 120, y2: 60 } }],
    grow,
    (rgb, d) => {
      seen.push({ w: rgb.width, h: rgb.height, box: [d.box.x1, d.box.y1] });
      rgb.data.fill(255);
      return d.box;
    },
  );
  assert.equal(seen.length, 1);
  assert.deepEqual([seen[0].w, seen[0].h], [40, 40]);
  assert.deepEqual(seen[0].box, [11, 10]);
  assert.equal(frame.data[110 + 50 * 200] > 230, true, 'inside painted');
  assert.equal(frame.data[94 + 50 * 200], 120, 'read but not changed: untouched');
  assert.equal(frame.data[95 + 50 * 200], 120, 'read but not changed: untouched');
  assert.equal(frame.data[10 + 10 * 200], 120, 'far away untouched');
});

test('big objects render at reduced resolution: covered pixels take the rendered value, others stay exact', () => {
  const frame = solid(400, 300, 120, 128, 128);
  // A gradient so any unwanted resampling outside the coverage would show.
  for (let i = 0; i < 400 * 300; i++) frame.data[i] = 40 + (i % 400) / 4;
  const before = Uint8Array.from(frame.data);
  const det: Detection = { cls: 'face', score: 1, box: { x1: 100, y1: 100, x2: 300, y2: 260 } };
  const sizes: number[] = [];
  renderOnYuv(
    frame,
    [det],
    (d) => ({ x1: d.box.x1 - 40, y1: d.box.y1 - 40, x2: d.box.x2 + 40, y2: d.box.y2 + 40 }),
    (rgb) => {
      sizes.push(rgb.width);
      rgb.data.fill(200);
      return undefined;
    },
    {
      minSide: 48,
      // Covered: the detection box (local coordinates of the reduced image).
      coverage: (d, r) => {
        const w = r.x2 - r.x1;
        const m = new Float32Array(w * (r.y2 - r.y1));
        for (let j = 0; j < r.y2 - r.y1; j++) {
          for (let i = 0; i < w; i++) {
            const inside = i >= d.box.x1 && i < d.box.x2 && j >= d.box.y1 && j < d.box.y2;
            m[j * w + i] = inside ? 1 : 0;
          }
        }
        return m;
      },
    },
  );
  assert.deepEqual(sizes, [140], 'rendered at 1/2 (280 px region, 160 px object)');
  const at = (x: number, y: number) => frame.data[y * 400 + x];
  assert.ok(Math.abs(at(200, 180) - 187) <= 2, `covered luma ${at(200, 180)}`); // RGB 200 grey
  for (const [x, y] of [
    [10, 10],
    [70, 180],
    [330, 180],
    [200, 290],
  ]) {
    assert.equal(at(x, y), before[y * 400 + x], `untouched at ${x},${y}`);
  }
});
