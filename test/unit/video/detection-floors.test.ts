import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectionFloors } from '../../../src/media/video/detection-frame.ts';

const api = { blurThreshold: 0.5, lpThreshold: 0.5 };

describe('detectionFloors (the scores video frames ask the detectors for)', () => {
  it('asks for weak detections at weakFactor of each threshold while plates are tracked', () => {
    const floors = detectionFloors(api, { weakFactor: 0.6, untrackedPlates: false });
    assert.equal(floors.blurThreshold, 0.3);
    assert.equal(floors.lpThreshold, 0.3);
    // weakFactor's default.
    assert.deepEqual(detectionFloors(api, { untrackedPlates: false }), floors);
  });

  it('bridges untracked plates further, at 0.4 of lp_threshold by default', () => {
    const floors = detectionFloors(api, { weakFactor: 0.6, untrackedPlates: true });
    assert.equal(floors.blurThreshold, 0.3);
    assert.ok(Math.abs(floors.lpThreshold - 0.2) < 1e-12, `lp floor ${floors.lpThreshold}`);
    const set = detectionFloors(
      { blurThreshold: 0.5, lpThreshold: 0.8 },
      { weakFactor: 0.6, untrackedPlates: true, untrackedPlateWeak: 0.5 },
    );
    assert.equal(set.lpThreshold, 0.4);
  });

  it('asks for the thresholds themselves with tracking off', () => {
    const floors = detectionFloors(api, {
      noTracking: true,
      weakFactor: 0.6,
      untrackedPlates: true,
    });
    assert.deepEqual(floors, api);
  });
});
