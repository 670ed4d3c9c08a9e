import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../../../src/engine/types.ts';
import {
  clipRegion,
  distanceToSegment,
  ellipseMaskRow,
  ellipseOutsideDistance,
  pointInPolygon,
  polygonOutsideDistance,
  rasterizeMask,
  scalePolygon,
  shapeRegion,
  type Ellipse,
  type RowSpan,
} from '../../../src/engine/render/mask.geometry.ts';

const square: Point[] = [
  [0, 0],
  [10, 0],
  [10, 10],
  [0, 10],
];

test('point in polygon', () => {
  const cases: Array<[number, number, boolean]> = [
    [5, 5, true],
    [0.1, 9.9, true],
    [-0.1, 5, false],
    [10.5, 5, false],
    [5, 11, false],
  ];
  for (const [x, y, expected] of cases)
    assert.equal(pointInPolygon(square, x, y), expected, `${x},${y}`);
});

test('distance to a segment: projection inside, beyond each end', () => {
  const cases: Array<[number, number, number]> = [
    [5, 3, 3],
    [-3, 4, 5],
    [13, -4, 5],
  ];
  for (const [x, y, d] of cases)
    assert.ok(Math.abs(distanceToSegment(x, y, [0, 0], [10, 0]) - d) < 1e-9);
  assert.equal(distanceToSegment(3, 4, [0, 0], [0, 0]), 5);
});

test('polygon outside distance is 0 inside and euclidean outside', () => {
  assert.equal(polygonOutsideDistance(square, 5, 5), 0);
  assert.ok(Math.abs(polygonOutsideDistance(square, 13, 5) - 3) < 1e-9);
  assert.ok(Math.abs(polygonOutsideDistance(square, 13, 14) - 5) < 1e-9);
});

test('ellipse outside distance: negative inside, exact on the axes, close off them', () => {
  const e: Ellipse = { kind: 'ellipse', cx: 50, cy: 50, rx: 20, ry: 10 };
  assert.ok(ellipseOutsideDistance(e, 50, 50) < 0);
  assert.ok(Math.abs(ellipseOutsideDistance(e, 75, 50) - 5) < 1e-9);
  assert.ok(Math.abs(ellipseOutsideDistance(e, 50, 64) - 4) < 1e-9);
  // On the diagonal direction the true distance from (50+20cos t, 50+10sin t) pushed out along
  // the normal by 3 px must come back as about 3.
  const t = Math.PI / 4;
  const [px, py] = [20 * Math.cos(t), 10 * Math.sin(t)];
  const n = [px / 400, py / 100];
  const len = Math.hypot(n[0], n[1]);
  const d = ellipseOutsideDistance(e, 50 + px + (3 * n[0]) / len, 50 + py + (3 * n[1]) / len);
  assert.ok(Math.abs(d - 3) < 0.3, `diagonal distance ${d}`);
});

test('regions are clipped to the frame', () => {
  const cases: Array<
    [[number, number, number, number], { x: number; y: number; w: number; h: number }]
  > = [
    [[-5, -5, 10, 10], { x: 0, y: 0, w: 10, h: 10 }],
    [[90, 40, 120, 60], { x: 90, y: 40, w: 10, h: 20 }],
    [[150, 150, 160, 160], { x: 100, y: 100, w: 0, h: 0 }],
  ];
  for (const [[x1, y1, x2, y2], expected] of cases)
    assert.deepEqual(clipRegion(x1, y1, x2, y2, 100, 100), expected);
  const e: Ellipse = { kind: 'ellipse', cx: 10, cy: 10, rx: 5, ry: 8 };
  assert.deepEqual(shapeRegion(e, 2, 100, 100), { x: 3, y: 0, w: 14, h: 20 });
});

