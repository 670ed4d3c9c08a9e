import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectionFloors } from '../../../src/media/video/detection-frame.ts';

const api = { blurThreshold: 0.5, lpThreshold: 0.5 };
const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

describe('detectionFloors (the scores video frames ask the detectors for)', () => {
  it('asks for weak faces at 0.6 and weak plates at 0.4 of their thresholds by default', () => {
    const floors = detectionFloors(api, {});
    near(floors.blurThreshold, 0.3);
    near(floors.lpThreshold, 0.2);
  });

  it('takes each share as set', () => {
    const floors = detectionFloors(
      { blurThreshold: 0.5, lpThreshold: 0.8 },
      { weakFactor: 0.8, plateWeak: 0.5 },
    );
    near(floors.blurThreshold, 0.4);
    near(floors.lpThreshold, 0.4);
  });

  it('asks for the thresholds themselves with tracking off', () => {
    assert.deepEqual(detectionFloors(api, { noTracking: true, weakFactor: 0.6 }), api);
  });
});
