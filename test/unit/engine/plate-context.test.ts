import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gatePlates,
  inVehicle,
  needsVehicles,
  PLATE_CONTEXT,
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
