/**
 * 8-bit integer inference for convolutional detectors, written in memory from their float
 * weights, which onnxruntime runs on the CPU's integer dot-product instructions. Two forms:
 *
 * - `quantizedModel` (RetinaFace MobileNet-0.25, opset 12): every Conv, with the
 *   BatchNormalization and Relu after it, becomes one `QLinearConv` (uint8 activations, int8
 *   weights per output channel, int32 bias); everything else (Add, Resize, Concat, the heads'
 *   reshapes and softmax) stays in float, with `QuantizeLinear` / `DequantizeLinear` where the
 *   two meet. The heads' own convolutions (scores, boxes, landmarks) stay float too. Opset 10
 *   operators only, so the model keeps its own opset.
 * - `qdqModel` (Veil's detectors, opset 13+, SiLU activations): QuantizeLinear /
 *   DequantizeLinear pairs on the activations and int8 weights behind DequantizeLinear, which
 *   onnxruntime fuses into integer operators; the heads and the picture up to the first
 *   convolution stay float.
 *
 * Activation ranges come from running the float model on calibration pictures
 * (`calibrationModel`, `RangeSampler`, `scripts/calibrate-int8.ts`) and are committed beside the
 * weights (`int8Model` checks they belong to them); weights and biases are quantized here.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import {
  concat,
  lengthField,
  nodeView,
  readFields,
  valueInfoName,
  type NodeView,
  type WireField,
} from './onnx-graph.ts';
import { DataType, encodeTensor, encodeValueInfo, type TensorData } from './onnx-writer.ts';
import { AttrField, GraphField, ModelField, NodeField, TensorField } from './onnx-fields.ts';

const text = new TextDecoder();
const utf8 = new TextEncoder();

type Node = NodeView;

/** A Conv with the BatchNormalization and Relu that follow it alone, as one quantized op. */
export interface ConvChain {
  conv: Node;
  norm?: Node;
  relu?: Node;
  /** The tensor the Conv reads and the one the chain's last node writes. */
  input: string;
  output: string;
}

/** [min, max] of a tensor over the calibration pictures. */
export type TensorRanges = Record<string, [number, number]>;

/** A float attribute of a node (BatchNormalization's epsilon), else `fallback`. */
function floatAttr(node: Node, name: string, fallback: number): number {
  for (const a of node.attrs) {
    const fields = readFields(a.data!);
    const n = fields.find((f) => f.no === AttrField.name)?.data;
    const f = fields.find((x) => x.no === AttrField.f && x.wire === 5);
    if (n && text.decode(n) === name && f) {
      const b = f.raw.subarray(-4);
      return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
    }
  }
  return fallback;
}

interface Weights {
  dims: number[];
  data: Float32Array;
}

/** A float initializer's dims and values (raw_data or float_data), else undefined. */
function floatTensor(raw: Uint8Array): { name: string; weights?: Weights } {
  const fields = readFields(raw);
  const name = text.decode(fields.find((f) => f.no === TensorField.name)?.data ?? new Uint8Array());
  if (
    (fields.find((f) => f.no === TensorField.dataType)?.varint ?? DataType.FLOAT) !== DataType.FLOAT
  )
    return { name };
  const dims: number[] = [];
  for (const f of fields.filter((x) => x.no === TensorField.dims)) {
    if (f.varint !== undefined) dims.push(f.varint);
  }
  const bytes =
    fields.find((f) => f.no === TensorField.rawData)?.data ??
    fields.find((f) => f.no === TensorField.floatData && f.data)?.data;
  if (!bytes) return { name };
  const data = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return { name, weights: { dims, data } };
}

interface Parsed {
  graphFields: WireField[];
  nodes: Node[];
  weights: Map<string, Weights>;
  outputs: Set<string>;
}

