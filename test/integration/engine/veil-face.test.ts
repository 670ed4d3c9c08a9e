/**
 * Veil's own face detector (models/veil-face/face-det.onnx, committed: what a fresh clone runs
 * for faces when YuNet's weights are absent) with its real weights on the committed photos of
 * people: every face of ground-truth.json is found, nothing else is, a higher threshold keeps
 * fewer faces, and createEngine runs it when asked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iou } from '../../../src/engine/box.ts';
import { detectFrame, type FrameDetectors } from '../../../src/engine/frame.detector.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { hasModel, modelPath, resolveModels } from '../../../src/engine/models.ts';
import { openSession } from '../../../src/engine/onnx.runtime.ts';
import { defaultAnonymizeOptions, type Box } from '../../../src/engine/types.ts';
import { VeilFaceDetector } from '../../../src/engine/veil-face.detector.ts';
import { loadFixture, truth } from '../../fixtures/images/fixtures.ts';

const facesOnly = { ...defaultAnonymizeOptions, enableLp: false };

/** Share of `truth` inside `found`. */
function covered(found: Box, truth: Box): number {
  const w = Math.max(0, Math.min(found.x2, truth.x2) - Math.max(found.x1, truth.x1));
  const h = Math.max(0, Math.min(found.y2, truth.y2) - Math.max(found.y1, truth.y1));
  return (w * h) / ((truth.x2 - truth.x1) * (truth.y2 - truth.y1));
}

describe("Veil's face detector (committed weights)", () => {
  let detectors: FrameDetectors;
  before(async () => {
    detectors = { face: new VeilFaceDetector(await openSession(modelPath('veilFace'))) };
  });
  after(async () => {
    await detectors.face?.close();
  });

  it('is committed, so a clone runs it beside RetinaFace on photos', () => {
    assert.ok(hasModel('veilFace'));
    const fresh = resolveModels('auto', 'auto', (id) => id === 'veilFace' || id === 'veilPlate');
    assert.equal(
      fresh.face,
      'retinaface+veil',
      'alone only when asked: it misses small faces in video',
    );
    const asked = resolveModels('veil', 'auto', (id) => id === 'veilFace' || id === 'veilPlate');
    assert.equal(asked.face, 'veil');
    assert.equal(asked.faceFallback, false);
    assert.match(asked.describe.face, /Veil's face detector/);
    assert.equal(resolveModels('auto', 'auto', () => true).face, 'yunet+veil');
  });

  for (const name of ['group-3-faces.jpg', 'group-5-faces.jpg', 'astronaut.jpg']) {
    it(`finds every face of ${name} and nothing else`, async () => {
      const found = await detectFrame(await loadFixture(name), facesOnly, detectors);
      const faces = truth(name).faces.map((f) => f.box);
      assert.equal(found.length, faces.length, JSON.stringify(found));
      for (const face of faces) {
        const hit = found.find((d) => iou(d.box, face) >= 0.3);
        assert.ok(hit, `no detection on ${JSON.stringify(face)} in ${JSON.stringify(found)}`);
        assert.equal(hit.cls, 'face');
        assert.ok(hit.score >= facesOnly.blurThreshold && hit.score <= 1);
        // The cover must hide the face: most of the hand-drawn box lies inside it.
        assert.ok(covered(hit.box, face) >= 0.6, `${covered(hit.box, face).toFixed(2)} covered`);
      }
    });
  }

  it('a higher face threshold keeps fewer faces, never more', async () => {
    const frame = await loadFixture('group-5-faces.jpg');
    const counts: number[] = [];
    for (const blurThreshold of [0.2, 0.5, 0.999]) {
      counts.push((await detectFrame(frame, { ...facesOnly, blurThreshold }, detectors)).length);
    }
    assert.ok(counts[0] >= counts[1] && counts[1] >= counts[2], counts.join(' '));
    assert.equal(counts[2], 0);
  });

  it('createEngine runs it when asked and reports it', async () => {
    const engine = await createEngine({ faceModel: 'veil', workers: 1 });
    try {
      assert.equal(engine.models.face, 'veil');
      assert.equal(engine.models.faceFallback, false);
      assert.match(engine.models.describe.face, /Veil's face detector/);
      const found = await engine.detect(await loadFixture('group-3-faces.jpg'), facesOnly);
      assert.equal(found.filter((d) => d.cls === 'face').length, 3);
    } finally {
      await engine.close();
    }
  });
});
