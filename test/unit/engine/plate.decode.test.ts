import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodePlates,
  PLATE_ROW,
  plateRawFromScore,
  plateScoreFromRaw,
} from '../../../src/engine/plate.decode.ts';
import { letterboxGeometry } from '../../../src/engine/preprocess.ts';

function row(
  cx: number,
  cy: number,
  w: number,
  h: number,
  obj: number,
  single: number,
  double: number,
): number[] {
  const corners = [
    cx - w / 2,
    cy - h / 2,
    cx + w / 2,
    cy - h / 2,
    cx + w / 2,
    cy + h / 2,
    cx - w / 2,
    cy + h / 2,
  ];
  return [cx, cy, w, h, obj, ...corners, single, double];
}

describe('plate score mapping', () => {
  const table: Array<[number, number]> = [
    [0, 0],
    [0.125, 0.25],
    [0.25, 0.5],
    [0.625, 0.75],
    [1, 1],
  ];
  for (const [raw, score] of table) {
    it(`maps raw ${raw} to ${score} and back`, () => {
      assert.ok(Math.abs(plateScoreFromRaw(raw) - score) < 1e-9);
      assert.ok(Math.abs(plateRawFromScore(score) - raw) < 1e-9);
    });
  }
});

describe('plate decoding', () => {
  it('undoes the letterbox of a wide frame (padding above and below)', () => {
    // 1280x720 into 640: scale 0.5, 640x360 at padY 140.
    const lb = letterboxGeometry(1280, 720, 640);
    assert.deepEqual(lb, { scale: 0.5, width: 640, height: 360, padX: 0, padY: 140 });
    const out = new Float32Array(row(320, 240, 100, 30, 0.9, 0.8, 0.1));
    const [plate] = decodePlates(out, lb, 0.5);
    assert.deepEqual(plate.box, { x1: 540, y1: 170, x2: 740, y2: 230 });
    assert.deepEqual(plate.polygon, [
      [540, 170],
      [740, 170],
      [740, 230],
      [540, 230],
    ]);
    assert.ok(Math.abs(plate.score - plateScoreFromRaw(0.72)) < 1e-6);
  });

  it('undoes the letterbox of a tall frame (padding left and right)', () => {
    const lb = letterboxGeometry(320, 640, 320);
    assert.equal(lb.padX, 80);
    const [plate] = decodePlates(new Float32Array(row(160, 160, 20, 10, 1, 1, 0)), lb, 0.5);
    assert.deepEqual(plate.box, { x1: 140, y1: 310, x2: 180, y2: 330 });
  });

  it('takes the better of the single-row and double-row class scores', () => {
    const lb = letterboxGeometry(640, 640, 640);
    const out = new Float32Array([
      ...row(10, 10, 4, 4, 0.8, 0.1, 0.9),
      ...row(50, 50, 4, 4, 0.8, 0.05, 0.1),
    ]);
    const sut = decodePlates(out, lb, plateScoreFromRaw(0.5));
    assert.equal(sut.length, 1);
    assert.ok(Math.abs(sut[0].score - plateScoreFromRaw(0.72)) < 1e-6);
  });

  it('reads every row of a model-sized output', () => {
    const rows = 6300;
    const out = new Float32Array(rows * PLATE_ROW);
    out.set(row(100, 100, 10, 10, 0.99, 0.99, 0), (rows - 1) * PLATE_ROW);
    assert.equal(decodePlates(out, letterboxGeometry(320, 320, 320), 0.5).length, 1);
  });
});
