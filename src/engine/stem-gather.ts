/**
 * The input of a gathered first layer (`onnx-stem.ts`): the float picture quantized as
 * onnxruntime's `QuantizeLinear` does (x / scale in float, rounded half to even, plus the zero
 * point, saturated to 0..255) and each stride-2 output pixel's 3x3 patch laid out as 27
 * bytes (channel, row, column), pixel after pixel (NHWC), the padding read as the zero point
 * (what `QLinearConv` pads with). The native kernel (`src/native/kernels.c`) writes the same bytes.
 */
import { nativeKernels } from '../native/index.ts';
import type { StemGather } from './onnx-stem.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { TensorBuffers } from './preprocess.ts';

/** Output size of the 3x3 stride-2 layer over `size` input pixels with these paddings. */
export function stemOutputSize(size: number, padBefore: number, padAfter: number): number {
  return Math.floor((size + padBefore + padAfter - 3) / 2) + 1;
}

/**
 * The gathered tensor's dims for a [1, 3, height, width] input (padding after = before): pixel
 * by pixel, [1, H', W', 27].
 */
export function stemDims(stem: StemGather, width: number, height: number): number[] {
  return [
    1,
    stemOutputSize(height, stem.padTop, stem.padTop),
    stemOutputSize(width, stem.padLeft, stem.padLeft),
    27,
  ];
}

/** Round half to even, as the CPU's float-to-integer conversion in its default mode. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Writes the gathered input of `planar` ([1, 3, height, width] floats) into `out` (at least
 * 27 x the output size) and returns its dims.
 */
export function gatherStem(
  planar: Float32Array,
  width: number,
  height: number,
  stem: StemGather,
  out: Uint8Array,
): number[] {
  const dims = stemDims(stem, width, height);
  const [, oh, ow] = dims;
  if (planar.length < 3 * width * height || out.length < 27 * oh * ow) {
    throw new RangeError('gatherStem: buffers too short for the sizes');
  }
  const native = nativeKernels();
  if (native) {
    native.gatherStem(
      planar,
      width,
      height,
      stem.scale,
      stem.zero,
      stem.padTop,
      stem.padLeft,
      out,
      ow,
      oh,
    );
    return dims;
  }
  const scale = Math.fround(stem.scale);
  const q = new Uint8Array(3 * width * height);
  for (let i = 0; i < q.length; i++) {
    const v = roundHalfEven(Math.fround(planar[i] / scale)) + stem.zero;
    q[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  // Pixel by pixel (NHWC): output pixel (y, x) holds its patch at c * 9 + ky * 3 + kx.
  let o = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let c = 0; c < 3; c++) {
        for (let ky = 0; ky < 3; ky++) {
          const sy = 2 * y + ky - stem.padTop;
          const row = c * width * height + sy * width;
          for (let kx = 0; kx < 3; kx++, o++) {
            const sx = 2 * x + kx - stem.padLeft;
            out[o] = sy < 0 || sy >= height || sx < 0 || sx >= width ? stem.zero : q[row + sx];
          }
        }
      }
    }
  }
  return dims;
}

/**
 * `session` (a model from `gatheredStemModel`) behind the float input the model had before:
 * each run gathers its [1, 3, H, W] input into a buffer of its own (`TensorBuffers`, viewed as
 * bytes), kept for later runs once the run is done (runs may overlap: a buffer is never shared).
 */
export function gatheredSession(session: ModelSession, stem: StemGather): ModelSession {
  const buffers = new TensorBuffers();
  return {
    inputNames: [stem.input],
    outputNames: session.outputNames,
    async run(input) {
      const [n, c, height, width] = input.dims;
      if (!(input.data instanceof Float32Array) || n !== 1 || c !== 3) {
        throw new TypeError('a gathered first layer takes one float [1, 3, H, W] picture');
      }
      const [, oh, ow] = stemDims(stem, width, height);
      const length = 27 * oh * ow;
      const floats = buffers.take(Math.ceil(length / 4));
      try {
        const bytes = new Uint8Array(floats.buffer, floats.byteOffset, length);
        const dims = gatherStem(input.data, width, height, stem, bytes);
        return await session.run({ data: bytes, dims });
      } finally {
        buffers.give(floats);
      }
    },
    close: () => session.close(),
  };
}
