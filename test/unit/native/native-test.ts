/** What the native kernels' equality tests share. */
import { after } from 'node:test';
import { nativeKernelsBuilt, useNativeKernels } from '../../../src/native/index.ts';

/** The reason to skip where `npm ci` built no module, else false. */
export const skipWithoutNative = !nativeKernelsBuilt() && 'native kernels not built';

/** Leaves the process's switch as VEIL_NATIVE set it once the file's tests are done. */
export function restoreNativeAfter(): void {
  after(() => useNativeKernels(process.env.VEIL_NATIVE !== '0'));
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}
