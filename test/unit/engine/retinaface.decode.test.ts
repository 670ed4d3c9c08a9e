import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeRetinaface,
  rawFromRetinaScore,
  RETINA_STRIDES,
  retinaScoreFromRaw,
  type RetinaStrideOutput,
} from '../../../src/engine/retinaface.decode.ts';

function empty(side: number): Record<number, RetinaStrideOutput> {
  const out: Record<number, RetinaStrideOutput> = {};
  for (const s of RETINA_STRIDES) {
    const rows = side / s;
    const plane = rows * rows;
    out[s] = {
      cls: new Float32Array(4 * plane),
      bbox: new Float32Array(8 * plane),
      landmarks: new Float32Array(20 * plane),
      rows,
      cols: rows,
    };
  }
  return out;
}

describe('RetinaFace decoding', () => {
  const cases: Array<[number, number, number, number, number]> = [
    // stride, anchor, row, col, anchor side
    [32, 0, 1, 1, 512],
    [32, 1, 0, 0, 256],
    [16, 1, 3, 1, 64],
    [8, 0, 2, 5, 32],
    [8, 1, 7, 7, 16],
  ];
  for (const [stride, anchor, r, c, side] of cases) {
    it(`decodes anchor ${anchor} of stride ${stride} as a ${side} px box at its cell centre`, () => {
      const out = empty(64);
      const o = out[stride];
      const plane = o.rows * o.cols;
      const cell = r * o.cols + c;
      o.cls[(2 + anchor) * plane + cell] = 0.9;
      o.cls[anchor * plane + cell] = 0.1; // background probability is ignored
      o.landmarks[(anchor * 10 + 2) * plane + cell] = 1; // second landmark: +0.2 anchor widths in x
      const [face, ...rest] = decodeRetinaface(out, 0.5);
      assert.equal(rest.length, 0);
      assert.ok(Math.abs(face.score - 0.9) < 1e-6);
      const cx = c * stride + 7.5;
      const cy = r * stride + 7.5;
      assert.ok(Math.abs((face.box.x1 + face.box.x2) / 2 - (cx + 0.5)) < 1e-4);
      assert.ok(Math.abs((face.box.y1 + face.box.y2) / 2 - (cy + 0.5)) < 1e-4);
      assert.ok(Math.abs(face.box.x2 - face.box.x1 - side) < 1e-4);
      assert.deepEqual(face.landmarks?.[0], [cx, cy]);
      assert.ok(Math.abs((face.landmarks?.[1][0] ?? 0) - (cx + 0.2 * side)) < 1e-3);
    });
  }

  it('applies box deltas relative to the anchor size', () => {
    const out = empty(64);
    const o = out[8];
    const plane = o.rows * o.cols;
    o.cls[2 * plane] = 0.8;
    o.bbox[0 * plane] = 0.5; // dx: half an anchor (32 px) to the right
    o.bbox[2 * plane] = Math.log(2); // width doubled
    const [face] = decodeRetinaface(out, 0.5);
    assert.ok(Math.abs((face.box.x1 + face.box.x2) / 2 - (7.5 + 16 + 0.5)) < 1e-4);
    assert.ok(Math.abs(face.box.x2 - face.box.x1 - 64) < 1e-4);
  });
});

describe('RetinaFace score mapping', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [0.15, 0.25],
    [0.3, 0.5],
    [0.65, 0.75],
    [1, 1],
  ];
  for (const [raw, score] of cases) {
    it(`raw ${raw} scores ${score} and maps back`, () => {
      assert.ok(Math.abs(retinaScoreFromRaw(raw) - score) < 1e-9);
      assert.ok(Math.abs(rawFromRetinaScore(score) - raw) < 1e-9);
    });
  }

  it('clamps out-of-range values and is monotonic', () => {
    assert.equal(retinaScoreFromRaw(-0.5), 0);
    assert.equal(retinaScoreFromRaw(1.5), 1);
    let last = -1;
    for (let raw = 0; raw <= 1; raw += 0.01) {
      const s = retinaScoreFromRaw(raw);
      assert.ok(s > last);
      last = s;
    }
  });
});
