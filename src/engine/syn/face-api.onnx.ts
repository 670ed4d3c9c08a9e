/**
 * face-api's networks as ONNX graphs, built in memory from the loaded nets' weight maps (the
 * weights inside the npm package; nothing converted is stored), and run on onnxruntime in
 * place of face-api's hand-written TensorFlow.js forward passes. face-api's own input
 * handling (`NetInput.toBatchTensor`: padding to a square, bilinear resize) and its own
 * post-processing (landmark un-padding, NMS) still run: only the network between them moves.
 *
 * Architectures as in @vladmandic/face-api's src/: FaceRecognitionNet (a ResNet-34-like net
 * at 150x150, residual blocks with a scale layer and zero-padded shortcut downsampling),
 * FaceLandmark68Net (four dense blocks of depthwise separable convs at 112x112, 7x7 average
 * pool, fully connected to 136) and SsdMobilenetv1 (MobileNetV1 at 512x512, six box
 * predictors, box decoding against the anchors in `output_layer.extra_dim`).
 */
import { GraphBuilder } from '../onnx-writer.ts';
import { SyncSession } from '../onnx-sync.runtime.ts';

/** The little of a TensorFlow.js tensor read here. */
export interface ParamTensor {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

type Params = { [key: string]: ParamTensor | Params };

const f32 = (t: ParamTensor) => {
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d);
};
const sub = (p: Params, key: string) => p[key] as Params;
const tensor = (p: Params, key: string) => p[key] as ParamTensor;

/**
 * face-api's normalisation of a 0..255 RGB batch: (x - mean RGB) / 255. The subtraction is a
 * 1x1 depthwise conv (weight 1, bias -mean: the same single rounding per value): onnxruntime
 * runs a Sub of a [3] mean over NHWC's innermost axis value by value (0.7 ms of a batch of
 * four 150 px chips) and moves transposes out of the way of elementwise ops, not of convs.
 */
function normalized(g: GraphBuilder, x: string): string {
  const centred = g.conv(
    x,
    { data: Float32Array.of(1, 1, 1), dims: [1, 1, 3, 1] },
    Float32Array.of(-122.782, -117.001, -104.298),
    { strides: [1, 1], pads: 'VALID', depthwise: true },
  );
  return g.node('Div', [centred, g.constant(Float32Array.of(255), [], 'c255')]);
}

/** NHWC conv with TensorFlow's filter layout; bias added after (as face-api does). */
function conv(
  g: GraphBuilder,
  x: string,
  filters: ParamTensor,
  bias: ParamTensor | undefined,
  stride: number,
  pads: 'SAME' | 'VALID',
  depthwise = false,
): string {
  return g.conv(x, { data: f32(filters), dims: filters.shape }, bias ? f32(bias) : undefined, {
    strides: [stride, stride],
    pads,
    depthwise,
  });
}

const mulAdd = (g: GraphBuilder, x: string, w: ParamTensor, b: ParamTensor) =>
  g.node('Add', [
    g.node('Mul', [x, g.constant(f32(w), w.shape, 'w')]),
    g.constant(f32(b), b.shape, 'b'),
  ]);

