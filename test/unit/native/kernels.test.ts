import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { nativeKernels, nativeKernelsBuilt, useNativeKernels } from '../../../src/native/index.ts';

/** A C compiler on PATH: where there is none, npm ci leaves Veil on its JavaScript kernels. */
const hasCompiler = spawnSync('cc', ['--version']).status === 0;

describe('native kernels', () => {
  it('are built by npm ci and load', { skip: !hasCompiler && 'no C compiler here' }, () => {
    assert.ok(nativeKernelsBuilt(), 'build/Release/veil_native.node missing: run npm ci');
  });

  it(
    'refuse arguments that would read or write out of bounds',
    {
      skip: !nativeKernelsBuilt() && 'native kernels not built',
    },
    () => {
      // Even where VEIL_NATIVE=0 switched them off for this process.
      useNativeKernels(true);
      const k = nativeKernels()!;
      useNativeKernels(process.env.VEIL_NATIVE !== '0');
      const src = new Uint8Array(4 * 4 * 3);
      const out = new Float32Array(3 * 32 * 32);
      const taps = (start: number[], count: number[]) =>
        [
          Int32Array.from(start),
          Int32Array.from(count),
          new Float32Array(2 * start.length).fill(0.5),
          2,
        ] as const;
      const ok = taps([0, 1, 2], [2, 2, 2]);
      // A tap past the source's last column or row.
      assert.throws(
        () => k.resamplePlanar(src, 4, 4, ...taps([0, 3], [2, 2]), ...ok, out, 0, 1024, 2048, 32),
        /horizontal taps/,
      );
      assert.throws(
        () => k.resamplePlanar(src, 4, 4, ...ok, ...taps([-1], [1]), out, 0, 1024, 2048, 32),
        /vertical taps/,
      );
      // A source shorter than its size, an output too short for its planes.
      assert.throws(
        () => k.resamplePlanar(src, 5, 4, ...ok, ...ok, out, 0, 1024, 2048, 32),
        /source too short/,
      );
      assert.throws(
        () => k.resamplePlanar(src, 4, 4, ...ok, ...ok, out, 0, 1024, 3072, 32),
        /output too short/,
      );
      assert.throws(
        () => k.copyPlanar(src, 4, 4, new Float32Array(10), 0, 1024, 2048, 32),
        /output too short/,
      );
      assert.throws(() => k.copyPlanar(src, 4, 5, out, 0, 1024, 2048, 32), /bad sizes/);
      // A gathered first layer (stem-gather.ts): output larger than its input allows, short
      // buffers, a zero point out of 0..255.
      const planar = new Float32Array(3 * 8 * 8);
      const g = new Uint8Array(27 * 4 * 4);
      assert.throws(() => k.gatherStem(planar, 8, 8, 0.01, 128, 1, 1, g, 9, 4), /bad sizes/);
      assert.throws(() => k.gatherStem(planar, 8, 9, 0.01, 128, 1, 1, g, 4, 4), /too short/);
      assert.throws(
        () => k.gatherStem(planar, 8, 8, 0.01, 128, 1, 1, g.subarray(1), 4, 4),
        /too short/,
      );
      assert.throws(() => k.gatherStem(planar, 8, 8, 0.01, 256, 1, 1, g, 4, 4), /bad sizes/);
      k.gatherStem(planar, 8, 8, 0.01, 128, 1, 1, g, 4, 4);
      // The corner patch's first tap lies outside the picture; the centre tap reads 0 -> 128.
      assert.deepEqual([g[0], g[4]], [128, 128]);
      // Well-formed: three columns from two-pixel averages of a constant picture.
      src.fill(10);
      k.resamplePlanar(src, 4, 4, ...ok, ...ok, out, 0, 1024, 2048, 32);
      assert.deepEqual([out[0], out[1], out[2], out[1024 + 32 + 2]], [10, 10, 10, 10]);
    },
  );
});
