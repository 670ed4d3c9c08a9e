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
    // Coming in from the left at 3 px per frame: still within the margin, dense.
    assert.equal(cadenceGap(rules({ tracks: [{ ...near, vx: 3 }] })), 2);
    // Heading down towards the bottom border: 18 px over 6 frames reaches the margin.
    const low = track({ box: { x1: 600, y1: 500, x2: 700, y2: 600 } });
    assert.equal(cadenceGap(rules({ tracks: [low] })), 3);
    assert.equal(cadenceGap(rules({ tracks: [{ ...low, vy: -3 }] })), 3);
    const bottom = track({ box: { x1: 600, y1: 580, x2: 700, y2: 680 } });
    assert.equal(cadenceGap(rules({ tracks: [bottom] })), 2);
  });

  it('goes sparse for a track heading out through a border (the tracker holds it until out)', () => {
    const near = track({ box: { x1: 40, y1: 300, x2: 140, y2: 400 } });
    assert.equal(cadenceGap(rules({ tracks: [{ ...near, vx: -3 }] })), 3);
    const cut = track({ box: { x1: 1230, y1: 300, x2: 1330, y2: 400 }, vx: 4 });
    assert.equal(cadenceGap(rules({ tracks: [track(), cut] })), 3);
    // Heading out, but too fast for its size: dense as anywhere else.
    assert.equal(denseBecause(rules({ tracks: [{ ...near, vx: -9 }] })), 'fast');
  });

  it('leaves out a missed track mostly out of view, not one mostly in view', () => {
    const gone = track({ box: { x1: 1240, y1: 300, x2: 1340, y2: 400 }, seenLast: false });
    assert.equal(denseBecause(rules({ tracks: [track(), gone] })), undefined);
    // Alone it leaves no track in view: every face there would be new.
    assert.equal(denseBecause(rules({ tracks: [gone] })), 'none');
    const held = track({ box: { x1: 1170, y1: 300, x2: 1270, y2: 400 }, seenLast: false });
    assert.equal(denseBecause(rules({ tracks: [track(), held] })), 'missed');
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

  it('counts a track lost in view, not one that left the frame', () => {
    const t = new Tracker({
      trackedClasses: ['face'],
      startScores: { face: 0.5 },
      holdFrames: 4,
      frameSize: { width: 640, height: 360 },
    });
    // One face vanishes mid-frame, one walks out through the right border at 10 px per frame.
    const walker = (x: number) => ({ ...face(x), box: { x1: x, y1: 200, x2: x + 50, y2: 250 } });
    for (let f = 0; f <= 6; f += 2)
      t.update(f, f === 0 ? [face(300), walker(560)] : [walker(560 + 5 * f)]);
    for (let f = 8; f <= 60; f += 2) t.update(f, []);
    assert.equal(t.size, 0);
    assert.deepEqual(t.lost, { face: 1, plate: 0 });
  });

  it('reports the last detection score (weak continuations)', () => {
    const t = new Tracker({ trackedClasses: ['face'], startScores: { face: 0.5 } });
    t.update(0, [face(100)]);
    t.update(2, [face(102, 0.35)]);
    assert.equal(t.states('face', 2)[0].score, 0.35);
  });
});
