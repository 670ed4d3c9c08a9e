/**
 * Veil's optional native kernels (`src/native/kernels.c`, an N-API module that `npm ci` builds
 * with node-gyp through `scripts/build-native.mjs`). Each kernel does the same float operations
 * in the same order as the JavaScript it stands in for, so outputs are equal element for
 * element; the JavaScript stays the reference and the fallback. Where the module did not build
 * (no compiler), or with `VEIL_NATIVE=0`, everything runs in JavaScript.
 */
import { createRequire } from 'node:module';

export interface NativeKernels {
  /**
   * `resizedPlanarTensor`'s resampling (preprocess.ts): `src` interleaved RGB, taps per output
   * column (`h*`) and row (`v*`) as `computeTaps` makes them, written into the planes of `out`
   * that start at `first`, `second`, `third`, rows `padW` apart.
   */
  resamplePlanar(
    src: Uint8Array,
    width: number,
    height: number,
    hStart: Int32Array,
    hCount: Int32Array,
    hWeights: Float32Array,
    hStride: number,
    vStart: Int32Array,
    vCount: Int32Array,
    vWeights: Float32Array,
    vStride: number,
    out: Float32Array,
    first: number,
    second: number,
    third: number,
    padW: number,
  ): void;
  /** The same size: interleaved RGB bytes de-interleaved into the planes of `out`. */
  copyPlanar(
    src: Uint8Array,
    width: number,
    height: number,
    out: Float32Array,
    first: number,
    second: number,
    third: number,
    padW: number,
  ): void;
  /** x = (x - sub) * mul for every element, in float32 arithmetic (sub and mul as float32). */
  affineInPlace(x: Float32Array, sub: number, mul: number): void;
}

/** Where node-gyp puts the module, from this file (src/native/) or the repository root. */
const MODULE = '../../build/Release/veil_native.node';

let loaded: NativeKernels | null | undefined;
let enabled = process.env.VEIL_NATIVE !== '0';

/** The native kernels, or null: not built, failed to load, or switched off. */
export function nativeKernels(): NativeKernels | null {
  if (!enabled) return null;
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)(MODULE) as NativeKernels;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/** Whether the module is built and loads (whatever `useNativeKernels` says). */
export function nativeKernelsBuilt(): boolean {
  const was = enabled;
  enabled = true;
  try {
    return nativeKernels() !== null;
  } finally {
    enabled = was;
  }
}

/** Switches the native kernels off (false) or back on, for tests and benches in one process. */
export function useNativeKernels(on: boolean): void {
  enabled = on;
}
