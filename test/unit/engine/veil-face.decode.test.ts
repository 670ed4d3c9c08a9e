import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeVeilFaces,
  VEIL_FACE_RAW_CUT,
  veilFaceRawFromScore,
  veilFaceScoreFromRaw,
} from '../../../src/engine/veil-face.decode.ts';
import { gridOutputs as outputs } from './veil-grid.outputs.ts';
import { decodeVeilPlates } from '../../../src/engine/veil-plate.decode.ts';

describe('Veil face score mapping', () => {
  it('maps the raw cut to 0.5 and is monotonic, with an exact inverse', () => {
    assert.equal(veilFaceScoreFromRaw(VEIL_FACE_RAW_CUT), 0.5);
    assert.equal(veilFaceScoreFromRaw(0), 0);
    assert.equal(veilFaceScoreFromRaw(1), 1);
    let last = -1;
    for (let raw = 0; raw <= 1.0001; raw += 0.05) {
      const s = veilFaceScoreFromRaw(raw);
      assert.ok(s > last, `not increasing at raw ${raw}`);
      last = s;
      assert.ok(Math.abs(veilFaceRawFromScore(s) - raw) < 1e-9, `inverse at raw ${raw}`);
    }
  });
});

describe('decodeVeilFaces', () => {
  it('decodes centre offset and log size per stride into input pixels, as faces', () => {
    // Stride 16, row 3, col 5: cell centre (88, 56); offset (-0.5, +0.25) cells -> (80, 60);
    // size e^1 x e^1.2 strides.
    const out = outputs(192, 128, [[16, 3, 5, 0.8, -0.5, 0.25, 1, 1.2]]);
    const [f, ...rest] = decodeVeilFaces(out, 192, 128, 0.5);
    assert.equal(rest.length, 0);
    assert.equal(f.cls, 'face');
    const w = Math.exp(1) * 16;
    const h = Math.exp(1.2) * 16;
    assert.ok(Math.abs(f.box.x1 - (80 - w / 2)) < 1e-3 && Math.abs(f.box.x2 - (80 + w / 2)) < 1e-3);
    assert.ok(Math.abs(f.box.y1 - (60 - h / 2)) < 1e-3 && Math.abs(f.box.y2 - (60 + h / 2)) < 1e-3);
    assert.ok(Math.abs(f.score - veilFaceScoreFromRaw(0.8)) < 1e-6);
  });

  it('keeps only cells at or above the threshold, on every stride', () => {
    const out = outputs(256, 128, [
      [8, 0, 0, 0.95, 0, 0, 0, 0],
      [16, 2, 3, VEIL_FACE_RAW_CUT + 0.01, 0, 0, 1, 0],
      [32, 3, 7, VEIL_FACE_RAW_CUT - 0.01, 0, 0, 0, 0],
    ]);
    assert.equal(decodeVeilFaces(out, 256, 128, 0.5).length, 2);
    assert.equal(decodeVeilFaces(out, 256, 128, 0.3).length, 3);
    assert.equal(decodeVeilFaces(out, 256, 128, 0.99).length, 0);
  });

  it('shares the grid decoding with the plate detector (same boxes, own class and scores)', () => {
    const out = outputs(128, 64, [[8, 2, 9, 0.97, 0.1, 0.2, 0.3, 0.4]]);
    const [face] = decodeVeilFaces(out, 128, 64, 0.1);
    const [plate] = decodeVeilPlates(out, 128, 64, 0.1);
    assert.deepEqual(face.box, plate.box);
    assert.equal(face.cls, 'face');
    assert.equal(plate.cls, 'plate');
  });

  it('rejects maps of the wrong size or a missing stride, naming the face detector', () => {
    const out = outputs(64, 64, []);
    assert.throws(() => decodeVeilFaces(out, 128, 64, 0.5), /face detector s8: .* expected 5x8x16/);
    delete out.s32;
    assert.throws(() => decodeVeilFaces(out, 64, 64, 0.5), /face detector output s32 missing/);
  });
});
