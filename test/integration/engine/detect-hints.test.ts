/**
 * Hints a video gives the detectors (`DetectHints`): RetinaFace's enlarged pass skipped when
 * `smallObjects` is false and enlarged by its video factor on `sequence` frames, and the text plate fallback keeping a candidate on a known plate
 * without reading it. Committed photos and the npm fallbacks: runs on every clone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iou } from '../../../src/engine/box.ts';
import { openDetectors } from '../../../src/engine/detectors.factory.ts';
import { detectFrame } from '../../../src/engine/frame.detector.ts';
import type { OpenDetectors } from '../../../src/engine/detectors.factory.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { openSession } from '../../../src/engine/onnx.runtime.ts';
import {
  DEFAULT_RETINA,
  RetinaFaceDetector,
  retinafaceModelBytes,
} from '../../../src/engine/retinaface.detector.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { fixturePath } from '../../fixtures/images/fixtures.ts';
import { drawSign } from './drawn-sign.ts';
import { smallFaces } from './small-faces.ts';

const facesOnly = { ...defaultAnonymizeOptions, enableLp: false };
const platesOnly = { ...defaultAnonymizeOptions, blurFace: false };

describe('detection hints (video)', () => {
  let detectors: OpenDetectors;
  before(async () => {
    detectors = await openDetectors({ faceModel: 'retinaface', plateModel: 'text' });
  });
  after(async () => {
    await detectors.face.close();
    await detectors.plate.close();
  });

  it('smallObjects false skips the enlarged pass, in-thread and through the engine', async () => {
    const { frame, faces, hits } = await smallFaces();
    const all = await detectFrame(frame, facesOnly, detectors);
    const main = await detectFrame(frame, facesOnly, detectors, { smallObjects: false });
    assert.equal(hits(all), faces.length);
    assert.ok(hits(main) < faces.length, `the main pass alone found ${hits(main)}`);
    const engine = await createEngine({ faceModel: 'retinaface', plateModel: 'text' });
    try {
      assert.deepEqual(await engine.detect(frame, facesOnly, { smallObjects: false }), main);
      assert.deepEqual(await engine.detect(frame, facesOnly, { smallObjects: true }), all);
    } finally {
      await engine.close();
    }
  });

  it('video frames (sequence) enlarge by sequenceUpscale, photos by upscale', async () => {
    const { frame, faces, hits } = await smallFaces();
    // A detector whose video pass does not enlarge at all: its video frames find what the
    // main pass alone finds, its photos what both passes find.
    const noVideoPass = new RetinaFaceDetector(await openSession(retinafaceModelBytes()), {
      ...DEFAULT_RETINA,
      sequenceUpscale: 1,
    });
    try {
      const d = { face: noVideoPass };
      const photo = await detectFrame(frame, facesOnly, d);
      const video = await detectFrame(frame, facesOnly, d, { sequence: true, smallObjects: true });
      const main = await detectFrame(frame, facesOnly, detectors, { smallObjects: false });
      assert.equal(hits(photo), faces.length);
      assert.deepEqual(video, main);
      // The default video factor (1.75x) finds every small face of the scene too.
      const seq = { sequence: true, smallObjects: true };
      assert.equal(hits(await detectFrame(frame, facesOnly, detectors, seq)), faces.length);
    } finally {
      await noVideoPass.close();
    }
  });

  it('a candidate on a known plate is kept unread; elsewhere it is still read', async () => {
    const sign = await drawSign(fixturePath('group-3-faces.jpg')!, 'bakery', 1250, 1080, 300);
    // Read, the sign is no plate (fallback.test.ts); on a known plate's place it is kept.
    assert.deepEqual(await detectFrame(sign.frame, platesOnly, detectors), []);
    const known = await detectFrame(sign.frame, platesOnly, detectors, {
      knownPlates: [sign.box],
    });
    assert.equal(known.length, 1, JSON.stringify(known));
    assert.ok(iou(known[0].box, sign.box) >= 0.4);
    const elsewhere = { ...sign.box, x1: sign.box.x1 + 2000, x2: sign.box.x2 + 2000 };
    const far = await detectFrame(sign.frame, platesOnly, detectors, { knownPlates: [elsewhere] });
    assert.deepEqual(far, []);
  });
});
