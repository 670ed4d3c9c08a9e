import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  concat,
  encodeVarint,
  graphInputs,
  lengthField,
  readFields,
  readPackedVarints,
  withoutInputAffine,
  withSymbolicDims,
} from '../../../src/engine/onnx-graph.ts';
import { encodeModel, type NodeSpec } from '../../../src/engine/onnx-writer.ts';

const utf8 = new TextEncoder();
const varintField = (no: number, v: number): Uint8Array =>
  concat([encodeVarint(no * 8), encodeVarint(v)]);

/** ValueInfoProto { name, type { tensor_type { elem_type 1, shape { dim... } } } } */
function valueInfo(name: string, dims: number[]): Uint8Array {
  const shape = concat(dims.map((d) => lengthField(1, varintField(1, d))));
  const tensor = concat([varintField(1, 1), lengthField(2, shape)]);
  return concat([lengthField(1, utf8.encode(name)), lengthField(2, lengthField(1, tensor))]);
}

/** A ModelProto with ir_version, a graph holding a node-like blob, inputs, outputs, value_info. */
function model(): Uint8Array {
  const graph = concat([
    lengthField(1, utf8.encode('opaque node bytes \u0000\u00ff')),
    lengthField(11, valueInfo('data', [1, 3, 640, 640])),
    lengthField(11, valueInfo('conv_weight', [8, 3, 3, 3])),
    lengthField(12, valueInfo('score', [1, 4, 20, 20])),
    lengthField(13, valueInfo('hidden', [1, 8, 320, 320])),
  ]);
  return concat([varintField(1, 7), lengthField(7, graph), lengthField(8, utf8.encode('opset'))]);
}

describe('protobuf wire helpers', () => {
  const cases: Array<[number, number[]]> = [
    [0, [0]],
    [1, [1]],
    [127, [127]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [2 ** 40, [0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
  ];
  for (const [value, bytes] of cases) {
    it(`varint ${value}`, () => {
      assert.deepEqual([...encodeVarint(value)], bytes);
      const [f] = readFields(concat([encodeVarint(8), encodeVarint(value)]));
      assert.equal(f.varint, value);
    });
  }

  it('rejects truncated messages and unsupported wire types', () => {
    assert.throws(() => readFields(Uint8Array.from([0x0a, 0x05, 0x01])), RangeError);
    assert.throws(() => readFields(Uint8Array.from([0x0b])), RangeError);
    assert.throws(() => readFields(Uint8Array.from([0x08, 0x80])), RangeError);
  });

  it('reads packed varints (a repeated int attribute) and rejects a truncated one', () => {
    const packed = concat([encodeVarint(1), encodeVarint(300), encodeVarint(0), encodeVarint(2)]);
    assert.deepEqual(readPackedVarints(packed), [1, 300, 0, 2]);
    assert.deepEqual(readPackedVarints(new Uint8Array()), []);
    assert.throws(() => readPackedVarints(Uint8Array.from([0x01, 0x80])), RangeError);
  });
});

describe('withSymbolicDims', () => {
  it('makes H and W of the named input and of every output symbolic, keeps the rest', () => {
    const out = withSymbolicDims(model(), { inputs: ['data'] });
    assert.deepEqual(graphInputs(out), [
      { name: 'data', dims: [1, 3, 'data_2', 'data_3'] },
      { name: 'conv_weight', dims: [8, 3, 3, 3] },
    ]);
    const fields = readFields(out);
    assert.deepEqual(
      fields.map((f) => f.no),
      [1, 7, 8],
    );
    const graph = readFields(fields[1].data!);
    // value_info (13) dropped, node bytes untouched, output dims symbolic.
    assert.deepEqual(
      graph.map((f) => f.no),
      [1, 11, 11, 12],
    );
    assert.deepEqual(graph[0].raw, readFields(readFields(model())[1].data!)[0].raw);
    const outputAsInput = withSymbolicDims(
      concat([lengthField(7, lengthField(11, graph[3].data!))]),
      { inputs: ['score'], axes: [] },
    );
    assert.deepEqual(graphInputs(outputAsInput)[0].dims, [1, 4, 'score_2', 'score_3']);
  });

  it('honours the axes asked for', () => {
    const out = withSymbolicDims(model(), { inputs: ['data'], axes: [0] });
    assert.deepEqual(graphInputs(out)[0].dims, ['data_0', 3, 640, 640]);
  });

  it('throws when an input is missing', () => {
    assert.throws(() => withSymbolicDims(model(), { inputs: ['image'] }), /not all found/);
  });
});

describe('withoutInputAffine', () => {
  const scalar = (name: string, v: number) => ({ name, dims: [1], data: Float32Array.of(v) });
  /** x -> Sub(x, 127.5) -> Mul(., 1/128) -> Relu -> y, with the two scalars as initializers. */
  const normalised = (extra: NodeSpec[] = []) =>
    encodeModel({
      nodes: [
        { op: 'Sub', inputs: ['x', 'm'], outputs: ['xs'] },
        { op: 'Mul', inputs: ['xs', 's'], outputs: ['xn'] },
        { op: 'Relu', inputs: ['xn'], outputs: ['y'] },
        ...extra,
      ],
      initializers: [scalar('m', 127.5), scalar('s', 1 / 128)],
      inputs: [{ name: 'x', dims: [1, 3, 2, 2] }],
      outputs: [{ name: 'y', dims: [1, 3, 2, 2] }],
    });
  const ops = (model: Uint8Array) => {
    const graph = readFields(model).find((f) => f.no === 7)!.data!;
    return readFields(graph)
      .filter((f) => f.no === 1)
      .map((f) => {
        const node = readFields(f.data!);
        const str = (no: number) =>
          node.filter((n) => n.no === no).map((n) => new TextDecoder().decode(n.data));
        return `${str(4)[0]}(${str(1).join(',')})`;
      });
  };

  it('takes out the leading Sub and Mul and reports them', () => {
    const r = withoutInputAffine(normalised(), 'x');
    assert.ok(r);
    assert.deepEqual(r.affine, { sub: 127.5, mul: 1 / 128 });
    assert.deepEqual(ops(r.model), ['Relu(x)']);
    // The scalars no node reads any more are gone too.
    const graph = readFields(readFields(r.model).find((f) => f.no === 7)!.data!);
    assert.equal(graph.filter((f) => f.no === 5).length, 0);
  });

  it('leaves graphs alone that do not start that way', () => {
    // The scaled input also read elsewhere, or the raw input read by a second node.
    assert.equal(
      withoutInputAffine(normalised([{ op: 'Relu', inputs: ['xs'], outputs: ['z'] }]), 'x'),
      null,
    );
    assert.equal(
      withoutInputAffine(normalised([{ op: 'Relu', inputs: ['x'], outputs: ['z'] }]), 'x'),
      null,
    );
    assert.equal(withoutInputAffine(normalised(), 'other'), null);
  });
});
