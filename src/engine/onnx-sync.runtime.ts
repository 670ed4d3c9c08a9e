/**
 * A synchronous onnxruntime session, for networks that run where TensorFlow.js expects a
 * synchronous `execute` (Human's and face-api's code calls its models inside `tf.tidy`).
 * onnxruntime-node's public `run` is async only because it defers the native call with
 * `setImmediate`; the native binding itself runs synchronously, so it is used directly here,
 * with the same options as `openSession` (CPU execution provider, one intra-op thread).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { recordRun, threadCpuMs } from './run-profile.ts';

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, ort.Tensor>;
  inputMetadata: { name: string }[];
  outputMetadata: { name: string }[];
  dispose(): void;
}

interface Binding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

let native: Binding | undefined;

function binding(): Binding {
  if (!native) {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('onnxruntime-node'));
    native = require(path.join(dir, 'binding.js')) as Binding;
    // The same module instance onnxruntime-node uses: initialised once for both.
    native.initOrt();
  }
  return native;
}

export interface SyncTensor {
  data: Float32Array;
  dims: readonly number[];
}

export class SyncSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  private constructor(private readonly session: NativeSession) {
    this.inputNames = session.inputMetadata.map((m) => m.name);
    this.outputNames = session.outputMetadata.map((m) => m.name);
  }

  /** Opens ONNX model bytes on the CPU execution provider (default one intra-op thread). */
  static open(model: Uint8Array, { threads = 1 } = {}): SyncSession {
    const b = binding();
    const session = new b.binding.InferenceSession();
    session.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      executionProviders: [{ name: 'cpu' }],
      intraOpNumThreads: Math.max(1, threads),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    return new SyncSession(session);
  }

  /** Runs with float32 inputs (by name; one input may be given positionally). */
  run(inputs: Record<string, SyncTensor> | SyncTensor): Record<string, SyncTensor> {
    const named: Record<string, SyncTensor> =
      'data' in inputs && inputs.data instanceof Float32Array
        ? { [this.inputNames[0]]: inputs as SyncTensor }
        : (inputs as Record<string, SyncTensor>);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(named))
      feeds[k] = new ort.Tensor('float32', v.data, [...v.dims]);
    const fetches: Record<string, null> = {};
    for (const n of this.outputNames) fetches[n] = null;
    const since = threadCpuMs();
    const res = this.session.run(feeds, fetches, {});
    if (since !== undefined) {
      recordRun(this.outputNames.length, feeds[this.inputNames[0]]?.dims ?? [], since);
    }
    const out: Record<string, SyncTensor> = {};
    for (const n of this.outputNames) {
      const t = res[n];
      if (t.type !== 'float32') throw new Error(`output ${n} is ${t.type}, expected float32`);
      out[n] = { data: t.data as Float32Array, dims: t.dims };
    }
    return out;
  }

  close(): void {
    this.session.dispose();
  }
}
