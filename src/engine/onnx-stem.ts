/**
 * The first layer of an 8-bit model (`quantizedModel`) as a 1x1 convolution over gathered
 * patches. onnxruntime runs a `QLinearConv` with 3 input channels, a 3x3 kernel and stride 2
 * (the layer that reads the picture) far below its speed on the other layers: on a 640x384
 * RetinaFace pass it was 1.9 of 8.9 ms of kernel time, and quantizing the input 0.17 more. The
 * same integer products laid out as 27 channels of 1x1 (each output pixel's 3x3x3 patch, in the
 * weights' own order: channel, row, column) run in half the time, and the caller writes that
 * layout while it quantizes the input (`stem-gather.ts`), pixel by pixel, which is how
 * onnxruntime runs 8-bit convolutions. Integer sums do not depend on their order and the
 * requantization is onnxruntime's own, so the outputs are the same bits
 * (`test/integration/engine/onnx-stem.test.ts`).
 */
import {
  concat,
  lengthField,
  nodeView,
  readFields,
  readPackedVarints,
  valueInfoName,
} from './onnx-graph.ts';
import { encodeNode, encodeTensor, encodeValueInfo, DataType } from './onnx-writer.ts';
import { AttrField, GraphField, ModelField, TensorField } from './onnx-fields.ts';

/** What the caller needs to write the gathered input: the input's quantization and padding. */
export interface StemGather {
  /** The graph input the model read before (`data`) and the one it reads now (uint8). */
  input: string;
  gathered: string;
  /** uint8 quantization of the float input: q = saturate(round(x / scale) + zero). */
  scale: number;
  zero: number;
  /** Padding of the 3x3 layer, top and left (bottom and right follow from the sizes). */
  padTop: number;
  padLeft: number;
}

const text = new TextDecoder();

/** The integer (list) attributes of a node by name (a string attribute: no values). */
function intAttrs(attrs: ReturnType<typeof nodeView>['attrs']): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const a of attrs) {
    const fields = readFields(a.data!);
    const name = text.decode(fields.find((f) => f.no === AttrField.name)?.data ?? new Uint8Array());
    const values: number[] = [];
    for (const f of fields) {
      if ((f.no === AttrField.i || f.no === AttrField.ints) && f.varint !== undefined)
        values.push(f.varint);
      if (f.no === AttrField.ints && f.data) values.push(...readPackedVarints(f.data));
    }
    out.set(name, values);
  }
  return out;
}

interface RawTensor {
  name: string;
  type: number;
  dims: number[];
  raw?: Uint8Array;
}

function rawTensor(data: Uint8Array): RawTensor {
  const fields = readFields(data);
  return {
    name: text.decode(fields.find((f) => f.no === TensorField.name)?.data ?? new Uint8Array()),
    type: fields.find((f) => f.no === TensorField.dataType)?.varint ?? 0,
    dims: fields.filter((f) => f.no === TensorField.dims).map((f) => f.varint ?? -1),
    raw: fields.find((f) => f.no === TensorField.rawData)?.data,
  };
}

/**
 * `model` (an 8-bit model from `quantizedModel`) reading `gathered` (uint8 [1, H', W', 27]:
 * each output pixel's 3x3 patch of the quantized picture) instead of its float input, with
 * what the caller needs to write it; undefined when the first layer is not a 3x3 stride-2
 * `QLinearConv` over 3 channels fed by a `QuantizeLinear` of a graph input.
 */