/** FaceRecognitionNet: a [N,150,150,3] 0..255 batch -> [N,128] descriptors. */
export function recognitionGraph(params: Params): Uint8Array {
  const g = new GraphBuilder();
  // Spatial side as the net goes (150 in), to size the shortcut's zero padding statically.
  let side = 150;
  const convLayer = (
    x: string,
    p: Params,
    stride: number,
    relu: boolean,
    pads: 'SAME' | 'VALID',
  ) => {
    const c = sub(p, 'conv');
    let out = conv(g, x, tensor(c, 'filters'), tensor(c, 'bias'), stride, pads);
    const s = sub(p, 'scale');
    out = mulAdd(g, out, tensor(s, 'weights'), tensor(s, 'biases'));
    return relu ? g.node('Relu', [out]) : out;
  };
  const channelsOf = (p: Params) => tensor(sub(sub(p, 'conv2'), 'conv'), 'filters').shape[3];
  const residual = (x: string, p: Params) => {
    const out = convLayer(
      convLayer(x, sub(p, 'conv1'), 1, true, 'SAME'),
      sub(p, 'conv2'),
      1,
      false,
      'SAME',
    );
    return g.node('Relu', [g.node('Add', [out, x])]);
  };
  const residualDown = (x: string, p: Params, inChannels: number) => {
    let out = convLayer(
      convLayer(x, sub(p, 'conv1'), 2, true, 'VALID'),
      sub(p, 'conv2'),
      1,
      false,
      'SAME',
    );
    const convSide = Math.floor((side - 3) / 2) + 1;
    const poolSide = Math.floor((side - 2) / 2) + 1;
    let pooled = g.pool('AveragePool', x, [2, 2], [2, 2], 'VALID');
    if (poolSide !== convSide) {
      // face-api appends a zero row (axis 1) and a zero column (axis 2) to the conv output.
      if (poolSide !== convSide + 1) throw new Error(`unexpected sides ${poolSide} / ${convSide}`);
      out = g.node('Pad', [out, g.ints64([0, 0, 0, 0, 0, 1, 1, 0], 'pads')]);
    }
    const channels = channelsOf(p);
    if (channels !== inChannels)
      pooled = g.node('Pad', [
        pooled,
        g.ints64([0, 0, 0, 0, 0, 0, 0, channels - inChannels], 'pads'),
      ]);
    side = poolSide;
    return g.node('Relu', [g.node('Add', [pooled, out])]);
  };

  let out = convLayer(normalized(g, 'input'), sub(params, 'conv32_down'), 2, true, 'VALID');
  side = Math.floor((side - 7) / 2) + 1;
  out = g.pool('MaxPool', out, [3, 3], [2, 2], 'VALID');
  side = Math.floor((side - 3) / 2) + 1;
  let channels = 32;
  for (const name of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(out, sub(params, name));
  for (const [down, rest] of [
    ['conv64_down', ['conv64_1', 'conv64_2', 'conv64_3']],
    ['conv128_down', ['conv128_1', 'conv128_2']],
    ['conv256_down', ['conv256_1', 'conv256_2']],
    ['conv256_down_out', []],
  ] as const) {
    out = residualDown(out, sub(params, down), channels);
    channels = channelsOf(sub(params, down));
    for (const name of rest) out = residual(out, sub(params, name));
  }
  const mean = g.node('ReduceMean', [out], { axes: [1, 2], keepdims: { int: 0 } });
  const fc = tensor(params, 'fc');
  g.output(g.node('MatMul', [mean, g.constant(f32(fc), fc.shape, 'fc')]), 'descriptor');
  return g.model(
    [{ name: 'input', dims: ['N', 150, 150, 3] }],
    [{ name: 'descriptor', dims: ['N', 128] }],
  );
}

/** FaceLandmark68Net: a [N,112,112,3] 0..255 batch -> [N,136] raw landmarks (0..1 of the input). */
export function landmarkGraph(extractor: Params, classifier: Params): Uint8Array {
  const g = new GraphBuilder();
  const separable = (x: string, p: Params, stride: number) => {
    const dw = conv(g, x, tensor(p, 'depthwise_filter'), undefined, stride, 'SAME', true);
    const pw = conv(g, dw, tensor(p, 'pointwise_filter'), undefined, 1, 'SAME');
    const b = tensor(p, 'bias');
    return g.node('Add', [pw, g.constant(f32(b), b.shape, 'b')]);
  };
  const add = (a: string, b: string) => g.node('Add', [a, b]);
  const relu = (a: string) => g.node('Relu', [a]);
  const denseBlock4 = (x: string, p: Params, first: boolean) => {
    const c0 = sub(p, 'conv0');
    const out1 = relu(
      first
        ? g.node('Add', [
            conv(g, x, tensor(c0, 'filters'), undefined, 2, 'SAME'),
            g.constant(f32(tensor(c0, 'bias')), tensor(c0, 'bias').shape, 'b'),
          ])
        : separable(x, c0, 2),
    );
    const out2 = separable(out1, sub(p, 'conv1'), 1);
    const out3 = separable(relu(add(out1, out2)), sub(p, 'conv2'), 1);
    const out4 = separable(relu(add(out1, add(out2, out3))), sub(p, 'conv3'), 1);
    return relu(add(out1, add(out2, add(out3, out4))));
  };
  let out = normalized(g, 'input');
  for (const [i, name] of ['dense0', 'dense1', 'dense2', 'dense3'].entries())
    out = denseBlock4(out, sub(extractor, name), i === 0);
  out = g.pool('AveragePool', out, [7, 7], [2, 2], 'VALID');
  const flat = g.node('Reshape', [out, g.ints64([0, -1])]);
  const fc = sub(classifier, 'fc');
  const w = tensor(fc, 'weights');
  const b = tensor(fc, 'bias');
  const y = g.node('Add', [
    g.node('MatMul', [flat, g.constant(f32(w), w.shape, 'fc')]),
    g.constant(f32(b), b.shape, 'b'),
  ]);
  g.output(y, 'landmarks');
  return g.model(
    [{ name: 'input', dims: ['N', 112, 112, 3] }],
    [{ name: 'landmarks', dims: ['N', 136] }],
  );
}

/**
 * SsdMobilenetv1: a [N,512,512,3] 0..255 batch -> decoded boxes [N,A,4] (top, left, bottom,
 * right, 0..1) and face scores [N,A], as face-api's outputLayer returns them.
 */
export function ssdGraph(params: Params): Uint8Array {
  const g = new GraphBuilder();
  const clip6 = (x: string) =>
    g.node('Clip', [
      x,
      g.constant(Float32Array.of(0), [], 'lo'),
      g.constant(Float32Array.of(6), [], 'hi'),
    ]);
  const pointwise = (x: string, p: Params, stride: number) =>
    clip6(conv(g, x, tensor(p, 'filters'), tensor(p, 'batch_norm_offset'), stride, 'SAME'));
  const depthwise = (x: string, p: Params, stride: number) => {
    // tf.batchNorm: (x - mean) * (scale / sqrt(variance + epsilon)) + offset, folded into
    // the depthwise filter and a bias (float rounding apart, the same; lets onnxruntime fuse).
    const mean = f32(tensor(p, 'batch_norm_mean'));
    const variance = f32(tensor(p, 'batch_norm_variance'));
    const scale = f32(tensor(p, 'batch_norm_scale'));
    const offset = f32(tensor(p, 'batch_norm_offset'));
    const filters = tensor(p, 'filters');
    const w = Float32Array.from(f32(filters));
    const channels = mean.length;
    const bias = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const inv = (1 / Math.sqrt(variance[c] + 0.0010000000474974513)) * scale[c];
      for (let k = c; k < w.length; k += channels) w[k] *= inv;
      bias[c] = offset[c] - mean[c] * inv;
    }
    const out = g.conv(x, { data: w, dims: filters.shape }, bias, {
      strides: [stride, stride],
      pads: 'SAME',
      depthwise: true,
    });
    return clip6(out);
  };
  const x = g.node('Sub', [
    g.node('Div', ['input', g.constant(Float32Array.of(127.5), [], 'c')]),
    g.constant(Float32Array.of(1), [], 'one'),
  ]);
  const mobilenet = sub(params, 'mobilenetv1');
  let out = pointwise(x, sub(mobilenet, 'conv_0'), 2);
  let conv11 = '';
  for (let i = 1; i <= 13; i++) {
    const p = sub(mobilenet, `conv_${i}`);
    out = depthwise(out, sub(p, 'depthwise_conv'), [2, 4, 6, 12].includes(i) ? 2 : 1);
    out = pointwise(out, sub(p, 'pointwise_conv'), 1);
    if (i === 11) conv11 = out;
  }
  const pred = sub(params, 'prediction_layer');
  const convs: string[] = [];
  let prev = out;
  for (let i = 0; i < 8; i++) {
    prev = pointwise(prev, sub(pred, `conv_${i}`), i % 2 === 1 ? 2 : 1);
    convs.push(prev);
  }
  const sources = [conv11, out, convs[1], convs[3], convs[5], convs[7]];
  const boxes: string[] = [];
  const classes: string[] = [];
  sources.forEach((s, i) => {
    const p = sub(pred, `box_predictor_${i}`);
    const be = sub(p, 'box_encoding_predictor');
    const cp = sub(p, 'class_predictor');
    boxes.push(
      g.node('Reshape', [
        conv(g, s, tensor(be, 'filters'), tensor(be, 'bias'), 1, 'SAME'),
        g.ints64([0, -1, 4]),
      ]),
    );
    classes.push(
      g.node('Reshape', [
        conv(g, s, tensor(cp, 'filters'), tensor(cp, 'bias'), 1, 'SAME'),
        g.ints64([0, -1, 3]),
      ]),
    );
  });
  const enc = g.node('Concat', boxes, { axis: { int: 1 } });
  const cls = g.node('Concat', classes, { axis: { int: 1 } });
  // Anchors: sizes and centres as face-api computes them (float32 ops).
  const anchors = f32(tensor(sub(params, 'output_layer'), 'extra_dim'));
  const count = anchors.length / 4;
  const [s0, s1, c0, c1] = [0, 1, 2, 3].map(() => new Float32Array(count));
  for (let i = 0; i < count; i++) {
    const a = anchors.subarray(i * 4, i * 4 + 4);
    s0[i] = Math.fround(a[2] - a[0]);
    s1[i] = Math.fround(a[3] - a[1]);
    c0[i] = Math.fround(a[0] + Math.fround(s0[i] / 2));
    c1[i] = Math.fround(a[1] + Math.fround(s1[i] / 2));
  }
  const k = (d: Float32Array, hint: string) => g.constant(d, [count, 1], hint);
  const v = [0, 1, 2, 3].map((i) =>
    g.node('Slice', [enc, g.ints64([i]), g.ints64([i + 1]), g.ints64([2])], undefined, `v${i}`),
  );
  const scalar = (n: number) => g.constant(Float32Array.of(n), [], 'c');
  const half = (vi: string, s: string) =>
    g.node('Div', [g.node('Mul', [g.node('Exp', [g.node('Div', [vi, scalar(5)])]), s]), scalar(2)]);
  const centre = (vi: string, s: string, c: string) =>
    g.node('Add', [g.node('Mul', [g.node('Div', [vi, scalar(10)]), s]), c]);
  const [S0, S1, C0, C1] = [k(s0, 's0'), k(s1, 's1'), k(c0, 'c0'), k(c1, 'c1')];
  const div0 = half(v[2], S0);
  const add0 = centre(v[0], S0, C0);
  const div1 = half(v[3], S1);
  const add1 = centre(v[1], S1, C1);
  const decoded = g.node(
    'Concat',
    [
      g.node('Sub', [add0, div0]),
      g.node('Sub', [add1, div1]),
      g.node('Add', [add0, div0]),
      g.node('Add', [add1, div1]),
    ],
    { axis: { int: 2 } },
  );
  g.output(decoded, 'boxes');
  const score = g.node('Slice', [cls, g.ints64([1]), g.ints64([2]), g.ints64([2])]);
  g.output(g.node('Sigmoid', [g.node('Squeeze', [score, g.ints64([2])])]), 'scores');
  return g.model(
    [{ name: 'input', dims: ['N', 512, 512, 3] }],
    [
      { name: 'boxes', dims: ['N', count, 4] },
      { name: 'scores', dims: ['N', count] },
    ],
  );
}

