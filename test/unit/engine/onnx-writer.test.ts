import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder, encodeModel } from '../../../src/engine/onnx-writer.ts';
import { openSession } from '../../../src/engine/onnx.runtime.ts';
import { SyncSession } from '../../../src/engine/onnx-sync.runtime.ts';

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Reference NHWC conv (TensorFlow semantics; SAME pads the odd pixel at the end). */
function convRef(
  x: Float32Array,
  [n, h, w, c]: number[],
  f: Float32Array,
  [kh, kw, ci, co]: number[],
  bias: Float32Array,
  stride: number,
  same: boolean,
  depthwise: boolean,
): { data: Float32Array; dims: number[] } {
  const oh = same ? Math.ceil(h / stride) : Math.floor((h - kh) / stride) + 1;
  const ow = same ? Math.ceil(w / stride) : Math.floor((w - kw) / stride) + 1;
  const padT = same ? Math.floor(Math.max((oh - 1) * stride + kh - h, 0) / 2) : 0;
  const padL = same ? Math.floor(Math.max((ow - 1) * stride + kw - w, 0) / 2) : 0;
  const oc = depthwise ? ci * co : co;
  const out = new Float32Array(n * oh * ow * oc);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let x0 = 0; x0 < ow; x0++)
        for (let o = 0; o < oc; o++) {
          let sum = bias[o];
          for (let dy = 0; dy < kh; dy++)
            for (let dx = 0; dx < kw; dx++) {
              const iy = y * stride + dy - padT;
              const ix = x0 * stride + dx - padL;
              if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
              if (depthwise) {
                const i = Math.floor(o / co);
                sum +=
                  x[((b * h + iy) * w + ix) * c + i] * f[((dy * kw + dx) * ci + i) * co + (o % co)];
              } else
                for (let i = 0; i < ci; i++)
                  sum += x[((b * h + iy) * w + ix) * c + i] * f[((dy * kw + dx) * ci + i) * co + o];
            }
          out[((b * oh + y) * ow + x0) * oc + o] = sum;
        }
  return { data: out, dims: [n, oh, ow, oc] };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('a hand-written Add/Relu/MatMul graph with negative int attributes loads and runs', async () => {
  const w = values(12, 1);
  const model = encodeModel({
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
      { op: 'Relu', inputs: ['m'], outputs: ['r'] },
      { op: 'Add', inputs: ['r', 'b'], outputs: ['a'] },
      { op: 'ReduceSum', inputs: ['a', 'axes'], outputs: ['y'], attrs: { keepdims: { int: 0 } } },
      { op: 'Mul', inputs: ['a', 'half'], outputs: ['z'] },
    ],
    initializers: [
      { name: 'w', dims: [4, 3], data: w },
      { name: 'b', dims: [3], data: Float32Array.from([0.5, -0.25, 2]) },
      { name: 'axes', dims: [1], data: BigInt64Array.from([-1n]) },
      { name: 'half', dims: [], data: Float32Array.from([0.5]) },
    ],
    inputs: [{ name: 'x', dims: ['n', 4] }],
    outputs: [
      { name: 'y', dims: ['n'] },
      { name: 'z', dims: ['n', 3] },
    ],
  });
  const x = values(8, 2);
  const ref: number[] = [];
  const refZ: number[] = [];
  for (let r = 0; r < 2; r++) {
    let s = 0;
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let k = 0; k < 4; k++) m += x[r * 4 + k] * w[k * 3 + c];
      const a = Math.max(m, 0) + [0.5, -0.25, 2][c];
      s += a;
      refZ.push(a / 2);
    }
    ref.push(s);
  }
  const session = await openSession(model);
  const out = await session.run({ data: x, dims: [2, 4] });
  assert.ok(maxDiff(out.y.data, ref) < 1e-5);
  assert.deepEqual([...out.z.dims], [2, 3]);
  assert.ok(maxDiff(out.z.data, refZ) < 1e-5);
  await session.close();
  const sync = SyncSession.open(model);
  assert.deepEqual(sync.outputNames, ['y', 'z']);
  const s2 = sync.run({ data: x, dims: [2, 4] });
  assert.ok(maxDiff(s2.y.data, ref) < 1e-5);
  sync.close();
});

test('GraphBuilder NHWC convs (plain, depthwise, SAME/VALID/explicit, strided) match a reference', () => {
  const dims = [2, 9, 7, 3];
  const x = values(
    dims.reduce((a, b) => a * b),
    3,
  );
  for (const [kh, kw, co, stride, pad, depthwise] of [
    [3, 3, 4, 1, 'SAME', false],
    [3, 3, 5, 2, 'SAME', false],
    [2, 2, 4, 2, 'VALID', false],
    [3, 3, 1, 2, 'SAME', true],
    [5, 5, 2, 1, 'SAME', true],
    [3, 3, 4, 1, 'EXPLICIT', false],
  ] as const) {
    const fDims = [kh, kw, 3, co];
    const f = values(
      fDims.reduce((a, b) => a * b),
      kh * 7 + co,
    );
    const oc = depthwise ? 3 * co : co;
    const bias = values(oc, 99);
    const g = new GraphBuilder();
    const pads = pad === 'EXPLICIT' ? [1, 1, 1, 1] : pad;
    const y = g.conv('x', { data: f, dims: fDims }, bias, {
      strides: [stride, stride],
      pads,
      depthwise,
    });
    g.output(y, 'y');
    const model = g.model([{ name: 'x', dims }], [{ name: 'y', dims: [-1, -1, -1, -1] }]);
    const session = SyncSession.open(model);
    const out = session.run({ data: x, dims }).y;
    const ref = convRef(x, dims, f, fDims, bias, stride, pad !== 'VALID', depthwise);
    assert.deepEqual([...out.dims], ref.dims, `${kh}x${kw} s${stride} ${pad} dw=${depthwise}`);
    assert.ok(maxDiff(out.data, ref.data) < 1e-5, `${kh}x${kw} s${stride} ${pad} dw=${depthwise}`);
    session.close();
  }
});

test('GraphBuilder pools follow TensorFlow (SAME max pool ignores padding)', () => {
  const dims = [1, 5, 5, 2];
  const x = values(50, 4).map((v) => v - 3); // all negative: a zero pad would show
  const g = new GraphBuilder();
  const y = g.pool('MaxPool', 'x', [2, 2], [2, 2], 'SAME');
  g.output(y, 'y');
  const session = SyncSession.open(
    g.model([{ name: 'x', dims }], [{ name: 'y', dims: [1, 3, 3, 2] }]),
  );
  const out = session.run({ data: x, dims }).y;
  for (let oy = 0; oy < 3; oy++)
    for (let ox = 0; ox < 3; ox++)
      for (let c = 0; c < 2; c++) {
        let m = -Infinity;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const iy = oy * 2 + dy;
            const ix = ox * 2 + dx;
            if (iy < 5 && ix < 5) m = Math.max(m, x[(iy * 5 + ix) * 2 + c]);
          }
        assert.equal(out.data[(oy * 3 + ox) * 2 + c], m);
      }
  session.close();
});
