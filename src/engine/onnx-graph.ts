/**
 * Minimal in-memory editing of ONNX model bytes (protobuf wire format), so that a graph exported
 * with a fixed input size (RetinaFace's 640 x 640) can run at other sizes. Only the few messages
 * on the path ModelProto.graph -> ValueInfoProto.type.tensor_type.shape.dim are decoded; every
 * other byte (weights included) is copied through unchanged.
 */
import {
  DimField,
  GraphField,
  ModelField,
  NodeField,
  ShapeField,
  TensorField,
  TensorTypeField,
  TypeField,
  ValueInfoField,
} from './onnx-fields.ts';

/** One field of a protobuf message: `data` is the payload of a length-delimited field. */
export interface WireField {
  no: number;
  wire: number;
  /** The whole field (tag included) as it appears in the message. */
  raw: Uint8Array;
  /** Payload of a length-delimited field (wire type 2); undefined for other wire types. */
  data?: Uint8Array;
  /** Value of a varint field (wire type 0). */
  varint?: number;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new RangeError('truncated varint');
    const byte = buf[pos++];
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [value, pos];
    mul *= 128;
  }
  throw new RangeError('varint longer than 10 bytes');
}

export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad varint ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** The values of a packed repeated varint field's payload. Throws on malformed input. */
export function readPackedVarints(data: Uint8Array): number[] {
  const values: number[] = [];
  for (let pos = 0; pos < data.length;) {
    const [value, next] = readVarint(data, pos);
    values.push(value);
    pos = next;
  }
  return values;
}

/** Split a message into its fields, in order. Throws on malformed input. */
export function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    pos = afterTag;
    const field: WireField = { no, wire, raw: buf };
    if (wire === 0) [field.varint, pos] = readVarint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, dataStart] = readVarint(buf, pos);
      pos = dataStart + len;
      field.data = buf.subarray(dataStart, pos);
    } else throw new RangeError(`unsupported wire type ${wire} (field ${no})`);
    if (pos > buf.length || no === 0) throw new RangeError('malformed protobuf message');
    field.raw = buf.subarray(start, pos);
    fields.push(field);
  }
  return fields;
}