/** The little of face-api's TensorFlow.js and nets used to swap the networks. */
interface Tensor extends ParamTensor {
  dispose(): void;
}
interface Tf {
  tidy<T>(run: () => T): T;
  cast(x: Tensor, dtype: string): Tensor;
  tensor(data: Float32Array, shape: number[], dtype: 'float32'): Tensor;
  unstack(x: Tensor): Tensor[];
}
interface NetInputLike {
  toBatchTensor(size: number, centre?: boolean): Tensor;
}
interface Net {
  params: Params;
  forwardInput(input: NetInputLike): unknown;
}
interface LandmarkNet extends Net {
  runNet(input: NetInputLike | Tensor): Tensor;
  faceFeatureExtractor: { params: Params };
}

/** face-api's nets that `syn` uses (loaded instances). */
export interface FaceApiNets {
  ssd: unknown;
  landmarks: unknown;
  recognition: unknown;
}

/** Switches the nets given to `faceApiOnOrt` between TensorFlow.js and onnxruntime. */
export interface FaceApiSwitch {
  tfjs(): void;
  ort(): void;
}

/** Runs a batch (0..255, NHWC) through a session; outputs as tensors of face-api's tf. */
function runner(tf: Tf, model: Uint8Array) {
  const session = SyncSession.open(model);
  return (batch: Tensor): Tensor[] => {
    const raw = batch.dataSync();
    const res = session.run({
      data: raw instanceof Float32Array ? raw : Float32Array.from(raw),
      dims: batch.shape,
    });
    return session.outputNames.map((n) => tf.tensor(res[n].data, [...res[n].dims], 'float32'));
  };
}

