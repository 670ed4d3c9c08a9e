/**
 * RetinaFace's 8-bit first layer over gathered patches (`src/engine/onnx-stem.ts`,
 * `stem-gather.ts`): the same outputs, bit for bit, as the 8-bit model that quantizes its float
 * input itself, on a committed photo at even and odd sizes; the quantization equal to
 * onnxruntime's `QuantizeLinear`, next to its rounding ties too; the native gathering equal to
 * the JavaScript one; the engine's video session reading the gathered input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { gatheredStemModel } from '../../../src/engine/onnx-stem.ts';
import { int8WeightLevels } from '../../../src/engine/onnx-quantize.ts';
import { DataType, encodeModel } from '../../../src/engine/onnx-writer.ts';
import { openSession, type FloatTensor } from '../../../src/engine/onnx.runtime.ts';
import { resizedPlanarTensor } from '../../../src/engine/preprocess.ts';
import { retinafaceInt8Model, retinafaceModel } from '../../../src/engine/retinaface.detector.ts';
import { gatherStem, gatheredSession, stemDims } from '../../../src/engine/stem-gather.ts';
import type { RgbFrame } from '../../../src/engine/types.ts';
import { nativeKernelsBuilt, useNativeKernels } from '../../../src/native/index.ts';
import { fixturePath } from '../../fixtures/images/fixtures.ts';
import { random, restoreNativeAfter } from '../../unit/native/native-test.ts';

restoreNativeAfter();

const plain = retinafaceInt8Model();
if ('why' in plain) throw new Error(plain.why);
const gathered = gatheredStemModel(plain.bytes);

async function photo(width: number, height: number): Promise<RgbFrame> {
  const { data, info } = await sharp(fixturePath('group-5-faces.jpg')!)
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const equalOutputs = (a: Record<string, FloatTensor>, b: Record<string, FloatTensor>) => {
  let differ = 0;
  for (const name of Object.keys(a)) {
    assert.deepEqual(b[name].dims, a[name].dims);
    for (let i = 0; i < a[name].data.length; i++) if (a[name].data[i] !== b[name].data[i]) differ++;
  }
  return differ;
};

describe('RetinaFace 8-bit first layer over gathered patches', () => {
  it('finds the 3x3 stride-2 layer and the input quantization; the float model has none', () => {
    assert.ok(gathered, 'the 8-bit RetinaFace has a gatherable first layer');
    const { stem } = gathered;
    assert.equal(stem.input, 'data');
    assert.equal(stem.gathered, 'data__g');
    assert.deepEqual([stem.padTop, stem.padLeft], [1, 1]);
    assert.ok(stem.scale > 0 && stem.zero >= 0 && stem.zero <= 255);
    // Nothing quantizes the float model's input: nothing to gather.
    assert.equal(gatheredStemModel(retinafaceModel().bytes), undefined);
  });

  for (const [width, height] of [
    [640, 360],
    [417, 233],
  ]) {
    it(`gives the plain 8-bit model's outputs bit for bit (${width}x${height}, padded to 32)`, async () => {
      const input = resizedPlanarTensor(
        await photo(1280, 720),
        width,
        height,
        'rgb',
        undefined,
        plain.affine,
      );
      const a = await openSession(plain.bytes);
      const b = gatheredSession(await openSession(gathered!.bytes), gathered!.stem);
      try {
        const before = await a.run(input);
        const after = await b.run(input);
        assert.equal(equalOutputs(before, after), 0);
        // Faces are there to find: the scores are not all background.
        const scores = before.face_rpn_cls_prob_reshape_stride32.data;
        assert.ok(Math.max(...scores) > 0.9);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }

  /**
   * A model of one 8-bit 3x3 stride-2 layer over a quantized picture, `pads` as given; weights
   * within this CPU's levels, as `quantizedModel` writes them (AVX2 without VNNI sums pairs of
   * products in 16 bits: full-range weights saturate there, differently for either layout).
   */
  const oneLayer = (pads: number[]) => {
    const rnd = random(pads.reduce((a, b) => a * 3 + b, 1));
    const levels = int8WeightLevels() || 127;
    return encodeModel({
      nodes: [
        { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
        {
          op: 'QLinearConv',
          inputs: ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'],
          outputs: ['y'],
          attrs: { kernel_shape: [3, 3], strides: [2, 2], pads },
        },
      ],
      initializers: [
        { name: 'xs', dims: [], data: Float32Array.of(0.0123) },
        { name: 'xz', dims: [], data: Uint8Array.of(117) },
        {
          name: 'w',
          dims: [5, 3, 3, 3],
          data: Int8Array.from({ length: 135 }, () => Math.round((rnd() * 2 - 1) * levels)),
        },
        {
          name: 'ws',
          dims: [5],
          data: Float32Array.from({ length: 5 }, () => 0.001 + rnd() * 0.01),
        },
        { name: 'wz', dims: [5], data: new Int8Array(5) },
        { name: 'ys', dims: [], data: Float32Array.of(0.05) },
        { name: 'yz', dims: [], data: Uint8Array.of(128) },
        {
          name: 'b',
          dims: [5],
          data: Int32Array.from({ length: 5 }, () => Math.round(rnd() * 2000 - 1000)),
        },
      ],
      inputs: [{ name: 'x', dims: [1, 3, 'h', 'w'] }],
      outputs: [{ name: 'y', type: DataType.UINT8 }],
    });
  };

  it('gives the same bytes for every padding it takes, and refuses uneven padding', async () => {
    const rnd = random(11);
    for (const pad of [0, 1, 2]) {
      const model = oneLayer([pad, pad, pad, pad]);
      const g = gatheredStemModel(model);
      assert.ok(g, `pads ${pad}`);
      assert.deepEqual([g.stem.padTop, g.stem.padLeft], [pad, pad]);
      for (const [width, height] of [
        [41, 23],
        [64, 32],
      ]) {
        const x = new Float32Array(3 * width * height).map(() => (rnd() - 0.45) * 4);
        // The layer's output is uint8: both models run through onnxruntime directly.
        const plainRun = await ort.InferenceSession.create(model);
        const want = (
          await plainRun.run({ x: new ort.Tensor('float32', x, [1, 3, height, width]) })
        ).y;
        await plainRun.release();
        const [, oh, ow] = stemDims(g.stem, width, height);
        const patches = new Uint8Array(27 * oh * ow);
        gatherStem(x, width, height, g.stem, patches);
        const gatheredRun: ort.InferenceSession = await ort.InferenceSession.create(g.bytes);
        const feeds = { [g.stem.gathered]: new ort.Tensor('uint8', patches, [1, oh, ow, 27]) };
        const got: ort.Tensor = (await gatheredRun.run(feeds)).y;
        await gatheredRun.release();
        assert.deepEqual(got.dims, want.dims);
        assert.deepEqual(got.data, want.data, `pads ${pad}, ${width}x${height}`);
      }
    }
    assert.equal(gatheredStemModel(oneLayer([1, 1, 0, 0])), undefined);
    assert.equal(gatheredStemModel(oneLayer([0, 1, 0, 2])), undefined);
  });

  it('quantizes as onnxruntime`s QuantizeLinear, next to rounding ties and beyond 0..255', async () => {
    const { scale, zero } = gathered!.stem;
    const width = 66;
    const height = 21;
    const rnd = random(7);
    const x = new Float32Array(3 * width * height).map((_, i) => {
      // Halfway between levels, nudged by a few float steps either way; and far out of range.
      if (i % 3 === 0) return Math.fround((Math.floor(rnd() * 300) - 150 + 0.5) * scale);
      if (i % 3 === 1)
        return Math.fround((rnd() * 300 - 150 + 0.5) * scale * (1 + (rnd() - 0.5) * 1e-6));
      return (rnd() - 0.5) * 600 * scale;
    });
    const model = encodeModel({
      nodes: [{ op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['y'] }],
      initializers: [
        { name: 's', dims: [], data: Float32Array.of(scale) },
        { name: 'z', dims: [], data: Uint8Array.of(zero) },
      ],
      inputs: [{ name: 'x', dims: [-1] }],
      outputs: [{ name: 'y', type: DataType.UINT8, dims: [-1] }],
    });
    const session = await ort.InferenceSession.create(model);
    const want = (await session.run({ x: new ort.Tensor('float32', x, [x.length]) })).y
      .data as Uint8Array;
    await session.release();
    // Without padding, patch position (c, 0, 0) of output pixel (y, x) is input (c, 2y, 2x).
    const stem = { ...gathered!.stem, padTop: 0, padLeft: 0 };
    const [, oh, ow] = stemDims(stem, width, height);
    for (const native of nativeKernelsBuilt() ? [false, true] : [false]) {
      useNativeKernels(native);
      const out = new Uint8Array(27 * oh * ow);
      gatherStem(x, width, height, stem, out);
      let differ = 0;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < oh; y++) {
          for (let i = 0; i < ow; i++) {
            const got = out[(y * ow + i) * 27 + c * 9];
            if (got !== want[c * width * height + 2 * y * width + 2 * i]) differ++;
          }
        }
      }
      assert.equal(differ, 0, native ? 'native' : 'JavaScript');
    }
  });

  it(
    'native and JavaScript gathering write the same bytes, the padding the zero point',
    { skip: !nativeKernelsBuilt() && 'native kernels not built' },
    () => {
      const rnd = random(3);
      for (const [width, height, pads] of [
        [64, 32, 1],
        [37, 19, 1],
        [35, 20, 0],
        [50, 22, 2],
      ]) {
        const stem = { ...gathered!.stem, padTop: pads, padLeft: pads };
        const x = new Float32Array(3 * width * height).map(() => (rnd() - 0.5) * 2.2);
        const [, oh, ow] = stemDims(stem, width, height);
        const js = new Uint8Array(27 * oh * ow);
        const native = new Uint8Array(27 * oh * ow).fill(7);
        useNativeKernels(false);
        gatherStem(x, width, height, stem, js);
        useNativeKernels(true);
        gatherStem(x, width, height, stem, native);
        assert.deepEqual(native, js, `${width}x${height}, pads ${pads}`);
        if (pads > 0) {
          // Patch position (0, 0, 0) of output pixel (0, 0) lies above and left of the picture.
          assert.equal(js[0], stem.zero);
        }
      }
    },
  );

  it('refuses buffers too short for the sizes', () => {
    const stem = gathered!.stem;
    assert.throws(
      () => gatherStem(new Float32Array(3 * 8 * 8), 8, 8, stem, new Uint8Array(27 * 15)),
      /too short/,
    );
    assert.throws(
      () => gatherStem(new Float32Array(3 * 8 * 7), 8, 8, stem, new Uint8Array(27 * 16)),
      /too short/,
    );
  });

  it('keeps overlapping runs apart: each gets its own picture`s outputs', async () => {
    const b = gatheredSession(await openSession(gathered!.bytes), gathered!.stem);
    try {
      const frame = await photo(1280, 720);
      const inputs = [640, 480, 640].map((w, i) => {
        const t = resizedPlanarTensor(
          frame,
          w,
          Math.round((w * 9) / 16),
          'rgb',
          undefined,
          plain.affine,
        );
        // The third picture: the first one mirrored, same size, other values.
        if (i === 2) t.data.reverse();
        return t;
      });
      const alone = [];
      for (const t of inputs) alone.push(await b.run(t));
      const together = await Promise.all(inputs.map((t) => b.run(t)));
      for (let i = 0; i < inputs.length; i++) assert.equal(equalOutputs(alone[i], together[i]), 0);
      assert.ok(equalOutputs(alone[0], alone[2]) > 0, 'the first and third pictures differ');
    } finally {
      await b.close();
    }
  });

  it('is what the engine opens for video frames where the native kernels are', () => {
    useNativeKernels(nativeKernelsBuilt());
    const model = retinafaceInt8Model(undefined, undefined, undefined, true);
    assert.ok(!('why' in model));
    assert.equal('stem' in model && model.stem !== undefined, nativeKernelsBuilt());
    // Without them the gathering would cost more than it saves: the plain 8-bit model.
    useNativeKernels(false);
    const js = retinafaceInt8Model(undefined, undefined, undefined, true);
    assert.ok(!('why' in js) && js.stem === undefined);
  });
});