function parse(model: Uint8Array): Parsed {
  const graph = readFields(model).find((f) => f.no === ModelField.graph)?.data;
  if (!graph) throw new Error('no graph in ONNX model');
  const graphFields = readFields(graph);
  const weights = new Map<string, Weights>();
  for (const f of graphFields.filter((x) => x.no === GraphField.initializer)) {
    const t = floatTensor(f.data!);
    if (t.weights) weights.set(t.name, t.weights);
  }
  const outputs = new Set(
    graphFields.filter((f) => f.no === GraphField.output).map((f) => valueInfoName(f.data!)),
  );
  const nodes = graphFields.filter((f) => f.no === GraphField.node).map((f) => nodeView(f.data!));
  // Exporters share a weight between layers through an Identity node: its output is that weight.
  for (const n of nodes) {
    const w = n.op === 'Identity' ? weights.get(n.inputs[0]) : undefined;
    if (w) weights.set(n.outputs[0], w);
  }
  return { graphFields, nodes, weights, outputs };
}

/**
 * The Conv chains to quantize: a Conv with float weights, then the BatchNormalization that alone
 * reads it, then the Relu that alone reads that. A Conv without normalisation that no other Conv
 * reads (a head) is left in float.
 */
export function convChains(model: Uint8Array): ConvChain[] {
  return chainsOf(parse(model));
}

function chainsOf(p: Parsed): ConvChain[] {
  const readers = new Map<string, Node[]>();
  for (const n of p.nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const only = (t: string, op: string) => {
    const r = readers.get(t) ?? [];
    return r.length === 1 && r[0].op === op && r[0].inputs[0] === t && !p.outputs.has(t)
      ? r[0]
      : undefined;
  };
  const chains: ConvChain[] = [];
  for (const conv of p.nodes) {
    if (conv.op !== 'Conv' || !p.weights.has(conv.inputs[1])) continue;
    if (conv.inputs[2] !== undefined && !p.weights.has(conv.inputs[2])) continue;
    const norm = only(conv.outputs[0], 'BatchNormalization');
    if (norm && !norm.inputs.slice(1).every((n) => p.weights.has(n))) continue;
    const relu = only((norm ?? conv).outputs[0], 'Relu');
    const output = (relu ?? norm ?? conv).outputs[0];
    const head = !norm && !(readers.get(output) ?? []).some((r) => r.op === 'Conv');
    if (!head) chains.push({ conv, norm, relu, input: conv.inputs[0], output });
  }
  return chains;
}

/** The tensors whose ranges `quantizedModel` needs: each chain's input and output. */
export function rangeTensors(model: Uint8Array): string[] {
  const chains = convChains(model);
  return [...new Set(chains.flatMap((c) => [c.input, c.output]))];
}

/** The model with `names` as extra float outputs, to read their ranges. */
export function calibrationModel(model: Uint8Array, names: readonly string[]): Uint8Array {
  const extra = names.map((name) => lengthField(GraphField.output, encodeValueInfo({ name })));
  return rebuild(model, (fields) => [...fields.map((f) => f.raw), ...extra]);
}

function rebuild(model: Uint8Array, graph: (fields: WireField[]) => Uint8Array[]): Uint8Array {
  return concat(
    readFields(model).map((f) =>
      f.no === ModelField.graph && f.data
        ? lengthField(ModelField.graph, concat(graph(readFields(f.data))))
        : f.raw,
    ),
  );
}

/** uint8 scale and zero point covering [min, max] and 0. */
export function activationScale([min, max]: [number, number]): { scale: number; zero: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zero: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/** BatchNormalization folded into the Conv's weights and bias (float64 arithmetic). */
function folded(chain: ConvChain, weights: Map<string, Weights>): { w: Weights; b: Float64Array } {
  const w = weights.get(chain.conv.inputs[1])!;
  const out = w.dims[0];
  const per = w.data.length / out;
  const bias = chain.conv.inputs[2] ? weights.get(chain.conv.inputs[2])!.data : undefined;
  const b = new Float64Array(out).map((_, c) => bias?.[c] ?? 0);
  if (!chain.norm) return { w, b };
  const [gamma, beta, mean, variance] = chain.norm.inputs.slice(1).map((n) => weights.get(n)!.data);
  const eps = floatAttr(chain.norm, 'epsilon', 1e-5);
  const data = new Float32Array(w.data.length);
  for (let c = 0; c < out; c++) {
    const k = gamma[c] / Math.sqrt(variance[c] + eps);
    for (let i = 0; i < per; i++) data[c * per + i] = w.data[c * per + i] * k;
    b[c] = (b[c] - mean[c]) * k + beta[c];
  }
  return { w: { dims: w.dims, data }, b };
}

/**
 * int8 weights per output channel (symmetric, -levels..levels) and their scales: 127 where the
 * CPU has 8-bit dot products, 63 on AVX2 without them (`int8WeightLevels`).
 */
export function quantizeWeights(w: Weights, levels = 127): { q: Int8Array; scales: Float32Array } {
  const out = w.dims[0];
  const per = w.data.length / out;
  const q = new Int8Array(w.data.length);
  const scales = new Float32Array(out);
  for (let c = 0; c < out; c++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w.data[c * per + i]));
    const s = m > 0 ? m / levels : 1;
    scales[c] = s;
    for (let i = 0; i < per; i++) {
      q[c * per + i] = Math.max(-levels, Math.min(levels, Math.round(w.data[c * per + i] / s)));
    }
  }
  return { q, scales };
}

