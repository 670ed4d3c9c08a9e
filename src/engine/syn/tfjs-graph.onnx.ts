/**
 * TensorFlow.js graph model (model.json: `modelTopology.node` + `weightsManifest`) -> ONNX
 * model bytes, built in memory from the weights inside the npm package (nothing converted is
 * stored). Activations stay NHWC as in TensorFlow, so every axis-dependent op (Reshape, Mean,
 * Concat, Pad) keeps its meaning; only Conv and the pools are wrapped in transposes to ONNX's
 * NCHW, which onnxruntime's transpose optimizer removes between consecutive convs.
 *
 * Covers the ops of Human's blazeface, facemesh and faceres models; anything else throws.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GraphBuilder } from '../onnx-writer.ts';
import { readWeights, type Weight, type WeightGroup } from './tfjs-weights.ts';

interface AttrValue {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  list?: { i?: (string | number)[]; s?: string[] };
  shape?: { dim?: { size: string | number }[] };
}

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

interface ModelJson {
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightGroup[];
  signature?: { outputs?: Record<string, { name: string }> };
}

export interface ConvertedGraph {
  /** ONNX model bytes. */
  model: Uint8Array;
  /** The graph's input (TensorFlow.js Placeholder name, NHWC). */
  input: string;
  /** Output names, as TensorFlow.js names the nodes (no `:0`). */
  outputs: string[];
  /** The signature's output keys (what GraphModel.outputNodes lists) -> node names. */
  aliases: Record<string, string>;
}

const text = (a?: AttrValue) => (a?.s ? Buffer.from(a.s, 'base64').toString() : '');
const ints = (a?: AttrValue) => (a?.list?.i ?? []).map(Number);
const texts = (a?: AttrValue) => (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
/** A tensor name without its output index (every op here has a single output). */
const base = (name: string) => name.replace(/:0$/, '');

const BINARY: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Mul: 'Mul',
  Sub: 'Sub',
  RealDiv: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
};

const UNARY: Record<string, string> = {
  Relu: 'Relu',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Elu: 'Elu',
  Identity: 'Identity',
};

/** The nodes `outputs` depend on, in graph order. */
function needed(nodes: TfNode[], outputs: string[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set<string>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const name = base(stack.pop()!.replace(/^\^/, '').replace(/:\d+$/, ''));
    if (keep.has(name)) continue;
    const n = byName.get(name);
    if (!n) throw new Error(`unknown node ${name}`);
    keep.add(name);
    stack.push(...(n.input ?? []));
  }
  return nodes.filter((n) => keep.has(n.name));
}

/**
 * Converts the graph model at `jsonPath` (weights beside it). `outputs`: these nodes' values
 * only, converting just what they need (a graph's own post-processing may use ops this
 * converter lacks).
 */
