/**
 * Field numbers of the onnx.proto3 messages Veil reads and writes (`onnx-graph.ts`,
 * `onnx-writer.ts`, `onnx-quantize.ts`, `onnx-stem.ts`): one table, so the readers and the
 * writer cannot disagree.
 */
export const ModelField = { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 } as const;
export const OpsetField = { domain: 1, version: 2 } as const;
export const GraphField = {
  node: 1,
  name: 2,
  initializer: 5,
  input: 11,
  output: 12,
  valueInfo: 13,
} as const;
export const NodeField = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
export const AttrField = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 } as const;
/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;
export const TensorField = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9 } as const;
export const ValueInfoField = { name: 1, type: 2 } as const;
/** TypeProto (`tensorType`), its Tensor (`elemType`, `shape`), TensorShapeProto and a Dimension. */
export const TypeField = { tensorType: 1 } as const;
export const TensorTypeField = { elemType: 1, shape: 2 } as const;
export const ShapeField = { dim: 1 } as const;
export const DimField = { value: 1, param: 2 } as const;