export function gatheredStemModel(
  model: Uint8Array,
): { bytes: Uint8Array; stem: StemGather } | undefined {
  const graph = readFields(model).find((f) => f.no === ModelField.graph)?.data;
  if (!graph) return undefined;
  const fields = readFields(graph);
  const inputs = new Set(
    fields.filter((f) => f.no === GraphField.input).map((f) => valueInfoName(f.data!)),
  );
  const nodes = fields.filter((f) => f.no === GraphField.node).map((f) => nodeView(f.data!));
  const quantize = nodes.find((n) => n.op === 'QuantizeLinear' && inputs.has(n.inputs[0]));
  if (!quantize) return undefined;
  const q = quantize.outputs[0];
  const readers = nodes.filter((n) => n.inputs.includes(q));
  const conv = readers[0];
  if (readers.length !== 1 || conv.op !== 'QLinearConv' || conv.inputs[0] !== q) return undefined;
  const tensors = new Map(
    fields
      .filter((f) => f.no === GraphField.initializer)
      .map((f) => {
        const t = rawTensor(f.data!);
        return [t.name, t] as const;
      }),
  );
  const scaleT = tensors.get(quantize.inputs[1]);
  const zeroT = tensors.get(quantize.inputs[2]);
  const weights = tensors.get(conv.inputs[3]);
  if (!scaleT?.raw || !zeroT?.raw || zeroT.type !== DataType.UINT8 || !weights?.raw) {
    return undefined;
  }
  const [cout, cin, kh, kw] = weights.dims;
  const attrs = intAttrs(conv.attrs);
  const pads = attrs.get('pads') ?? [0, 0, 0, 0];
  const same = (name: string, want: number[]) =>
    (attrs.get(name) ?? want).every((v, i) => v === want[i]);
  if (
    weights.dims.length !== 4 ||
    cin !== 3 ||
    kh !== 3 ||
    kw !== 3 ||
    weights.type !== DataType.INT8 ||
    !same('strides', [2, 2]) ||
    !same('dilations', [1, 1]) ||
    !same('group', [1]) ||
    attrs.has('auto_pad') ||
    pads.length !== 4 ||
    pads.some((p) => p < 0 || p > 2) ||
    // The same padding after as before (`stemDims` counts on it).
    pads[0] !== pads[2] ||
    pads[1] !== pads[3]
  ) {
    return undefined;
  }
  const input = quantize.inputs[0];
  const gathered = `${input}__g`;
  const stem: StemGather = {
    input,
    gathered,
    scale: new DataView(scaleT.raw.buffer, scaleT.raw.byteOffset, 4).getFloat32(0, true),
    zero: zeroT.raw[0],
    padTop: pads[0],
    padLeft: pads[1],
  };
  const w = new Int8Array(weights.raw.buffer, weights.raw.byteOffset, weights.raw.length);
  const wName = `${conv.inputs[3]}__1x1`;
  // The same node with the gathered input and the reshaped weights, and no attributes: a 1x1
  // kernel, stride 1 and no padding are QLinearConv's defaults.
  const stemNode = lengthField(
    GraphField.node,
    encodeNode({
      op: 'QLinearConv',
      inputs: [`${gathered}__nchw`, ...conv.inputs.slice(1, 3), wName, ...conv.inputs.slice(4)],
      outputs: conv.outputs,
      name: `${conv.outputs[0]}__QLinearConv1x1`,
    }),
  );
  const parts = fields.map((f) => {
    if (f.no === GraphField.node) {
      // The gathered input comes pixel by pixel (NHWC): onnxruntime runs its 8-bit convolutions
      // in that layout, so this Transpose cancels against the one it would put before the layer.
      if (f.data === quantize.raw) {
        return lengthField(
          GraphField.node,
          encodeNode({
            op: 'Transpose',
            inputs: [gathered],
            outputs: [`${gathered}__nchw`],
            name: `${gathered}__Transpose`,
            attrs: { perm: [0, 3, 1, 2] },
          }),
        );
      }
      return f.data === conv.raw ? stemNode : f.raw;
    }
    // The 3x3 weights: read by that node alone (`quantizedModel` names them after it).
    if (f.no === GraphField.initializer && rawTensor(f.data!).name === conv.inputs[3]) {
      return new Uint8Array();
    }
    if (f.no === GraphField.input && valueInfoName(f.data!) === input) {
      return lengthField(
        GraphField.input,
        encodeValueInfo({
          name: gathered,
          type: DataType.UINT8,
          dims: [1, 'gathered_h', 'gathered_w', 27],
        }),
      );
    }
    return f.raw;
  });
  parts.push(
    lengthField(
      GraphField.initializer,
      encodeTensor({ name: wName, dims: [cout, 27, 1, 1], data: w }),
    ),
  );
  const bytes = concat(
    readFields(model).map((f) =>
      f.no === ModelField.graph ? lengthField(ModelField.graph, concat(parts)) : f.raw,
    ),
  );
  return { bytes, stem };
}
