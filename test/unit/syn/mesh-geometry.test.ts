import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyAffine,
  createWarpTarget,
  fitAffine,
  pullShape,
  signedArea2,
  warpTriangles,
  type RgbImage,
  type Vec2,
} from '../../../src/engine/syn/mesh.geometry.ts';
import { alignShape, normaliseShape, pullShapeByParts } from '../../../src/engine/syn/shape.ts';

/** A 64x64 image whose red channel is x*4 and green channel y*4: sampled values reveal where. */
function gradient(): RgbImage {
  const size = 64;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      data[(y * size + x) * 3] = x * 4;
      data[(y * size + x) * 3 + 1] = y * 4;
    }
  return { data, width: size, height: size };
}

test('a triangle warp samples the source at the affine-mapped point', () => {
  const src = gradient();
  // Destination is the source scaled by 2 and shifted by (10, 20).
  const srcPts: Vec2[] = [
    [4, 4],
    [40, 4],
    [4, 40],
    [40, 40],
  ];
  const dstPts = srcPts.map(([x, y]) => [x * 2 + 10, y * 2 + 20] as Vec2);
  const sut = createWarpTarget(0, 0, 120, 120);
  const drawn = warpTriangles(src, srcPts, dstPts, [0, 1, 2, 1, 3, 2], sut);
  assert.equal(drawn, 2);
  for (const [dx, dy] of [
    [30, 40],
    [60, 70],
    [85, 95],
  ]) {
    const i = dy * sut.width + dx;
    assert.equal(sut.covered[i], 1);
    // Pixel centre (dx+0.5, dy+0.5) maps to source ((dx+0.5-10)/2, (dy+0.5-20)/2); value = 4*(coord-0.5).
    const sx = (dx + 0.5 - 10) / 2;
    const sy = (dy + 0.5 - 20) / 2;
    assert.ok(Math.abs(sut.rgb[i * 3] - 4 * (sx - 0.5)) < 1e-3, `red at ${dx},${dy}`);
    assert.ok(Math.abs(sut.rgb[i * 3 + 1] - 4 * (sy - 0.5)) < 1e-3, `green at ${dx},${dy}`);
  }
  // Outside the quad nothing is drawn.
  assert.equal(sut.covered[5 * sut.width + 5], 0);
  assert.equal(sut.covered[110 * sut.width + 110], 0);
});

test('adjacent triangles leave no gap along their shared edge', () => {
  const src = gradient();
  const pts: Vec2[] = [
    [0.3, 0.7],
    [50.2, 3.1],
    [7.9, 47.5],
    [55.5, 52.4],
  ];
  const sut = createWarpTarget(0, 0, 64, 64);
  warpTriangles(src, pts, pts, [0, 1, 2, 1, 3, 2], sut);
  // Walk the shared diagonal from (50.2, 3.1) to (7.9, 47.5): every pixel on it is covered.
  for (let t = 0.05; t < 0.95; t += 0.01) {
    const x = Math.floor(50.2 + (7.9 - 50.2) * t);
    const y = Math.floor(3.1 + (47.5 - 3.1) * t);
    assert.equal(sut.covered[y * 64 + x], 1, `gap at ${x},${y}`);
  }
});

test('a triangle whose orientation flips (turned away) is not drawn', () => {
  const src = gradient();
  const srcPts: Vec2[] = [
    [0, 0],
    [30, 0],
    [0, 30],
  ];
  const mirrored: Vec2[] = [
    [30, 0],
    [0, 0],
    [30, 30],
  ];
  assert.ok(
    Math.sign(signedArea2(...(srcPts as [Vec2, Vec2, Vec2]))) !==
      Math.sign(signedArea2(...(mirrored as [Vec2, Vec2, Vec2]))),
  );
  const sut = createWarpTarget(0, 0, 40, 40);
  assert.equal(warpTriangles(src, srcPts, mirrored, [0, 1, 2], sut), 0);
  assert.equal(
    sut.covered.reduce((s, v) => s + v, 0),
    0,
  );
});

test('fitAffine recovers a known affine map from noisy-free points', () => {
  const m = [1.2, -0.3, 5, 0.4, 0.9, -7] as const;
  const from: Vec2[] = [
    [0, 0],
    [10, 3],
    [4, 12],
    [-6, 8],
    [3, -5],
  ];
  const to = from.map((p) => applyAffine([...m], p));
  const sut = fitAffine(from, to);
  sut.forEach((v, i) => assert.ok(Math.abs(v - m[i]) < 1e-9, `coefficient ${i}`));
});

test('normalised shapes lose position and scale; alignment puts them back', () => {
  const shape: Vec2[] = [
    [10, 10],
    [30, 12],
    [20, 40],
    [14, 25],
  ];
  const moved = shape.map(([x, y]) => [x * 3 + 100, y * 3 - 50] as Vec2);
  const a = normaliseShape(shape);
  const b = normaliseShape(moved);
  a.forEach((p, i) => assert.ok(Math.hypot(p[0] - b[i][0], p[1] - b[i][1]) < 1e-9));
  const back = alignShape(a, moved);
  back.forEach((p, i) => assert.ok(Math.hypot(p[0] - moved[i][0], p[1] - moved[i][1]) < 1e-6));
});

test('pulling moves free points part way and keeps fixed ones', () => {
  const shape: Vec2[] = [
    [0, 0],
    [10, 0],
    [0, 10],
  ];
  const toward: Vec2[] = [
    [4, 4],
    [20, 0],
    [0, 30],
  ];
  const sut = pullShape(shape, toward, 0.5, new Set([0]));
  assert.deepEqual(sut, [
    [0, 0],
    [15, 0],
    [0, 20],
  ]);
});

test('a part moves as one piece: its own shape (an open mouth) is kept', () => {
  // Points 0-3 are a "mouth": wide open (height 10) in the target, closed in the donor.
  const shape: Vec2[] = [
    [0, 0],
    [20, 0],
    [10, -5],
    [10, 5],
    [50, 50],
  ];
  const toward: Vec2[] = [
    [2, 4],
    [22, 4],
    [12, 4],
    [12, 4],
    [50, 50],
  ];
  const sut = pullShapeByParts(shape, toward, 1, new Set(), [[0, 1, 2, 3]]);
  // Moved by the donor's centroid shift (+2, +4), same width: the opening is still 10 high.
  assert.deepEqual(sut.slice(0, 4), [
    [2, 4],
    [22, 4],
    [12, -1],
    [12, 9],
  ]);
});
