import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeYunet, YUNET_STRIDES, type YunetOutputs } from '../../../src/engine/yunet.decode.ts';

/** Empty outputs for a width x height input, then one face placed in a chosen cell. */
function outputs(width: number, height: number): YunetOutputs {
  const out: YunetOutputs = {};
  for (const s of YUNET_STRIDES) {
    const n = (width / s) * (height / s);
    out[`cls_${s}`] = new Float32Array(n);
    out[`obj_${s}`] = new Float32Array(n);
    out[`bbox_${s}`] = new Float32Array(n * 4);
    out[`kps_${s}`] = new Float32Array(n * 10);
  }
  return out;
}

function place(
  out: YunetOutputs,
  width: number,
  stride: number,
  row: number,
  col: number,
  cls: number,
  obj: number,
) {
  const i = row * (width / stride) + col;
  out[`cls_${stride}`][i] = cls;
  out[`obj_${stride}`][i] = obj;
  out[`bbox_${stride}`].set([0.5, 0.25, Math.log(2), Math.log(3)], i * 4);
  out[`kps_${stride}`].set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], i * 10);
}

describe('YuNet decoding', () => {
  const cases: Array<[number, number, number, number]> = [
    // stride, row, col, score = sqrt(cls*obj)
    [8, 3, 5, 0.9],
    [16, 1, 2, 0.6],
    [32, 0, 1, 0.75],
  ];
  for (const [stride, row, col, score] of cases) {
    it(`decodes a face at stride ${stride} cell (${row},${col})`, () => {
      const out = outputs(64, 32);
      place(out, 64, stride, row, col, score, score);
      const sut = decodeYunet(out, 64, 32, 0.5);
      assert.equal(sut.length, 1);
      const [face] = sut;
      const cx = (col + 0.5) * stride;
      const cy = (row + 0.25) * stride;
      assert.ok(Math.abs(face.score - score) < 1e-6);
      assert.ok(Math.abs(face.box.x1 - (cx - stride)) < 1e-4);
      assert.ok(Math.abs(face.box.x2 - (cx + stride)) < 1e-4);
      assert.ok(Math.abs(face.box.y1 - (cy - 1.5 * stride)) < 1e-4);
      assert.ok(Math.abs(face.box.y2 - (cy + 1.5 * stride)) < 1e-4);
      assert.deepEqual(face.landmarks?.[0], [col * stride, row * stride]);
      assert.deepEqual(face.landmarks?.[4], [(col + 1) * stride, (row + 1) * stride]);
    });
  }

  it('scores with the geometric mean of class and objectness, clamped to 0..1', () => {
    const out = outputs(32, 32);
    place(out, 32, 8, 0, 0, 0.81, 1.2);
    place(out, 32, 8, 1, 1, 0.5, 0.2);
    const sut = decodeYunet(out, 32, 32, 0.2);
    assert.deepEqual(
      sut.map((f) => Math.round(f.score * 1000) / 1000),
      [0.9, 0.316],
    );
  });

  it('drops faces under the minimum score', () => {
    const out = outputs(32, 32);
    place(out, 32, 8, 0, 0, 0.4, 0.4);
    assert.equal(decodeYunet(out, 32, 32, 0.41).length, 0);
    assert.equal(decodeYunet(out, 32, 32, 0.39).length, 1);
  });

  it('refuses outputs that do not match the input size', () => {
    assert.throws(() => decodeYunet(outputs(64, 64), 32, 32, 0.5), /cells/);
  });
});