function node(op: string, inputs: string[], output: string, attrs: WireField[] = []): Uint8Array {
  return lengthField(
    GraphField.node,
    concat([
      ...inputs.map((i) => lengthField(NodeField.input, utf8.encode(i))),
      lengthField(NodeField.output, utf8.encode(output)),
      lengthField(NodeField.name, utf8.encode(`${output}__${op}`)),
      lengthField(NodeField.opType, utf8.encode(op)),
      ...attrs.map((a) => a.raw),
    ]),
  );
}

const initializer = (t: TensorData) => lengthField(GraphField.initializer, encodeTensor(t));

/**
 * The uint8 scale and zero point of activation `t` from its calibrated range, as the
 * initializers `${t}__s` and `${t}__z`. Throws when the range is missing.
 */
function activationInits(t: string, ranges: TensorRanges): { scale: number; inits: Uint8Array[] } {
  const r = ranges[t];
  if (!r) throw new Error(`no calibration range for ${t}`);
  const { scale, zero } = activationScale(r);
  return {
    scale,
    inits: [
      initializer({ name: `${t}__s`, dims: [], data: Float32Array.of(scale) }),
      initializer({ name: `${t}__z`, dims: [], data: Uint8Array.of(zero) }),
    ],
  };
}

/**
 * The model with every Conv chain as a `QLinearConv`, `ranges` giving each chain's input and
 * output range (`rangeTensors`), weights within +-`levels` (`quantizeWeights`). Throws when a
 * range is missing. The first chain, which reads the picture, is quantized too: kept float it
 * ran faster but moved which borderline small faces video loses (video/README.md).
 */
