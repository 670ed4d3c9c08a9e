/**
 * `trackedInput` (the tracked mesh's model input cut in plain JS) against the TensorFlow.js
 * ops it replaces, run on Human's own WASM backend: rotateWithOffset around the box centre
 * (beyond ROLL_MIN), cropAndResize of the box, divided by 255. Bit for bit, on random crops,
 * boxes (inside and across the borders) and rolls; then Human's own detector path with its
 * turns put off that way (`deferredTurns`) against the same path turning on the backend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  deferredTurns,
  FaceMeshRuntime,
  loadHuman,
} from '../../../src/engine/syn/human.runtime.ts';
import { ROLL_MIN, type MeshBox } from '../../../src/engine/syn/mesh.tracking.ts';
import { trackedInput } from '../../../src/engine/syn/tracked.input.ts';
import { fixturePath, hasFixture, truth } from '../../fixtures/images/fixtures.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('trackedInput equals rotateWithOffset + cropAndResize + div on the WASM backend', async () => {
  const human = await loadHuman();
  const { tf } = human;
  const rand = rng(3);
  let cases = 0;
  for (const [w, h] of [
    [437, 437],
    [512, 512],
    [300, 280],
  ]) {
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
    for (let k = 0; k < 8; k++) {
      const side = w * (0.3 + 0.5 * rand());
      const box: MeshBox = [rand() * w * 0.7 - w * 0.1, rand() * h * 0.7 - h * 0.1, side, side];
      const roll = k === 0 ? 0 : k === 1 ? ROLL_MIN / 2 : (rand() - 0.5) * 2;
      const ours = trackedInput({ data, width: w, height: h }, box, roll, 192);
      const theirs = tf.tidy(() => {
        const input = tf.expandDims(tf.cast(tf.tensor3d(data, [h, w, 3], 'int32'), 'float32'), 0);
        const [bx, by, bw, bh] = box;
        const centre = [(bx + bw / 2) / w, (by + bh / 2) / h];
        const upright =
          Math.abs(roll) > ROLL_MIN ? tf.image.rotateWithOffset(input, roll, 0, centre) : input;
        const cut = [[by / h, bx / w, (by + bh) / h, (bx + bw) / w]];
        return tf.div(tf.image.cropAndResize(upright, cut, [0], [192, 192]), 255);
      });
      const want = theirs.dataSync();
      theirs.dispose();
      assert.equal(ours.length, want.length);
      let diff = 0;
      for (let i = 0; i < ours.length; i++) if (ours[i] !== want[i]) diff++;
      assert.equal(diff, 0, `${w}x${h} box ${box.map((v) => v.toFixed(1))} roll ${roll}`);
      cases++;
    }
  }
  assert.equal(cases, 24);
});

const FIXTURE = 'group-5-faces.jpg';

test(
  "Human's detector path with turns put off (deferredTurns) equals the WASM turn exactly",
  { skip: !hasFixture(FIXTURE) && `fixture ${FIXTURE} missing` },
  async () => {
    const runtime = await FaceMeshRuntime.load({ onnx: true });
    const { width, height, faces } = truth(FIXTURE);
    const file = fixturePath(FIXTURE)!;
    const before = deferredTurns.cut;
    let compared = 0;
    for (const { box } of faces)
      for (const angle of [0, 18, -25]) {
        // A square crop twice the face, turned so that Human's detector turns it back.
        const side = Math.round(Math.max(box.x2 - box.x1, box.y2 - box.y1) * 2);
        const left = Math.max(0, Math.min(width - side, Math.round((box.x1 + box.x2 - side) / 2)));
        const top = Math.max(0, Math.min(height - side, Math.round((box.y1 + box.y2 - side) / 2)));
        const { data, info } = await sharp(file)
          .extract({ left, top, width: side, height: side })
          .rotate(angle, { background: '#000' })
          .resize(400, 400)
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const img = { data: new Uint8Array(data), width: info.width, height: info.height };
        for (const describe of [true, false]) {
          deferredTurns.on = false;
          const plain = await runtime.analyze(img, { describe });
          deferredTurns.on = true;
          const deferred = await runtime.analyze(img, { describe });
          assert.deepEqual(deferred, plain);
          compared += plain.length;
        }
      }
    assert.ok(compared >= 20, `${compared} faces`);
    assert.ok(deferredTurns.cut > before, 'no turn was put off');
  },
);
