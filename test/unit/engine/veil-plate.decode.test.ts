import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeVeilPlates,
  VEIL_PLATE_RAW_CUT,
  veilPlateRawFromScore,
  veilPlateScoreFromRaw,
} from '../../../src/engine/veil-plate.decode.ts';
import { gridOutputs as outputs } from './veil-grid.outputs.ts';

describe('Veil plate score mapping', () => {
  it('maps the raw cut to 0.5 and is monotonic, with an exact inverse', () => {
    assert.equal(veilPlateScoreFromRaw(VEIL_PLATE_RAW_CUT), 0.5);
    assert.equal(veilPlateScoreFromRaw(0), 0);
    assert.equal(veilPlateScoreFromRaw(1), 1);
    let last = -1;
    for (let raw = 0; raw <= 1.0001; raw += 0.05) {
      const s = veilPlateScoreFromRaw(raw);
      assert.ok(s > last, `not increasing at raw ${raw}`);
      last = s;
      assert.ok(Math.abs(veilPlateRawFromScore(s) - raw) < 1e-9, `inverse at raw ${raw}`);
    }
  });
});

describe('decodeVeilPlates', () => {
  it('decodes centre offset and log size per stride into input pixels', () => {
    // Stride 8, row 10, col 20: cell centre (164, 84); offset (+0.5, -0.25) cells -> (168, 82);
    // size e^2 x e^0.5 strides.
    const out = outputs(320, 160, [[8, 10, 20, 0.9, 0.5, -0.25, 2, 0.5]]);
    const [p, ...rest] = decodeVeilPlates(out, 320, 160, 0.5);
    assert.equal(rest.length, 0);
    assert.equal(p.cls, 'plate');
    const w = Math.exp(2) * 8;
    const h = Math.exp(0.5) * 8;
    assert.ok(
      Math.abs(p.box.x1 - (168 - w / 2)) < 1e-3 && Math.abs(p.box.x2 - (168 + w / 2)) < 1e-3,
    );
    assert.ok(Math.abs(p.box.y1 - (82 - h / 2)) < 1e-3 && Math.abs(p.box.y2 - (82 + h / 2)) < 1e-3);
    assert.ok(Math.abs(p.score - veilPlateScoreFromRaw(0.9)) < 1e-6);
  });

  it('reads every stride and keeps only cells at or above the threshold', () => {
    const out = outputs(256, 128, [
      [8, 0, 0, 0.95, 0, 0, 0, 0],
      [16, 2, 3, 0.7, 0, 0, 1, 0],
      [32, 3, 7, VEIL_PLATE_RAW_CUT - 0.01, 0, 0, 0, 0],
    ]);
    const found = decodeVeilPlates(out, 256, 128, 0.5);
    assert.equal(found.length, 2);
    const centres = found.map((d) => [(d.box.x1 + d.box.x2) / 2, (d.box.y1 + d.box.y2) / 2]);
    assert.deepEqual(centres.sort(), [
      [4, 4],
      [56, 40],
    ]);
    // A lower threshold lets the weak cell of stride 32 in: (7.5 x 32, 3.5 x 32).
    const more = decodeVeilPlates(out, 256, 128, 0.3);
    assert.equal(more.length, 3);
    assert.ok(more.some((d) => d.box.x1 === 240 - 16 && d.box.y1 === 112 - 16));
  });

  it('clamps absurd log sizes instead of returning infinite boxes', () => {
    const out = outputs(64, 64, [[8, 1, 1, 0.9, 0, 0, 80, -80]]);
    const [p] = decodeVeilPlates(out, 64, 64, 0.5);
    assert.ok(Number.isFinite(p.box.x1) && Number.isFinite(p.box.x2));
    assert.ok(p.box.y2 - p.box.y1 > 0);
  });

  it('rejects maps of the wrong size or a missing stride', () => {
    const out = outputs(64, 64, []);
    assert.throws(() => decodeVeilPlates(out, 128, 64, 0.5), /s8: .* expected 5x8x16/);
    delete out.s16;
    assert.throws(() => decodeVeilPlates(out, 64, 64, 0.5), /output s16 missing/);
  });
});