export function quantizedModel(model: Uint8Array, ranges: TensorRanges, levels = 127): Uint8Array {
  const p = parse(model);
  const chains = chainsOf(p);
  const byFirst = new Map(chains.map((c) => [c.conv, c]));
  const inChain = new Set(chains.flatMap((c) => [c.conv, c.norm, c.relu]).filter(Boolean));
  const chainConvs = new Set(chains.map((c) => c.conv));
  // Weights the chains replace, dropped unless something else reads them.
  const replaced = new Set(
    chains.flatMap((c) => [...c.conv.inputs.slice(1), ...(c.norm?.inputs.slice(1) ?? [])]),
  );
  const readElsewhere = new Set(p.nodes.filter((n) => !inChain.has(n)).flatMap((n) => n.inputs));
  const inits: Uint8Array[] = [];
  const activation = new Map<string, number>();
  const scalars = (t: string) => {
    const a = activationInits(t, ranges);
    activation.set(t, a.scale);
    inits.push(...a.inits);
  };
  const quantized = new Set<string>();
  const nodes: Uint8Array[] = [];
  for (const n of p.nodes) {
    if (inChain.has(n) && !byFirst.has(n)) continue;
    const chain = byFirst.get(n);
    if (!chain) {
      nodes.push(lengthField(GraphField.node, n.raw));
      continue;
    }
    const x = chain.input;
    if (!quantized.has(x)) {
      // A float tensor entering a chain: quantized once, before its first chain.
      scalars(x);
      nodes.push(node('QuantizeLinear', [x, `${x}__s`, `${x}__z`], `${x}__q`));
      quantized.add(x);
    }
    const y = chain.output;
    scalars(y);
    quantized.add(y);
    const { w, b } = folded(chain, p.weights);
    const { q, scales } = quantizeWeights(w, levels);
    const xs = activation.get(x)!;
    const name = chain.conv.outputs[0];
    inits.push(
      initializer({ name: `${name}__wq`, dims: w.dims, data: q }),
      initializer({ name: `${name}__ws`, dims: [scales.length], data: scales }),
      initializer({
        name: `${name}__wz`,
        dims: [scales.length],
        data: new Int8Array(scales.length),
      }),
      initializer({
        name: `${name}__b`,
        dims: [b.length],
        data: Int32Array.from(b, (v, c) => Math.round(v / (xs * scales[c]))),
      }),
    );
    nodes.push(
      node(
        'QLinearConv',
        [`${x}__q`, `${x}__s`, `${x}__z`, `${name}__wq`, `${name}__ws`, `${name}__wz`].concat([
          `${y}__s`,
          `${y}__z`,
          `${name}__b`,
        ]),
        `${y}__q`,
        chain.conv.attrs,
      ),
    );
    // Read in float by anything but a chain's Conv, or a graph output: dequantized.
    const floatReaders = p.nodes.some(
      (r) => r.inputs.includes(y) && !(chainConvs.has(r) && r.inputs[0] === y),
    );
    if (floatReaders || p.outputs.has(y)) {
      nodes.push(node('DequantizeLinear', [`${y}__q`, `${y}__s`, `${y}__z`], y));
    }
  }
  return rebuild(model, (fields) => [
    ...nodes,
    ...fields
      .filter((f) => f.no !== GraphField.node)
      .filter((f) => {
        if (f.no !== GraphField.initializer) return true;
        const name = floatTensor(f.data!).name;
        return !replaced.has(name) || readElsewhere.has(name);
      })
      .map((f) => f.raw),
    ...inits,
  ]);
}

/**
 * Ranges from calibration runs: every 16th value of each tensor kept, each range cut at a
 * percentile of them (100: min and max). A Relu's output, never negative, keeps 0 as its floor.
 */
export class RangeSampler {
  private samples = new Map<string, number[]>();

  add(name: string, values: ArrayLike<number>): void {
    const kept = this.samples.get(name) ?? [];
    for (let i = 0; i < values.length; i += 16) kept.push(values[i]);
    this.samples.set(name, kept);
  }

  ranges(percentile: number): TensorRanges {
    const out: TensorRanges = {};
    for (const [name, kept] of this.samples) {
      const sorted = Float32Array.from(kept).sort();
      const at = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor((p / 100) * sorted.length)))];
      const lo = percentile >= 100 ? sorted[0] : at(100 - percentile);
      const hi = percentile >= 100 ? sorted[sorted.length - 1] : at(percentile);
      out[name] = [Number(lo.toPrecision(6)), Number(hi.toPrecision(6))];
    }
    return out;
  }
}

/**
 * Opset 13+ models (Veil's own detectors, whose SiLU activations are Sigmoid and Mul): the
 * float activations to quantize: every node's output but constants', and the float graph
 * inputs, leaving out what the graph outputs (the heads' convolutions stay float).
 */