export async function convertGraphModel(
  jsonPath: string,
  options: { outputs?: string[] } = {},
): Promise<ConvertedGraph> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  const weights = await readWeights(path.dirname(jsonPath), json.weightsManifest);
  const g = new GraphBuilder();
  const env = new Map<string, string>();
  const consts = new Map<string, Weight>();
  const nodes = options.outputs
    ? needed(json.modelTopology.node, options.outputs)
    : json.modelTopology.node;
  let input: { name: string; dims: (number | string)[] } | undefined;

  const weight = (name: string): Weight => {
    const w = consts.get(base(name));
    if (!w) throw new Error(`${name} is not a constant`);
    return w;
  };
  const floatWeight = (name: string): Float32Array => {
    const w = weight(name);
    return w.data instanceof Float32Array ? w.data : Float32Array.from(w.data);
  };
  /** The ONNX value of a TensorFlow.js tensor (a constant becomes an initializer once). */
  const value = (name: string): string => {
    const key = base(name);
    const known = env.get(key);
    if (known) return known;
    const w = consts.get(key);
    if (!w) throw new Error(`unknown tensor ${name}`);
    const v = g.constant(w.data, w.dims, key);
    env.set(key, v);
    return v;
  };
  const activation = (x: string, op: string, n: TfNode, extra: string[]): string => {
    if (op === 'Relu') return g.node('Relu', [x]);
    if (op === 'Relu6') return clip(x, 0, 6);
    if (op === 'Prelu') return prelu(x, extra[0]);
    if (op === 'Elu') return g.node('Elu', [x]);
    if (op === 'Sigmoid') return g.node('Sigmoid', [x]);
    throw new Error(`${n.name}: unsupported fused op ${op}`);
  };
  /**
   * PRelu(x) = Relu(x) + a * min(x, 0), with a * min(x, 0) written as a per-channel 1x1
   * depthwise conv (-a) of Relu(-x), itself a depthwise conv (-1) with a Relu. onnxruntime's
   * own PRelu runs a generic broadcast loop outside its blocked (NCHWc) layout, with reorders
   * around it: 65% of facemesh's time. Convs, Relu and Add stay in the blocked layout, and
   * most Adds fuse into the conv before them: facemesh 4.2 -> 1.9 ms per run (one thread).
   * Each product is rounded once, as in PRelu; facemesh's outputs move from PRelu's by float
   * rounding (at most 6e-5 of its 192 px coordinates on 20 inputs).
   */
  const prelu = (x: string, slopeName: string): string => {
    const a = floatWeight(slopeName);
    const perChannel = (scale: Float32Array, y: string) =>
      g.conv(y, { data: scale, dims: [1, 1, a.length, 1] }, undefined, {
        strides: [1, 1],
        pads: 'VALID',
        depthwise: true,
      });
    const negativePart = g.node('Relu', [perChannel(new Float32Array(a.length).fill(-1), x)]);
    return g.node('Add', [
      perChannel(
        a.map((v) => -v),
        negativePart,
      ),
      g.node('Relu', [x]),
    ]);
  };
  const clip = (x: string, lo: number, hi: number) =>
    g.node('Clip', [
      x,
      g.constant(Float32Array.of(lo), [], 'lo'),
      g.constant(Float32Array.of(hi), [], 'hi'),
    ]);

  for (const n of nodes) {
    if (n.op !== 'Const') continue;
    const w = weights.get(n.name);
    if (!w) throw new Error(`constant ${n.name} has no weights`);
    consts.set(n.name, w);
  }
  // Who reads each node, to spot Relu -> Minimum(hi) -> Maximum(lo) (Keras' ReLU6 as
  // exported in faceres): one Clip, which onnxruntime fuses into the conv before it.
  const readers = new Map<string, TfNode[]>();
  for (const n of nodes)
    for (const i of n.input ?? []) {
      const key = base(i.replace(/^\^/, ''));
      readers.set(key, [...(readers.get(key) ?? []), n]);
    }
  const scalarOf = (name: string | undefined): number | undefined => {
    const w = name === undefined ? undefined : consts.get(base(name));
    return w && w.data.length === 1 ? Number(w.data[0]) : undefined;
  };
  const only = (n: TfNode, op: string): TfNode | undefined => {
    const r = readers.get(n.name);
    return r?.length === 1 && r[0].op === op ? r[0] : undefined;
  };
  /** A clip's bounds when `relu` starts Relu -> Minimum -> Maximum, equal to Clip(x, lo, hi). */
  const reluClip = (
    relu: TfNode,
  ): { min: TfNode; max: TfNode; lo: number; hi: number } | undefined => {
    const min = only(relu, 'Minimum');
    const max = min && only(min, 'Maximum');
    if (!min || !max) return undefined;
    const hi = scalarOf(min.input?.find((i) => base(i) !== relu.name));
    const b = scalarOf(max.input?.find((i) => base(i) !== min.name));
    if (hi === undefined || b === undefined) return undefined;
    // max(min(max(x, 0), hi), b) = clip(x, max(0, b), hi) when max(0, b) <= hi.
    const lo = Math.max(0, b);
    return lo <= hi ? { min, max, lo, hi } : undefined;
  };

  for (const n of nodes) {
    const ins = (n.input ?? []).filter((i) => !i.startsWith('^'));
    const a = n.attr ?? {};
    let out: string;
    if (env.has(n.name)) continue; // folded into an earlier node
    if (n.op === 'Relu') {
      const c = reluClip(n);
      if (c) {
        const clipped = clip(value(ins[0]), c.lo, c.hi);
        env.set(c.min.name, clipped);
        env.set(c.max.name, clipped);
        continue;
      }
    }
    switch (n.op) {
      case 'Placeholder': {
        const dims = (a.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        input = { name: n.name, dims: dims.map((d) => (d < 0 ? 'N' : d)) };
        out = n.name;
        break;
      }
      case 'Const':
        continue;
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        const depthwise = n.op.includes('Depthwise');
        const fused = texts(a.fused_ops);
        const [, f, ...rest] = ins;
        const filter = weight(f);
        const strides = ints(a.strides);
        const dil = ints(a.dilations);
        const padding = text(a.padding);
        const explicit = ints(a.explicit_paddings);
        const pads =
          padding === 'EXPLICIT'
            ? [explicit[2], explicit[3], explicit[4], explicit[5]]
            : (padding as 'SAME' | 'VALID');
        let extra = rest;
        let bias: Float32Array | undefined;
        let ops = fused;
        if (ops[0] === 'BiasAdd') {
          bias = floatWeight(extra[0]);
          extra = extra.slice(1);
          ops = ops.slice(1);
        }
        out = g.conv(value(ins[0]), { data: floatWeight(f), dims: filter.dims }, bias, {
          strides: [strides[1] ?? 1, strides[2] ?? 1],
          dilations: [dil[1] ?? 1, dil[2] ?? 1],
          pads,
          depthwise,
        });
        for (const op of ops) out = activation(out, op, n, extra);
        break;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const k = ints(a.ksize);
        const s = ints(a.strides);
        const op = n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool';
        out = g.pool(
          op,
          value(ins[0]),
          [k[1], k[2]],
          [s[1], s[2]],
          text(a.padding) as 'SAME' | 'VALID',
        );
        break;
      }
      case 'Relu6':
        out = clip(value(ins[0]), 0, 6);
        break;
      case 'Prelu':
        out = prelu(value(ins[0]), ins[1]);
        break;
      case 'Softmax':
        out = g.node('Softmax', [value(ins[0])], { axis: -1 });
        break;
      case 'Pad':
      case 'PadV2': {
        const p = Array.from(weight(ins[1]).data);
        const rank = p.length / 2;
        const pads = [...p.filter((_, i) => i % 2 === 0), ...p.filter((_, i) => i % 2 === 1)];
        const padIns = [value(ins[0]), g.ints64(pads, 'pads')];
        if (n.op === 'PadV2') padIns.push(value(ins[2]));
        if (pads.length !== rank * 2) throw new Error(`${n.name}: bad paddings`);
        out = g.node('Pad', padIns);
        break;
      }
      case 'Reshape': {
        const shape = Array.from(weight(ins[1]).data);
        if (shape.includes(0)) throw new Error(`${n.name}: zero-size reshape`);
        out = g.node('Reshape', [value(ins[0]), g.ints64(shape)]);
        break;
      }
      case 'Squeeze': {
        const axes = ints({ list: { i: a.squeeze_dims?.list?.i ?? a.axis?.list?.i } });
        const sqIns = [value(ins[0])];
        if (axes.length > 0) sqIns.push(g.ints64(axes, 'axes'));
        out = g.node('Squeeze', sqIns);
        break;
      }
      case 'ConcatV2': {
        const axis = Number(weight(ins[ins.length - 1]).data[0]);
        out = g.node('Concat', ins.slice(0, -1).map(value), { axis: { int: axis } });
        break;
      }
      case 'ResizeBilinear': {
        // Keras UpSampling2D (bilinear): twice the height and width, TF's default corners.
        if (a.align_corners?.b || a.half_pixel_centers?.b || !/up_?sampling/i.test(n.name)) {
          throw new Error(`${n.name}: only UpSampling2D's 2x bilinear resize is supported`);
        }
        const scales = g.constant(Float32Array.from([1, 2, 2, 1]), [4], 'scales');
        out = g.node('Resize', [value(ins[0]), '', scales], {
          mode: 'linear',
          coordinate_transformation_mode: 'asymmetric',
        });
        break;
      }
      case 'Mean': {
        const axes = Array.from(weight(ins[1]).data);
        out = g.node('ReduceMean', [value(ins[0])], {
          axes,
          keepdims: { int: a.keep_dims?.b ? 1 : 0 },
        });
        break;
      }
      case 'MatMul':
      case '_FusedMatMul': {
        const t = (x: string, flag?: AttrValue) =>
          flag?.b ? g.node('Transpose', [x], { perm: [1, 0] }) : x;
        out = g.node('MatMul', [t(value(ins[0]), a.transpose_a), t(value(ins[1]), a.transpose_b)]);
        let ops = texts(a.fused_ops);
        let extra = ins.slice(2);
        if (ops[0] === 'BiasAdd') {
          out = g.node('Add', [out, value(extra[0])]);
          extra = extra.slice(1);
          ops = ops.slice(1);
        }
        for (const op of ops) out = activation(out, op, n, extra);
        break;
      }
      default:
        if (BINARY[n.op]) out = g.node(BINARY[n.op], [value(ins[0]), value(ins[1])]);
        else if (UNARY[n.op])
          out = n.op === 'Identity' ? value(ins[0]) : g.node(UNARY[n.op], [value(ins[0])]);
        else throw new Error(`${n.name}: unsupported op ${n.op}`);
    }
    env.set(n.name, out);
  }
  if (!input) throw new Error('graph has no input');

  // Outputs: the signature's, else every node nobody reads (what TensorFlow.js returns).
  const read = new Set(
    nodes.flatMap((n) => (n.input ?? []).map((i) => base(i.replace(/^\^/, '')))),
  );
  const outputs = options.outputs
    ? options.outputs
    : json.signature?.outputs
      ? Object.values(json.signature.outputs).map((o) => base(o.name))
      : nodes.filter((n) => n.op !== 'Const' && !read.has(n.name)).map((n) => n.name);
  for (const o of outputs) {
    const v = env.get(o);
    if (!v) throw new Error(`unknown output ${o}`);
    g.output(v, o);
  }
  const model = g.model(
    [{ name: input.name, dims: input.dims }],
    outputs.map((o) => ({ name: o })),
  );
  const aliases: Record<string, string> = {};
  for (const [key, o] of Object.entries(json.signature?.outputs ?? {})) aliases[key] = base(o.name);
  return { model, input: input.name, outputs, aliases };
}
