/**
 * The one place that imports onnxruntime-node. Detectors see only `ModelSession`, which speaks
 * plain typed arrays, so the rest of the engine stays driver-free and testable.
 */
import * as ort from 'onnxruntime-node';
import { recordRun, threadCpuMs } from './run-profile.ts';

export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** A model input: float32, or uint8 where the graph reads uint8 (`onnx-stem.ts`). */
export interface InputTensor {
  data: Float32Array | Uint8Array;
  dims: readonly number[];
}

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Run with one input; returns every output as float32. */
  run(input: InputTensor): Promise<Record<string, FloatTensor>>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Intra-op threads of this session (default 1: callers parallelise with worker threads). */
  threads?: number;
}

/** Open an ONNX model (a file, or model bytes edited in memory) on the CPU execution provider. */
export async function openSession(
  model: string | Uint8Array,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: Math.max(1, options.threads ?? 1),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Spinning threads steal the core that ffmpeg and the other worker need.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
  const inputName = session.inputNames[0];
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(input) {
      const tensor =
        input.data instanceof Uint8Array
          ? new ort.Tensor('uint8', input.data, [...input.dims])
          : new ort.Tensor('float32', input.data, [...input.dims]);
      const since = threadCpuMs();
      const results = await session.run({ [inputName]: tensor });
      if (since !== undefined) recordRun(session.outputNames.length, input.dims, since);
      const out: Record<string, FloatTensor> = {};
      for (const name of session.outputNames) {
        const t = results[name];
        if (t.type !== 'float32') throw new Error(`output ${name} is ${t.type}, expected float32`);
        out[name] = { data: t.data as Float32Array, dims: t.dims };
      }
      return out;
    },
    close: () => session.release(),
  };
}
