import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gatePlates,
  inVehicle,
  needsVehicles,
  PLATE_CONTEXT,
  platesOffFaces,
} from '../../../src/engine/plate-context.ts';
import type { Detection } from '../../../src/engine/types.ts';

const det = (cls: 'face' | 'plate', x: number, y: number, score: number): Detection => ({
  cls,
  box: { x1: x, y1: y, x2: x + 40, y2: y + 12 },
  score,
});
const car = { x1: 100, y1: 100, x2: 300, y2: 200 };

test('a plate under keep counts only on a vehicle; a sure plate and faces always do', () => {
  const onCar = det('plate', 180, 170, 0.55);
  const onWall = det('plate', 500, 170, 0.55);
  const sure = det('plate', 500, 300, PLATE_CONTEXT.keep);
  const face = det('face', 600, 50, 0.3);
  assert.deepEqual(gatePlates([onCar, onWall, sure, face], [car]), [onCar, sure, face]);
  assert.deepEqual(gatePlates([onCar, onWall], []), []);
});

test('the vehicle box is grown by a tenth of its size each side', () => {
  // Centre at x 315: 15 px right of the car, within 10% of its 200 px width.
  assert.equal(inVehicle({ x1: 295, y1: 150, x2: 335, y2: 160 }, [car]), true);
  assert.equal(inVehicle({ x1: 305, y1: 150, x2: 345, y2: 160 }, [car]), false);
  assert.equal(inVehicle({ x1: 295, y1: 150, x2: 335, y2: 160 }, [car], 0), false);
});

test('vehicles are looked for only when some plate is under keep', () => {
  assert.equal(needsVehicles([det('plate', 0, 0, 0.9), det('face', 0, 0, 0.2)]), false);
  assert.equal(needsVehicles([det('plate', 0, 0, 0.69)]), true);
  assert.equal(needsVehicles([]), false);
});

test('a plate box around a face is dropped; a plate inside a face box, or by a weak face, stays', () => {
  const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });
  const face: Detection = { cls: 'face', box: box(500, 190, 660, 400), score: 0.9 };
  // The far-plate weights' 330x440 "plate" over a face crop (test pattern, 1080p).
  const around: Detection = { cls: 'plate', box: box(384, 0, 715, 440), score: 0.53 };
  // A car's front taken for a face: its plate lies inside the face box and is kept.
  const carFace: Detection = { cls: 'face', box: box(100, 600, 400, 800), score: 0.6 };
  const carPlate: Detection = { cls: 'plate', box: box(200, 760, 300, 790), score: 0.7 };
  const elsewhere: Detection = { cls: 'plate', box: box(900, 700, 990, 725), score: 0.6 };
  assert.deepEqual(platesOffFaces([face, around, carFace, carPlate, elsewhere], 0.5), [
    face,
    carFace,
    carPlate,
    elsewhere,
  ]);
  // A face under the threshold (a weak detection kept for tracking) does not drop a plate.
  assert.deepEqual(platesOffFaces([{ ...face, score: 0.4 }, around], 0.5).length, 2);
  // Half of the face inside the box is not enough.
  const half: Detection = { cls: 'plate', box: box(580, 190, 900, 400), score: 0.6 };
  assert.equal(platesOffFaces([face, half], 0.5).length, 2);
});
