/**
 * One model run on a picture resampled straight into a reused input tensor (no RGB copy, no
 * tensor allocated per pass): what RetinaFace's and YuNet's passes share.
 */
import type { InputAffine } from './onnx-graph.ts';
import type { FloatTensor, ModelSession } from './onnx.runtime.ts';
import {
  resizedPlanarTensor,
  roundUp,
  type TensorBuffers,
  type TensorLayout,
} from './preprocess.ts';
import type { RgbFrame } from './types.ts';

export interface ResizedRun {
  outputs: Record<string, FloatTensor>;
  /** The input tensor's size: width x height padded to multiples of 32. */
  width: number;
  height: number;
}

/**
 * Runs `session` on `image` resampled to width x height, padded bottom/right to 32; with
 * `affine`, the input normalisation taken out of the model's graph is applied on the way.
 */
export async function runResized(
  session: ModelSession,
  buffers: TensorBuffers,
  image: RgbFrame,
  width: number,
  height: number,
  order: TensorLayout['order'],
  affine?: InputAffine,
): Promise<ResizedRun> {
  const n = 3 * roundUp(width, 32) * roundUp(height, 32);
  const input = resizedPlanarTensor(image, width, height, order, buffers.take(n), affine);
  try {
    const outputs = await session.run({ data: input.data, dims: input.dims });
    return { outputs, width: input.width, height: input.height };
  } finally {
    buffers.give(input.data);
  }
}
