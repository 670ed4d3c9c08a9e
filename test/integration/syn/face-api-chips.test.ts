/**
 * face-api's face chips cut in plain JS (`faceTensors`) against face-api's own
 * `extractFaceTensors` on the whole crop's tensor: the same boxes kept, the same shapes and
 * the same int32 values, for boxes inside, across and beyond the crop's borders, fractional
 * and empty ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { faceTensors, toTensor } from '../../../src/engine/syn/face-api.runtime.ts';

const tf = faceapi.tf as unknown as {
  setBackend(n: string): Promise<boolean>;
  ready(): Promise<void>;
};

/** A deterministic pseudo-random generator (so a failure repeats). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('faceTensors equals face-api extractFaceTensors on the crop tensor', async () => {
  assert.ok(await tf.setBackend('wasm'));
  await tf.ready();
  const rand = rng(7);
  for (const [w, h] of [
    [320, 320],
    [257, 301],
  ]) {
    const crop = { width: w, height: h, data: new Uint8Array(w * h * 3) };
    for (let i = 0; i < crop.data.length; i++) crop.data[i] = Math.floor(rand() * 256);
    const boxes: faceapi.Rect[] = [
      new faceapi.Rect(0, 0, w, h),
      new faceapi.Rect(-20.4, -7.9, 100.3, 80.6),
      new faceapi.Rect(w - 50.5, h - 30.2, 90.1, 70.7),
      new faceapi.Rect(w + 5, 10, 20, 20), // beyond the right edge: left out by both
      new faceapi.Rect(10, 10, 0.4, 30), // floored to width 0: left out by both
    ];
    for (let i = 0; i < 40; i++)
      boxes.push(
        new faceapi.Rect(
          rand() * w * 1.2 - w * 0.1,
          rand() * h * 1.2 - h * 0.1,
          1 + rand() * w * 0.8,
          1 + rand() * h * 0.8,
        ),
      );
    const t = toTensor(crop);
    const theirs = await faceapi.extractFaceTensors(t, boxes);
    const ours = faceTensors(crop, boxes);
    t.dispose();
    assert.equal(ours.length, theirs.length);
    assert.ok(ours.length >= 30, `${ours.length} chips`);
    for (const [i, a] of ours.entries()) {
      const b = theirs[i];
      assert.deepEqual(a.shape, b.shape);
      assert.equal(a.dtype, b.dtype);
      assert.deepEqual(a.dataSync(), b.dataSync());
    }
    [...ours, ...theirs].forEach((c) => c.dispose());
  }
});
