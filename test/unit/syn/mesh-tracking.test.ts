import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropAround } from '../../../src/engine/syn/face.crop.ts';
import { sampleBilinear } from '../../../src/engine/syn/mesh.geometry.ts';
import {
  faceAngles,
  meshFromRaw,
  nextBox,
  ROLL_MIN,
  rollOf,
} from '../../../src/engine/syn/mesh.tracking.ts';
import type { Detection } from '../../../src/engine/types.ts';

/** A 468-point mesh with the symmetry points 13 (lip) below 168 (between the eyes). */
function uprightMesh(): [number, number, number][] {
  const mesh: [number, number, number][] = Array.from({ length: 468 }, (_, i) => [
    100 + (i % 20),
    100 + Math.floor(i / 20),
    0,
  ]);
  mesh[168] = [110, 90, 0];
  mesh[13] = [110, 130, 0];
  return mesh;
}

test('model points map to the box: the input centre to its centre, a corner to its corner', () => {
  const raw = [96, 96, 5, 0, 0, 0, 192, 192, 0];
  const [centre, corner, far] = meshFromRaw(raw, [40, 60, 100, 100], 0, 192);
  assert.deepEqual(centre, [90, 110, 5]);
  assert.deepEqual(corner, [40, 60, 0]);
  assert.deepEqual(far, [140, 160, 0]);
});

test('a face turned upright before meshing is turned back around the box centre', () => {
  const roll = Math.PI / 2;
  // A point right of centre in the upright cut lies below the centre in the image.
  const [p] = meshFromRaw([192, 96, 0], [0, 0, 100, 100], roll, 192);
  assert.deepEqual(p, [50, 100, 0]);
  // Below Human's threshold the cut is not turned at all.
  const [q] = meshFromRaw([192, 96, 0], [0, 0, 100, 100], ROLL_MIN / 2, 192);
  assert.deepEqual(q, [100, 50, 0]);
});

test('roll is zero for an upright face and follows a turned one', () => {
  const mesh = uprightMesh();
  assert.ok(Math.abs(rollOf(mesh)) < 1e-9);
  const a = 0.5;
  const turned = mesh.map(
    ([x, y, z]) =>
      [
        110 + (x - 110) * Math.cos(a) - (y - 110) * Math.sin(a),
        110 + (x - 110) * Math.sin(a) + (y - 110) * Math.cos(a),
        z,
      ] as [number, number, number],
  );
  assert.ok(Math.abs(Math.abs(rollOf(turned)) - a) < 1e-9);
});

test('the next box is centred on the mesh extent and keeps its size', () => {
  const mesh = uprightMesh();
  // Extent: x 100..119 (and 110), y 90..130.
  assert.deepEqual(nextBox(mesh, [0, 0, 80, 80]), [69.5, 70, 80, 80]);
});

test('a frontal mesh has no yaw or pitch; a mesh turned in depth has yaw', () => {
  const mesh = uprightMesh();
  mesh[10] = [110, 80, 0];
  mesh[152] = [110, 140, 0];
  mesh[234] = [80, 110, 0];
  mesh[454] = [140, 110, 0];
  const front = faceAngles(mesh, 90, 192);
  assert.ok(Math.abs(front.yaw) < 1e-9 && Math.abs(front.pitch) < 1e-9);
  // The right cheek further away than the left: the head turned about its vertical axis.
  mesh[234] = [80, 110, -20];
  mesh[454] = [140, 110, 20];
  assert.ok(Math.abs(faceAngles(mesh, 90, 192).yaw) > 0.1);
});

test('a resampled face crop is the bilinear sample at each pixel centre (2x2 footprint)', () => {
  const width = 300;
  const height = 200;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const frame = { data, width, height };
  // A 400 px face: a 800 px crop resampled to 512, partly beyond the frame.
  const det: Detection = { cls: 'face', score: 1, box: { x1: 100, y1: 20, x2: 400, y2: 420 } };
  const crop = cropAround(frame, det);
  assert.equal(crop.image.width, 512);
  const px = new Float32Array(3);
  for (const [x, y] of [
    [0, 0],
    [100, 37],
    [511, 511],
    [300, 250],
  ]) {
    const sum = [0, 0, 0];
    for (const dy of [-0.25, 0.25])
      for (const dx of [-0.25, 0.25]) {
        const sx = crop.x0 + (x + 0.5 + dx) * crop.scale;
        const sy = crop.y0 + (y + 0.5 + dy) * crop.scale;
        sampleBilinear(frame, sx, sy, px, 0);
        for (let c = 0; c < 3; c++) sum[c] += px[c];
      }
    const o = (y * 512 + x) * 3;
    for (let c = 0; c < 3; c++)
      assert.ok(Math.abs(crop.image.data[o + c] - sum[c] / 4) <= 0.51, `pixel ${x},${y}`);
  }
});
