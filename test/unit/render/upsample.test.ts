import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upsample } from '../../../src/engine/render/region.filter.ts';
import type { Region } from '../../../src/engine/render/mask.geometry.ts';

/** The straightforward version (per pixel, as first written): the oracle. */
function reference(
  small: Float32Array,
  sw: number,
  sh: number,
  factor: number,
  source: Region,
  target: Region,
): Uint8Array {
  const out = new Uint8Array(target.w * target.h * 3);
  const ox = target.x - source.x;
  const oy = target.y - source.y;
  for (let j = 0; j < target.h; j++) {
    const sy = Math.min(sh - 1, Math.max(0, (j + oy + 0.5) / factor - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const fy = sy - y0;
    for (let i = 0; i < target.w; i++) {
      const sx = Math.min(sw - 1, Math.max(0, (i + ox + 0.5) / factor - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const fx = sx - x0;
      const a = (y0 * sw + x0) * 3;
      const b = (y0 * sw + x1) * 3;
      const c = (y1 * sw + x0) * 3;
      const d = (y1 * sw + x1) * 3;
      const o = (j * target.w + i) * 3;
      for (let k = 0; k < 3; k++) {
        const top = small[a + k] + (small[b + k] - small[a + k]) * fx;
        const bot = small[c + k] + (small[d + k] - small[c + k]) * fx;
        out[o + k] = Math.round(top + (bot - top) * fy);
      }
    }
  }
  return out;
}

test('upsample matches the per-pixel reference on every byte (random grids, sizes, offsets)', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  let cases = 0;
  for (const factor of [1, 2, 3, 5, 8, 13]) {
    for (let n = 0; n < 12; n++) {
      const source: Region = {
        x: Math.floor(rand() * 50),
        y: Math.floor(rand() * 50),
        w: 1 + Math.floor(rand() * 120),
        h: 1 + Math.floor(rand() * 120),
      };
      const sw = Math.max(1, Math.ceil(source.w / factor));
      const sh = Math.max(1, Math.ceil(source.h / factor));
      const small = new Float32Array(sw * sh * 3).map(() => rand() * 255);
      const tx = Math.floor(rand() * source.w);
      const ty = Math.floor(rand() * source.h);
      const target: Region = {
        x: source.x + tx,
        y: source.y + ty,
        w: 1 + Math.floor(rand() * (source.w - tx)),
        h: 1 + Math.floor(rand() * (source.h - ty)),
      };
      const got = upsample(small, sw, sh, factor, source, target);
      const want = reference(small, sw, sh, factor, source, target);
      assert.equal(got.length, want.length);
      assert.deepEqual(got, want, `factor ${factor} case ${n}`);
      cases++;
    }
  }
  assert.equal(cases, 72);
});