/**
 * Moves face-api's recognition, 68-landmark and SSD nets (loaded instances; `tf` and
 * `NetInput` of the same face-api build) onto onnxruntime; returns switches between the two.
 */
export function faceApiOnOrt(
  faceTf: unknown,
  NetInput: abstract new (...args: never[]) => unknown,
  nets: FaceApiNets,
): FaceApiSwitch {
  const tf = faceTf as Tf;
  const rec = nets.recognition as Net;
  const lm = nets.landmarks as LandmarkNet;
  const ssd = nets.ssd as Net;
  const recRun = runner(tf, recognitionGraph(rec.params));
  const lmRun = runner(tf, landmarkGraph(lm.faceFeatureExtractor.params, lm.params));
  const ssdRun = runner(tf, ssdGraph(ssd.params));
  const batch = (input: NetInputLike, size: number, centre: boolean) =>
    tf.cast(input.toBatchTensor(size, centre), 'float32');

  const originals = { rec: rec.forwardInput, lm: lm.runNet, ssd: ssd.forwardInput };
  const replaced = {
    rec: (input: NetInputLike) => tf.tidy(() => recRun(batch(input, 150, true))[0]),
    lm(this: LandmarkNet, input: NetInputLike | Tensor) {
      if (!(input instanceof NetInput)) return originals.lm.call(this, input);
      return tf.tidy(() => lmRun(batch(input as NetInputLike, 112, true))[0]);
    },
    ssd: (input: NetInputLike) =>
      tf.tidy(() => {
        const [boxes, scores] = ssdRun(batch(input, 512, false));
        return { boxes: tf.unstack(boxes), scores: tf.unstack(scores) };
      }),
  };
  const set = (which: typeof originals | typeof replaced) => {
    rec.forwardInput = which.rec as Net['forwardInput'];
    lm.runNet = which.lm as LandmarkNet['runNet'];
    ssd.forwardInput = which.ssd as Net['forwardInput'];
  };
  set(replaced);
  return { tfjs: () => set(originals), ort: () => set(replaced) };
}
