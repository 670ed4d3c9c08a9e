import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box, Detection, Point } from '../../../src/engine/types.ts';
import { coverShape, faceContour } from '../../../src/engine/render/cover.geometry.ts';
import { pointInPolygon, type Ellipse } from '../../../src/engine/render/mask.geometry.ts';

// An upright 100x120 face: eyes at y=40, nose 60, mouth 80.
const box: Box = { x1: 100, y1: 100, x2: 200, y2: 220 };
const landmarks: Point[] = [
  [130, 145],
  [170, 145],
  [150, 165],
  [135, 185],
  [165, 185],
];

function rotate(p: Point, deg: number, c: Point): Point {
  const t = (deg * Math.PI) / 180;
  const [x, y] = [p[0] - c[0], p[1] - c[1]];
  return [c[0] + x * Math.cos(t) - y * Math.sin(t), c[1] + x * Math.sin(t) + y * Math.cos(t)];
}

test('face contour holds every landmark, the forehead and the chin, and stays near the box', () => {
  for (const deg of [0, 20, -35, 90]) {
    const c: Point = [150, 160];
    const lm = landmarks.map((p) => rotate(p, deg, c));
    const sut = faceContour(box, lm);
    for (const p of lm) assert.ok(pointInPolygon(sut, p[0], p[1]), `landmark at ${deg}deg`);
    const eyes: Point = [(lm[0][0] + lm[1][0]) / 2, (lm[0][1] + lm[1][1]) / 2];
    const mouth: Point = [(lm[3][0] + lm[4][0]) / 2, (lm[3][1] + lm[4][1]) / 2];
    const up: Point = [eyes[0] - mouth[0], eyes[1] - mouth[1]];
    // forehead: one eye-mouth distance above the eyes; chin: 0.7 below the mouth
    assert.ok(pointInPolygon(sut, eyes[0] + up[0], eyes[1] + up[1]), `forehead at ${deg}deg`);
    assert.ok(
      pointInPolygon(sut, mouth[0] - 0.7 * up[0], mouth[1] - 0.7 * up[1]),
      `chin at ${deg}deg`,
    );
    for (const [x, y] of sut)
      assert.ok(Math.hypot(x - 150, y - 160) < 120, `far point at ${deg}deg`);
  }
});

test('face contour of a turned head (landmarks crowded to one side) still spans the box', () => {
  const turned: Point[] = [
    [170, 145],
    [190, 145],
    [195, 165],
    [172, 185],
    [188, 185],
  ];
  const sut = faceContour(box, turned);
  for (const x of [115, 150, 185]) assert.ok(pointInPolygon(sut, x, 160), `x=${x}`);
});

test('cover shapes by class and mode', () => {
  const face: Detection = { cls: 'face', box, score: 0.9, landmarks };
  const plate: Detection = {
    cls: 'plate',
    box: { x1: 10, y1: 10, x2: 110, y2: 40 },
    score: 0.9,
    polygon: [
      [12, 10],
      [110, 14],
      [108, 40],
      [10, 36],
    ],
  };
  const e = coverShape(face, false) as Ellipse;
  assert.equal(e.kind, 'ellipse');
  assert.deepEqual([e.cx, e.cy, e.rx, e.ry], [150, 160, 65, 78]);
  assert.equal(coverShape(face, true).kind, 'polygon');
  assert.equal(coverShape({ ...face, landmarks: undefined }, true).kind, 'ellipse');
  const pe = coverShape(plate, false) as Ellipse;
  // a plate's ellipse reaches past its box corners
  assert.ok((50 / pe.rx) ** 2 + (15 / pe.ry) ** 2 < 1);
  const quad = coverShape(plate, true);
  assert.equal(quad.kind, 'polygon');
  if (quad.kind === 'polygon') {
    assert.equal(quad.points.length, 4);
    for (const p of plate.polygon!) assert.ok(pointInPolygon(quad.points, p[0], p[1]));
    assert.ok(!pointInPolygon(quad.points, 60, 50));
  }
});