export function lengthField(no: number, payload: Uint8Array): Uint8Array {
  return concat([encodeVarint(no * 8 + 2), encodeVarint(payload.length), payload]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Rebuild a message, replacing length-delimited fields `no` by `edit(payload)` (null drops it). */
function editFields(
  buf: Uint8Array,
  no: number,
  edit: (payload: Uint8Array) => Uint8Array | null,
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of readFields(buf)) {
    if (f.no !== no || f.data === undefined) {
      parts.push(f.raw);
      continue;
    }
    const next = edit(f.data);
    if (next) parts.push(lengthField(no, next));
  }
  return concat(parts);
}

const text = new TextDecoder();
const utf8 = new TextEncoder();

/** Name of a ValueInfoProto. */
export function valueInfoName(info: Uint8Array): string {
  const f = readFields(info).find((x) => x.no === ValueInfoField.name);
  return f?.data ? text.decode(f.data) : '';
}

/** Dims of a ValueInfoProto's tensor: numbers for fixed dims, strings for symbolic ones. */
export function valueInfoDims(info: Uint8Array): Array<number | string> {
  const type = readFields(info).find((x) => x.no === ValueInfoField.type)?.data;
  const tensor = type && readFields(type).find((x) => x.no === TypeField.tensorType)?.data;
  const shape = tensor && readFields(tensor).find((x) => x.no === TensorTypeField.shape)?.data;
  if (!shape) return [];
  return readFields(shape)
    .filter((f) => f.no === ShapeField.dim && f.data)
    .map((f) => {
      const parts = readFields(f.data as Uint8Array);
      const param = parts.find((p) => p.no === DimField.param)?.data;
      if (param) return text.decode(param);
      return parts.find((p) => p.no === DimField.value)?.varint ?? '?';
    });
}

function symbolicShape(shape: Uint8Array, axes: readonly number[], prefix: string): Uint8Array {
  let axis = 0;
  return editFields(shape, ShapeField.dim, (dim) => {
    const i = axis++;
    if (!axes.includes(i)) return dim;
    return lengthField(DimField.param, utf8.encode(`${prefix}_${i}`));
  });
}

function symbolicValueInfo(info: Uint8Array, axes: readonly number[]): Uint8Array {
  const prefix = valueInfoName(info).replace(/[^A-Za-z0-9_]/g, '_');
  return editFields(info, ValueInfoField.type, (type) =>
    editFields(type, TypeField.tensorType, (tensor) =>
      editFields(tensor, TensorTypeField.shape, (shape) => symbolicShape(shape, axes, prefix)),
    ),
  );
}

export interface SymbolicDimsOptions {
  /** Graph inputs to change (by name); other inputs (old exports list weights there) stay. */
  inputs: readonly string[];
  /** Axes made symbolic on those inputs and on every graph output (default H and W: [2, 3]). */
  axes?: readonly number[];
}

/**
 * A copy of the model whose named inputs and all outputs have symbolic dims on `axes`; the
 * graph's stored intermediate shapes (value_info), fixed for the old size, are dropped so the
 * runtime infers them again.
 */
export function withSymbolicDims(model: Uint8Array, options: SymbolicDimsOptions): Uint8Array {
  const axes = options.axes ?? [2, 3];
  let found = 0;
  const out = editFields(model, ModelField.graph, (graph) => {
    const parts: Uint8Array[] = [];
    for (const f of readFields(graph)) {
      if (f.no === GraphField.valueInfo) continue;
      if (f.data && f.no === GraphField.input && options.inputs.includes(valueInfoName(f.data))) {
        found++;
        parts.push(lengthField(GraphField.input, symbolicValueInfo(f.data, axes)));
      } else if (f.data && f.no === GraphField.output) {
        parts.push(lengthField(GraphField.output, symbolicValueInfo(f.data, axes)));
      } else parts.push(f.raw);
    }
    return concat(parts);
  });
  if (found !== options.inputs.length) {
    throw new Error(`model inputs ${options.inputs.join(', ')} not all found (${found})`);
  }
  return out;
}

/** Inputs (name and dims) of a model, for checks and logs. */
export function graphInputs(
  model: Uint8Array,
): Array<{ name: string; dims: Array<number | string> }> {
  const graph = readFields(model).find((f) => f.no === ModelField.graph)?.data;
  if (!graph) throw new Error('no graph in ONNX model');
  return readFields(graph)
    .filter((f) => f.no === GraphField.input && f.data)
    .map((f) => ({ name: valueInfoName(f.data!), dims: valueInfoDims(f.data!) }));
}

/** A NodeProto: its bytes, op type, input and output names, and attribute fields (raw). */
export interface NodeView {
  raw: Uint8Array;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: WireField[];
}

export function nodeView(data: Uint8Array): NodeView {
  const fields = readFields(data);
  const strings = (no: number) =>
    fields.filter((f) => f.no === no && f.data).map((f) => text.decode(f.data));
  return {
    raw: data,
    op: strings(NodeField.opType)[0] ?? '',
    inputs: strings(NodeField.input),
    outputs: strings(NodeField.output),
    attrs: fields.filter((f) => f.no === NodeField.attribute),
  };
}

/** The single float of a scalar initializer (raw_data or float_data), else undefined. */
function scalarInitializer(data: Uint8Array): { name: string; value: number } | undefined {
  const fields = readFields(data);
  const name = fields.find((f) => f.no === TensorField.name)?.data;
  const raw = fields.find((f) => f.no === TensorField.rawData)?.data;
  const packed = fields.find((f) => f.no === TensorField.floatData);
  const bytes = raw ?? packed?.data ?? (packed?.wire === 5 ? packed.raw.subarray(-4) : undefined);
  if (!name || !bytes || bytes.length !== 4) return undefined;
  const value = new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
  return { name: text.decode(name), value };
}

/** The same bytes of the same buffer (readFields makes new views on every call). */
function sameSpan(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
}

/** What `withoutInputAffine` took out of the graph: the input becomes (x - sub) * mul there. */
export interface InputAffine {
  sub: number;
  mul: number;
}

/**
 * A copy of the model without its input normalisation, when the graph starts with
 * `Sub(input, scalar)` then `Mul(that, scalar)` (RetinaFace's (x - 127.5) / 128): the nodes
 * that read the Mul's output read `input` instead, and the caller feeds (x - sub) * mul itself,
 * written while the input tensor is prepared rather than as two more passes over it inside the
 * runtime. Null when the graph does not start that way.
 */
export function withoutInputAffine(
  model: Uint8Array,
  input: string,
): { model: Uint8Array; affine: InputAffine } | null {
  const graph = readFields(model).find((f) => f.no === ModelField.graph)?.data;
  if (!graph) throw new Error('no graph in ONNX model');
  const fields = readFields(graph);
  const nodes = fields
    .filter((f) => f.no === GraphField.node && f.data)
    .map((f) => nodeView(f.data!));
  const scalars = new Map<string, number>();
  for (const f of fields) {
    const s = f.no === GraphField.initializer && f.data ? scalarInitializer(f.data) : undefined;
    if (s) scalars.set(s.name, s.value);
  }
  const readers = (name: string) => nodes.filter((n) => n.inputs.includes(name));
  const [sub, ...othersOfInput] = readers(input);
  if (!sub || othersOfInput.length > 0 || sub.op !== 'Sub' || sub.inputs[0] !== input) return null;
  const [mul, ...othersOfSub] = readers(sub.outputs[0]);
  if (!mul || othersOfSub.length > 0 || mul.op !== 'Mul' || mul.inputs[0] !== sub.outputs[0]) {
    return null;
  }
  const subValue = scalars.get(sub.inputs[1]);
  const mulValue = scalars.get(mul.inputs[1]);
  if (subValue === undefined || mulValue === undefined) return null;
  const from = mul.outputs[0];
  const rewire = (node: Uint8Array) =>
    concat(
      readFields(node).map((f) =>
        f.no === NodeField.input && f.data && text.decode(f.data) === from
          ? lengthField(NodeField.input, utf8.encode(input))
          : f.raw,
      ),
    );
  // The two scalars go too where nothing else reads them (as initializers and, in old exports,
  // as graph inputs), or the runtime warns about them on every load.
  const unused = [sub.inputs[1], mul.inputs[1]].filter((name) => readers(name).length === 1);
  const out = editFields(model, ModelField.graph, (g) => {
    const kept = editFields(g, GraphField.node, (node) =>
      sameSpan(node, sub.raw) || sameSpan(node, mul.raw) ? null : rewire(node),
    );
    const withoutInits = editFields(kept, GraphField.initializer, (t) =>
      unused.includes(scalarInitializer(t)?.name ?? '') ? null : t,
    );
    return editFields(withoutInits, GraphField.input, (info) =>
      unused.includes(valueInfoName(info)) ? null : info,
    );
  });
  return { model: out, affine: { sub: subValue, mul: mulValue } };
}
