import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Xyxy } from '../../../scripts/eval/dataset.ts';
import { assign, mirrorRgb, type AuditDet } from '../../../scripts/eval/audit.detections.ts';
import { geometry, mirrorAgrees, notInside } from '../../../scripts/eval/face-audit.filters.ts';
import { matchImage } from '../../../scripts/eval/metrics.ts';

const box = (x: number, y: number, w: number, h: number): Xyxy => [x, y, x + w, y + h];

/** A 100 x 120 face at (x, y) with landmarks where a frontal face has them. */
function face(x: number, y: number, score: number, upsideDown = false): AuditDet {
  const pts: [number, number][] = [
    [30, 45], // right eye (image left)
    [70, 45],
    [50, 62],
    [35, 82],
    [65, 82],
  ];
  return {
    box: box(x, y, 100, 120),
    score,
    landmarks: pts.map(([px, py]) => [x + px, y + (upsideDown ? 120 - py : py)]),
  };
}

describe('assign', () => {
  it('says which truth box each detection took, as matchImage counts them', () => {
    const truth = [{ box: box(0, 0, 100, 120) }, { box: box(300, 0, 100, 120) }];
    const dets = [
      face(5, 0, 0.9), // on truth 0
      face(0, 5, 0.6), // also on truth 0, which is taken: false
      face(600, 0, 0.7), // nowhere: false
    ];
    const { byDet, taken } = assign(dets, truth);
    assert.deepEqual(byDet, [0, -1, -1]);
    assert.deepEqual(taken, [true, false]);
    const counted = matchImage(dets, truth, 0.3);
    assert.deepEqual(counted.matched, taken);
    assert.equal(counted.falsePositives, byDet.filter((t) => t === -1).length);
  });

  it('marks a detection on an ignored box as neither hit nor false', () => {
    const { byDet } = assign([face(0, 0, 0.8)], [{ box: box(0, 0, 100, 120), ignore: true }]);
    assert.deepEqual(byDet, [-2]);
  });
});

describe('mirrorRgb', () => {
  it('moves the first pixel of a row to its end and is its own inverse', () => {
    const frame = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i) };
    const m = mirrorRgb(frame);
    assert.deepEqual([...m.data.subarray(6, 9)], [0, 1, 2]);
    assert.deepEqual([...m.data.subarray(9, 12)], [15, 16, 17]);
    assert.deepEqual(mirrorRgb(m).data, frame.data);
  });
});

describe('face plausibility prototypes', () => {
  const ctx = (dets: AuditDet[], mirrored: AuditDet[] = []) => ({ dets, mirrored });

  it('geometry keeps a face and drops landmarks with the mouth above the eyes', () => {
    assert.equal(geometry(face(0, 0, 0.9), ctx([])), true);
    assert.equal(geometry(face(0, 0, 0.9, true), ctx([])), false);
  });

  it('notInside drops a small box lying in a bigger, better face only', () => {
    const big: AuditDet = { ...face(0, 0, 0.95), box: box(0, 0, 200, 240) };
    const part: AuditDet = { ...face(20, 20, 0.6), box: box(20, 20, 60, 70) };
    assert.equal(notInside(part, ctx([big, part])), false);
    assert.equal(notInside(part, ctx([{ ...big, score: 0.5 }, part])), true);
  });

  it('mirror test drops a weak detection not found on the mirror image', () => {
    const weak = face(0, 0, 0.55);
    assert.equal(mirrorAgrees(0.65)(weak, ctx([weak])), false);
    assert.equal(mirrorAgrees(0.65)(weak, ctx([weak], [face(3, 2, 0.4)])), true);
    assert.equal(mirrorAgrees(0.65)(face(0, 0, 0.9), ctx([])), true);
  });
});