export function qdqTensors(model: Uint8Array): string[] {
  const p = parse(model);
  const constants = new Set(p.nodes.filter((n) => n.op === 'Constant').flatMap((n) => n.outputs));
  const read = new Set(p.nodes.flatMap((n) => n.inputs));
  // The heads: whatever a graph output is computed from after the last convolutions, those
  // convolutions' outputs included.
  const producer = new Map(p.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const tail = new Set<string>();
  const todo = [...p.outputs];
  while (todo.length > 0) {
    const t = todo.pop()!;
    if (tail.has(t)) continue;
    tail.add(t);
    const n = producer.get(t);
    if (n && n.op !== 'Conv') todo.push(...n.inputs.filter((i) => !p.weights.has(i)));
  }
  const inputs = graphInputNames(p).filter((n) => !p.weights.has(n));
  const outputs = p.nodes.filter((n) => n.op !== 'Constant').flatMap((n) => n.outputs);
  const image = imageTensors(p);
  return [...inputs, ...outputs].filter(
    (t) =>
      t !== '' &&
      read.has(t) &&
      !constants.has(t) &&
      !tail.has(t) &&
      !p.weights.has(t) &&
      !image.has(t),
  );
}

/**
 * The picture's side of a QDQ model, kept float: the graph inputs and what element-wise nodes
 * make of them (a scaling Mul) up to the first convolutions, where those read 3 colour
 * channels. There the 8-bit kernel has little to gain and its im2col a lot to lose (one
 * thread, AVX2 without VNNI: RetinaFace's first conv at 544 x 960 took 5.3-8.5 ms in 8 bits,
 * with the input's QuantizeLinear 0.6, against 2.9-4.0 in float; the plate detector's runs at
 * 640 x 384 went 34-38 -> 29-33 ms with its stem float).
 */
function imageTensors(p: Parsed): Set<string> {
  const image = new Set(graphInputNames(p).filter((n) => !p.weights.has(n)));
  for (const n of p.nodes) {
    if (n.op !== 'Conv' && n.inputs.some((i) => image.has(i)))
      for (const o of n.outputs) image.add(o);
  }
  const narrow = p.nodes
    .filter((n) => n.op === 'Conv' && image.has(n.inputs[0]))
    .every((n) => (p.weights.get(n.inputs[1])?.dims[1] ?? Infinity) < 4);
  return narrow ? image : new Set();
}

function graphInputNames(p: Parsed): string[] {
  return p.graphFields.filter((f) => f.no === GraphField.input).map((f) => valueInfoName(f.data!));
}

/** A node's bytes with its inputs renamed by `rename` (other fields as they were). */
function renamedInputs(n: Node, rename: (name: string) => string): Uint8Array {
  return concat(
    readFields(n.raw).map((f) =>
      f.no === NodeField.input && f.data
        ? lengthField(NodeField.input, utf8.encode(rename(text.decode(f.data))))
        : f.raw,
    ),
  );
}

// AttributeProto axis = 0: name (1), i (3) 0, type (20) INT (2).
const AXIS_0 = {
  raw: lengthField(
    NodeField.attribute,
    concat([
      lengthField(AttrField.name, utf8.encode('axis')),
      Uint8Array.of(0x18, 0, 0xa0, 0x01, 2),
    ]),
  ),
} as WireField;

/**
 * The QDQ form of an opset 13+ `model` given each `qdqTensors` tensor's range: every such
 * activation gets a QuantizeLinear / DequantizeLinear pair, every Conv reading one int8 weights
 * per output channel behind a DequantizeLinear (its bias int32 at the input's scale times the
 * weight's; weights within +-`levels`), and onnxruntime fuses the pairs into integer operators
 * where it has them (QLinearConv, QLinearSigmoid, QLinearMul, QLinearAdd, QLinearConcat).
 */
export function qdqModel(model: Uint8Array, ranges: TensorRanges, levels = 127): Uint8Array {
  const p = parse(model);
  const tensors = new Set(qdqTensors(model));
  const inits: Uint8Array[] = [];
  const nodes: Uint8Array[] = [];
  const scales = new Map<string, number>();
  const pair = (t: string) => {
    const a = activationInits(t, ranges);
    scales.set(t, Math.fround(a.scale));
    inits.push(...a.inits);
    nodes.push(
      node('QuantizeLinear', [t, `${t}__s`, `${t}__z`], `${t}__q`),
      node('DequantizeLinear', [`${t}__q`, `${t}__s`, `${t}__z`], `${t}__dq`),
    );
  };
  const dequantized = (name: string, q: TensorData, s: Float32Array, zero: TensorData['data']) => {
    inits.push(
      initializer({ ...q, name: `${name}__q` }),
      initializer({ name: `${name}__s`, dims: [s.length], data: s }),
      initializer({ name: `${name}__z`, dims: [s.length], data: zero }),
    );
    nodes.push(
      node('DequantizeLinear', [`${name}__q`, `${name}__s`, `${name}__z`], name, [AXIS_0]),
    );
  };
  const replaced = new Set<string>();
  // Weights shared through an Identity node that a quantized Conv reads: the node goes, the
  // weight's DequantizeLinear writes its output.
  const quantizedWeights = new Set(
    p.nodes
      .filter((n) => n.op === 'Conv' && tensors.has(n.inputs[0]) && p.weights.has(n.inputs[1]))
      .flatMap((n) => n.inputs.slice(1)),
  );
  for (const t of graphInputNames(p)) if (tensors.has(t)) pair(t);
  for (const n of p.nodes) {
    if (n.op === 'Identity' && quantizedWeights.has(n.outputs[0])) continue;
    const [x, wName, bName] = n.inputs;
    const w = n.op === 'Conv' ? p.weights.get(wName) : undefined;
    if (w && tensors.has(x) && !replaced.has(wName)) {
      replaced.add(wName);
      const { q, scales: ws } = quantizeWeights(w, levels);
      dequantized(wName, { dims: w.dims, data: q }, ws, new Int8Array(ws.length));
      const b = bName ? p.weights.get(bName) : undefined;
      if (b && !replaced.has(bName)) {
        replaced.add(bName);
        const bs = Float32Array.from(ws, (s) => scales.get(x)! * s);
        const bq = Int32Array.from(b.data, (v, c) => Math.round(v / bs[c]));
        dequantized(bName, { dims: [bq.length], data: bq }, bs, new Int32Array(bs.length));
      }
    }
    nodes.push(
      lengthField(
        GraphField.node,
        renamedInputs(n, (i) => (tensors.has(i) ? `${i}__dq` : i)),
      ),
    );
    for (const t of n.outputs) if (tensors.has(t)) pair(t);
  }
  return rebuild(model, (fields) => [
    ...nodes,
    ...fields
      .filter((f) => f.no !== GraphField.node)
      .filter((f) => f.no !== GraphField.initializer || !replaced.has(floatTensor(f.data!).name))
      .map((f) => f.raw),
    ...inits,
  ]);
}

/**
 * The largest 8-bit weight magnitude this CPU computes exactly and fast, 0 where the float models
 * run. 127 with 8-bit dot products (x86 VNNI, Arm's dot product), which add into 32 bits. 63 on
 * x86 with AVX2 but no VNNI: onnxruntime's kernels there (vpmaddubsw) add each pair of uint8 x
 * int8 products into 16 bits with saturation, which 255 x 127 x 2 overflows and 255 x 63 x 2 =
 * 32130 does not. Measured on an AMD EPYC with AVX2 (Veil's plate detector at 640 px, 16 plate
 * photos, mean |output - float output|): 127 levels 0.092 (saturated), 63 levels 0.038, the exact
 * int8 arithmetic at 127 levels 0.033; 63 levels are as fast (71 ms against 104 in float).
 */
export function int8WeightLevels(cpuinfo = readCpuinfo()): number {
  if (/^(flags|Features)\s*:.*\b(avx512_vnni|avx_vnni|asimddp)\b/m.test(cpuinfo)) return 127;
  if (/^flags\s*:.*\bavx2\b/m.test(cpuinfo)) return 63;
  return 0;
}

/** /proc/cpuinfo, or '' where there is none (not Linux). */
export function readCpuinfo(): string {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/**
 * The 8-bit model `build` makes from the ranges committed in `rangesFile` for the weights in
 * `weightsFile`, with this CPU's weight `levels` (`int8WeightLevels`); `{ why }` instead when
 * the CPU has no fast 8-bit path, the ranges are missing, or they were measured on other
 * weights (their SHA-256 differs).
 */
export function int8Model(
  weightsFile: string,
  rangesFile: string,
  build: (ranges: TensorRanges, levels: number) => Uint8Array,
  levels = int8WeightLevels(),
): { bytes: Uint8Array } | { why: string } {
  if (!levels) return { why: 'the CPU has neither 8-bit dot products (VNNI) nor AVX2' };
  let saved: { sha256: string; ranges: TensorRanges };
  try {
    saved = JSON.parse(fs.readFileSync(rangesFile, 'utf8'));
  } catch {
    return { why: `no activation ranges at ${rangesFile}` };
  }
  if (weightsSha256(weightsFile) !== saved.sha256)
    return { why: 'the activation ranges were measured on other weights' };
  return { bytes: build(saved.ranges, levels) };
}

/** The SHA-256 (hex) of a weights file, which keys its committed activation ranges. */
export function weightsSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
