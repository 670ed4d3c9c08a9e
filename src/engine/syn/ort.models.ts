/**
 * Runs TensorFlow.js models of `syn` (Human's graph models) on onnxruntime instead of the
 * TensorFlow.js WASM backend, without touching the libraries' own pre- and post-processing:
 * the model object's `execute` is replaced by one that reads its input tensor, runs the ONNX
 * conversion of the same graph (tfjs-graph.onnx.ts) synchronously, and hands back tensors of
 * the library's own TensorFlow.js instance, in the order and shapes TensorFlow.js returns.
 */
import { SyncSession } from '../onnx-sync.runtime.ts';
import type { ConvertedGraph } from './tfjs-graph.onnx.ts';

export interface TensorLike {
  shape: number[];
  dtype?: string;
  dataSync(): ArrayLike<number>;
}

export interface TfLike<T extends TensorLike = TensorLike> {
  tensor(data: Float32Array, shape: number[], dtype: 'float32'): T;
}

export type Execute<T extends TensorLike = TensorLike> = (
  inputs: T | T[] | Record<string, T>,
  outputs?: string | string[],
) => T | T[];

export interface GraphModelLike<T extends TensorLike = TensorLike> {
  execute: Execute<T>;
  outputNodes?: string[];
  outputs?: { name: string }[];
}

/**
 * Whether `syn`'s runtimes run their networks on onnxruntime by default: yes, unless
 * VEIL_SYN_NETS=tfjs (for before/after measurements on TensorFlow.js's WASM backend).
 */
export const synNetsOnOrt = (): boolean => process.env.VEIL_SYN_NETS !== 'tfjs';

const base = (name: string) => name.replace(/:0$/, '');

/**
 * `execute` of `converted` on onnxruntime, answering like TensorFlow.js's GraphModel.execute:
 * one tensor when one output is asked for (by a string, or the model has one), else an array.
 */
export function ortExecute<T extends TensorLike>(
  converted: ConvertedGraph,
  tf: TfLike<T>,
  defaultOutputs: readonly string[] = converted.outputs,
): Execute<T> & { session: SyncSession } {
  const session = SyncSession.open(converted.model);
  const run = (inputs: T | T[] | Record<string, T>, outputs?: string | string[]): T | T[] => {
    const x = Array.isArray(inputs)
      ? inputs[0]
      : 'dataSync' in inputs
        ? (inputs as T)
        : Object.values(inputs as Record<string, T>)[0];
    const raw = x.dataSync();
    const data = raw instanceof Float32Array ? raw : Float32Array.from(raw);
    const result = session.run({ data, dims: x.shape });
    const asked =
      outputs === undefined ? defaultOutputs : typeof outputs === 'string' ? [outputs] : outputs;
    const names = asked.map((n) => base(converted.aliases[n] ?? n));
    const tensors = names.map((n) => {
      const r = result[n];
      if (!r) throw new Error(`model has no output ${n}`);
      return tf.tensor(r.data, [...r.dims], 'float32');
    });
    return typeof outputs === 'string' || tensors.length === 1 ? tensors[0] : tensors;
  };
  return Object.assign(run, { session });
}

/** Both ways of running one model: TensorFlow.js's own `execute` and its onnxruntime twin. */
export interface Twin<T extends TensorLike = TensorLike> {
  tf: Execute<T>;
  ort: Execute<T>;
}

const twins = new WeakMap<object, Twin>();

/**
 * Makes `model.execute` run on onnxruntime while `useOrt()` says so and on TensorFlow.js
 * otherwise (the library's model objects are shared by everything in the thread that uses
 * the library). Idempotent per model; returns both ways.
 */
export function addOrtTwin<T extends TensorLike>(
  model: GraphModelLike<T>,
  converted: ConvertedGraph,
  tf: TfLike<T>,
  useOrt: () => boolean,
): Twin<T> {
  const known = twins.get(model) as Twin<T> | undefined;
  if (known) return known;
  const order = model.outputNodes ?? model.outputs?.map((o) => o.name) ?? converted.outputs;
  const twin: Twin<T> = { tf: model.execute.bind(model), ort: ortExecute(converted, tf, order) };
  twins.set(model, twin as unknown as Twin);
  model.execute = (inputs, outputs) => (useOrt() ? twin.ort : twin.tf)(inputs, outputs);
  return twin;
}
