import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cadenceGap,
  denseBecause,
  type CadenceRules,
  type CadenceTrack,
} from '../../../src/media/video/detection-frame.ts';
import { Tracker } from '../../../src/engine/tracker.ts';

/** A 100 px face in the middle of a 1280x720 frame, still, established, strong. */
const track = (over: Partial<CadenceTrack> = {}): CadenceTrack => ({
  box: { x1: 600, y1: 300, x2: 700, y2: 400 },
  vx: 0,
  vy: 0,
  hits: 5,
  score: 0.9,
  seenLast: true,
  threshold: 0.5,
  minSide: 64,
  ...over,
});

const rules = (over: Partial<CadenceRules> = {}): CadenceRules => ({
  tracks: [track()],
  width: 1280,
  height: 720,
  sinceChange: 100,
  dense: 2,
  sparse: 3,
  ...over,
});

describe('cadenceGap (frames to the next detection frame)', () => {
  it('goes sparse while every track is established, large, slow and inside', () => {
    assert.equal(cadenceGap(rules()), 3);
    assert.equal(cadenceGap(rules({ tracks: [track(), track({ vx: 4, vy: -3 })] })), 3);
    assert.equal(cadenceGap(rules({ sparse: 4 })), 4);
  });

  it('stays dense when sparse is not above dense', () => {
    assert.equal(cadenceGap(rules({ sparse: 2 })), 2);
    assert.equal(cadenceGap(rules({ sparse: 1 })), 2);
  });

  it('stays dense for a new track (fewer than minHits detections)', () => {
    assert.equal(cadenceGap(rules({ tracks: [track(), track({ hits: 2 })] })), 2);
    assert.equal(cadenceGap(rules({ tracks: [track({ hits: 2 })], minHits: 2 })), 3);
  });

  it('stays dense for a track missed on the last detection frame (held)', () => {
    assert.equal(cadenceGap(rules({ tracks: [track({ seenLast: false })] })), 2);
  });

  it('stays dense for a track last found below its threshold (weak)', () => {
    assert.equal(cadenceGap(rules({ tracks: [track({ score: 0.4 })] })), 2);
    assert.equal(cadenceGap(rules({ tracks: [track({ score: 0.5 })] })), 3);
  });

  it('stays dense for a small track', () => {
    assert.equal(cadenceGap(rules({ tracks: [track({ minSide: 101 })] })), 2);
    assert.equal(cadenceGap(rules({ tracks: [track({ minSide: 100 })] })), 3);
  });

  it('stays dense for a fast track (motion per frame against its size)', () => {
    // 100 px face: 8 px per frame is the limit at the default 0.08.
    assert.equal(cadenceGap(rules({ tracks: [track({ vx: 6, vy: 6 })] })), 2);
    assert.equal(cadenceGap(rules({ tracks: [track({ vx: 6, vy: 5 })] })), 3);
    assert.equal(cadenceGap(rules({ tracks: [track({ vx: 6, vy: 5 })], maxMotion: 0.05 })), 2);
  });

  it('stays dense near a border, now or over the next 2 x sparse frames', () => {
    const near = track({ box: { x1: 40, y1: 300, x2: 140, y2: 400 } });
    assert.equal(cadenceGap(rules({ tracks: [near] })), 2);
    const inside = track({ box: { x1: 60, y1: 300, x2: 160, y2: 400 } });
    assert.equal(cadenceGap(rules({ tracks: [inside] })), 3);
    // Heading left at 3 px per frame: 18 px over 6 frames reaches the margin.
    assert.equal(cadenceGap(rules({ tracks: [{ ...inside, vx: -3 }] })), 2);
    const bottom = track({ box: { x1: 600, y1: 580, x2: 700, y2: 680 } });
    assert.equal(cadenceGap(rules({ tracks: [bottom] })), 2);
  });

  it('stays dense for calm frames after a track started or ended', () => {
    assert.equal(cadenceGap(rules({ sinceChange: 11 })), 2);
    assert.equal(denseBecause(rules({ sinceChange: 11 })), 'change');
    assert.equal(cadenceGap(rules({ sinceChange: 12 })), 3);
    assert.equal(cadenceGap(rules({ sinceChange: 5, calm: 4 })), 3);
  });

  it('stays dense without tracks (every face in view is new)', () => {
    assert.equal(cadenceGap(rules({ tracks: [] })), 2);
    assert.equal(denseBecause(rules({ tracks: [] })), 'none');
  });

  it('names the first reason for the dense cadence', () => {
    assert.equal(denseBecause(rules()), undefined);
    assert.equal(denseBecause(rules({ sparse: 2 })), 'off');
    assert.equal(denseBecause(rules({ tracks: [track({ seenLast: false, hits: 1 })] })), 'missed');
    assert.equal(denseBecause(rules({ tracks: [track(), track({ hits: 1 })] })), 'new');
    assert.equal(denseBecause(rules({ tracks: [track({ vx: 9 })] })), 'fast');
    assert.equal(denseBecause(rules({ tracks: [track({ minSide: 200 })] })), 'small');
  });
});

describe('Tracker.states (what the cadence reads)', () => {
  const face = (x: number, score = 0.9) => ({
    cls: 'face' as const,
    score,
    box: { x1: x, y1: 100, x2: x + 50, y2: 150 },
  });

  it('reports hits, velocity, the box expected on a frame and whether the last frame found it', () => {
    const t = new Tracker({ trackedClasses: ['face'], startScores: { face: 0.5 } });
    t.update(0, [face(100)]);
    t.update(2, [face(110)]);
    const [s] = t.states('face', 4);
    assert.equal(s.hits, 2);
    assert.equal(s.vx, 5);
    assert.equal(s.vy, 0);
    assert.equal(s.box.x1, 120);
    assert.equal(s.seenLast, true);
    t.update(4, []);
    assert.equal(t.states('face', 4)[0].seenLast, false);
    assert.deepEqual(t.states('plate', 4), []);
  });

  it('reports the last detection score (weak continuations)', () => {
    const t = new Tracker({ trackedClasses: ['face'], startScores: { face: 0.5 } });
    t.update(0, [face(100)]);
    t.update(2, [face(102, 0.35)]);
    assert.equal(t.states('face', 2)[0].score, 0.35);
  });
});