test('mask: full inside, feathered ramp outside, zero beyond the feather', () => {
  const e: Ellipse = { kind: 'ellipse', cx: 20, cy: 20, rx: 10, ry: 10 };
  const region = shapeRegion(e, 4, 40, 40);
  const sut = rasterizeMask(e, 4, region);
  const at = (x: number, y: number): number => sut[(y - region.y) * region.w + (x - region.x)];
  assert.equal(at(20, 20), 1);
  assert.equal(at(27, 20), 1);
  // pixel centre 31.5 is 1.5 px outside: 1 - 1.5/4
  assert.ok(Math.abs(at(31, 19) - (1 - 1.5 / 4)) < 0.02, String(at(31, 19)));
  assert.ok(Math.abs(at(33, 20) - (1 - Math.hypot(13.5, 0.5) / 4 + 10 / 4)) < 0.02);
  assert.equal(at(33, 30), 0);
  assert.equal(at(region.x, region.y), 0);
  // values are monotone non-increasing along a ray from the centre
  for (let x = 20; x < region.x + region.w - 1; x++) assert.ok(at(x, 20) >= at(x + 1, 20));
});

test('ellipse mask rows match the per-pixel definition, inside spans that hold every covered pixel', () => {
  const cases: Array<[Ellipse, number]> = [
    [{ kind: 'ellipse', cx: 20.3, cy: 31.7, rx: 13, ry: 16 }, 4],
    [{ kind: 'ellipse', cx: 5, cy: 40, rx: 40, ry: 6 }, 9], // a plate, cut by the region edge
    [{ kind: 'ellipse', cx: 25, cy: -3, rx: 3, ry: 30 }, 12], // tall and thin, centre outside
  ];
  for (const [e, f] of cases) {
    const region = { x: 2, y: 3, w: 45, h: 50 };
    const mask = rasterizeMask(e, f, region);
    const row = new Float32Array(region.w);
    const span: RowSpan = { lo: 0, hi: 0, in1: 0, in2: 0 };
    for (let j = 0; j < region.h; j++) {
      ellipseMaskRow(e, f, region, j, row, span);
      for (let i = 0; i < region.w; i++) {
        const d = ellipseOutsideDistance(e, region.x + i + 0.5, region.y + j + 0.5);
        const expected = d <= 0 ? 1 : d >= f ? 0 : 1 - d / f;
        assert.ok(Math.abs(row[i] - expected) < 1e-6, `${i},${j}: ${row[i]} vs ${expected}`);
        assert.equal(mask[j * region.w + i], row[i]);
        if (row[i] > 0) assert.ok(i >= span.lo && i < span.hi, `span ${i},${j}`);
        if (i >= span.in1 && i < span.in2) assert.equal(row[i], 1);
      }
    }
  }
});

test('polygon mask covers exactly the square plus its feather', () => {
  const shape = { kind: 'polygon' as const, points: square.map(([x, y]): Point => [x + 5, y + 5]) };
  const region = shapeRegion(shape, 2, 30, 30);
  const sut = rasterizeMask(shape, 2, region);
  let full = 0;
  for (const v of sut) if (v === 1) full++;
  assert.equal(full, 100);
  assert.ok(sut.every((v) => v >= 0 && v <= 1));
});

test('scalePolygon grows about the centroid', () => {
  assert.deepEqual(scalePolygon(square, 2), [
    [-5, -5],
    [15, -5],
    [15, 15],
    [-5, 15],
  ]);
});

test('polygon raster agrees with the per-pixel definition on a concave shape', () => {
  const star: Point[] = [];
  for (let k = 0; k < 10; k++) {
    const r = k % 2 === 0 ? 30 : 12;
    const t = (k * Math.PI) / 5;
    star.push([50 + r * Math.cos(t), 45 + r * Math.sin(t)]);
  }
  const shape = { kind: 'polygon' as const, points: star };
  const region = shapeRegion(shape, 5, 100, 100);
  const sut = rasterizeMask(shape, 5, region);
  let worst = 0;
  for (let j = 0; j < region.h; j++) {
    for (let i = 0; i < region.w; i++) {
      const d = polygonOutsideDistance(star, region.x + i + 0.5, region.y + j + 0.5);
      const expected = d <= 0 ? 1 : Math.max(0, 1 - d / 5);
      worst = Math.max(worst, Math.abs(sut[j * region.w + i] - expected));
    }
  }
  assert.ok(worst < 1e-5, `worst difference ${worst}`);
});
