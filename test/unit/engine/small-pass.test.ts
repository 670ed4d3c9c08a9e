import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Detection } from '../../../src/engine/types.ts';
import {
  detectWithEnlargedPass,
  fromSmallPass,
  smallPassThreshold,
  type EnlargedPass,
} from '../../../src/engine/small-pass.ts';

const face = (size: number, score: number): Detection => ({
  cls: 'face',
  box: { x1: 10, y1: 20, x2: 10 + size, y2: 20 + size * 1.2 },
  score,
});

describe('small-face pass steps', () => {
  it('raises the threshold by a share of what is left above it', () => {
    assert.equal(smallPassThreshold(0.5, 0), 0.5);
    assert.ok(Math.abs(smallPassThreshold(0.5, 0.2) - 0.6) < 1e-12);
    assert.ok(Math.abs(smallPassThreshold(0.3, 0.5) - 0.65) < 1e-12);
    assert.equal(smallPassThreshold(1, 0.2), 1);
  });

  it('a face just at the raised threshold comes back at the caller threshold', () => {
    for (const [t, raise] of [
      [0.5, 0.2],
      [0.3, 0.1],
      [0.8, 0.4],
    ]) {
      const [back] = fromSmallPass([face(20, smallPassThreshold(t, raise))], raise, 48);
      assert.ok(Math.abs(back.score - t) < 1e-12, `${t} ${raise}: ${back.score}`);
    }
  });

  it('keeps the order of scores, 1 stays 1, none below 0', () => {
    const found = fromSmallPass([face(20, 1), face(20, 0.7), face(20, 0.1)], 0.2, 48);
    assert.equal(found[0].score, 1);
    assert.ok(found[1].score < 1 && found[1].score > 0);
    assert.equal(found[2].score, 0);
  });

  it('takes only faces whose longer side is under the keep size', () => {
    // Heights are 1.2 x the width: the longer side decides.
    const found = fromSmallPass([face(30, 0.9), face(39, 0.9), face(40, 0.9)], 0.2, 48);
    assert.deepEqual(
      found.map((f) => f.box.x2 - f.box.x1),
      [30, 39],
    );
    assert.equal(fromSmallPass([face(10, 0.9)], 0.2, 0).length, 0);
  });

  it('keeps class and box as they are', () => {
    const [f] = fromSmallPass([face(20, 0.8)], 0.25, 48);
    assert.equal(f.cls, 'face');
    assert.deepEqual(f.box, face(20, 0.8).box);
  });
});

describe('detectWithEnlargedPass and mainSide', () => {
  const p: EnlargedPass = {
    upscale: 1.75,
    upscaleMaxSide: 1920,
    upscaleKeepPx: 96,
    upscaleRaise: 0.2,
  };
  // A stand-in model: one large face at the same place of the picture at every size, and a
  // small one that only the enlarged pass reports.
  const run = (sizes: string[]) => async (width: number, height: number) => {
    sizes.push(`${width}x${height}`);
    const k = width / 960;
    const big: Detection = {
      cls: 'face',
      box: { x1: 100 * k, y1: 100 * k, x2: 300 * k, y2: 340 * k },
      score: 0.9,
    };
    const small: Detection = {
      cls: 'face',
      box: { x1: 600 * k, y1: 50 * k, x2: 620 * k, y2: 74 * k },
      score: 0.95,
    };
    return width > 960 ? [big, small] : [big];
  };
  const image = { width: 960, height: 540 };

  it('runs the main pass at mainSide when the enlarged pass runs, boxes in image pixels', async () => {
    const sizes: string[] = [];
    const found = await detectWithEnlargedPass(image, 0.5, true, p, 0.4, run(sizes), 640);
    assert.deepEqual(sizes, ['640x360', '1680x945']);
    assert.equal(found.length, 2);
    const big = found.find((f) => f.box.x2 - f.box.x1 > 100)!;
    assert.ok(Math.abs(big.box.x1 - 100) < 1e-9 && Math.abs(big.box.y2 - 340) < 1e-9);
  });

  it('ignores mainSide without the enlarged pass, or when it is not smaller', async () => {
    let sizes: string[] = [];
    await detectWithEnlargedPass(image, 0.5, false, p, 0.4, run(sizes), 640);
    assert.deepEqual(sizes, ['960x540']);
    sizes = [];
    await detectWithEnlargedPass(image, 0.5, true, p, 0.4, run(sizes), 960);
    assert.deepEqual(sizes, ['960x540', '1680x945']);
    sizes = [];
    const large = { width: 1280, height: 720 }; // 1.75x would pass 1920: no enlarged pass
    await detectWithEnlargedPass(large, 0.5, true, p, 0.4, run(sizes), 640);
    assert.deepEqual(sizes, ['1280x720']);
  });
});
