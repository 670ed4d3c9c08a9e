/**
 * Faces of a photo from two detectors at once (`retinaface+veil`, what a fresh clone runs):
 * with the real weights, on a committed photo whose faces are drawn over with masks and blurred
 * (the kind of face where one detector fails), every face either detector finds is kept, once;
 * the engine's split over two workers returns exactly what one worker returns; video frames
 * (`sequence`) run the first detector only, unless they ask for both (`bothFaces`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { containment, iou } from '../../../src/engine/box.ts';
import { openDetectors } from '../../../src/engine/detectors.factory.ts';
import { mergeFaces } from '../../../src/engine/face-union.detector.ts';
import { detectFrame } from '../../../src/engine/frame.detector.ts';
import type { OpenDetectors } from '../../../src/engine/detectors.factory.ts';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { defaultAnonymizeOptions, type Box, type RgbFrame } from '../../../src/engine/types.ts';
import { loadFixture } from '../../fixtures/images/fixtures.ts';
import { maskedFaces } from '../../fixtures/images/masked-faces.ts';

const NAME = 'group-5-faces.jpg';
const facesOnly = { ...defaultAnonymizeOptions, enableLp: false };

/** The fixture with a light blue mask drawn over each face's lower half, then blurred. */
const maskedAndBlurred = () => maskedFaces(NAME, 0.55, 3);

const hits = (found: { box: Box }[], face: Box) => found.filter((d) => iou(d.box, face) >= 0.3);

describe('two face detectors on photos (retinaface+veil)', () => {
  let union: OpenDetectors;
  let retina: OpenDetectors;
  let veil: OpenDetectors;
  let engine: Engine;
  let scene: { frame: RgbFrame; faces: Box[] };
  before(async () => {
    [union, retina, veil] = await Promise.all([
      openDetectors({ faceModel: 'retinaface+veil' }),
      openDetectors({ faceModel: 'retinaface' }),
      openDetectors({ faceModel: 'veil' }),
    ]);
    engine = await createEngine({ faceModel: 'retinaface+veil', workers: 2 });
    scene = await maskedAndBlurred();
  });
  after(async () => {
    for (const d of [union, retina, veil]) await Promise.all([d.face.close(), d.plate.close()]);
    await engine.close();
  });

  it('keeps every face that either detector finds, each once', async () => {
    const { frame, faces } = scene;
    const [both, r, v] = await Promise.all(
      [union, retina, veil].map((d) => detectFrame(frame, facesOnly, d)),
    );
    const foundBy = (found: { box: Box }[]) => faces.filter((f) => hits(found, f).length > 0);
    // The scene is one where a single detector misses a face (here Veil's, the first face).
    assert.ok(
      foundBy(r).length < faces.length || foundBy(v).length < faces.length,
      `both alone found every face: ${foundBy(r).length}, ${foundBy(v).length}`,
    );
    for (const face of faces) {
      const alone = hits(r, face).length + hits(v, face).length;
      assert.equal(hits(both, face).length, alone > 0 ? 1 : 0, JSON.stringify(face));
    }
    // Nothing is lost or invented: every detection of either is one of the union's or lies
    // under one (the merge's IoU and containment rules).
    const under = (d: { box: Box }) =>
      both.some((u) => iou(u.box, d.box) >= 0.4 || containment(d.box, u.box) >= 0.7);
    for (const d of [...r, ...v]) assert.ok(under(d), JSON.stringify(d.box));
    assert.ok(both.length <= r.length + v.length);
  });

  it('splits a photo over two workers with the same result as one', async () => {
    for (const frame of [scene.frame, await loadFixture('group-3-faces.jpg')]) {
      for (const options of [defaultAnonymizeOptions, facesOnly]) {
        const expected = await detectFrame(frame, options, union);
        assert.deepEqual(await engine.detect(frame, options), expected);
      }
    }
  });

  it('runs both on the video frames that ask (bothFaces), the second without its small-face pass', async () => {
    const { frame, faces } = scene;
    const video = { sequence: true, smallObjects: true };
    const r = await detectFrame(frame, facesOnly, retina, video);
    const v = await detectFrame(frame, facesOnly, veil, { ...video, smallObjects: false });
    const both = await engine.detect(frame, facesOnly, { ...video, bothFaces: true });
    for (const face of faces) {
      const alone = hits(r, face).length + hits(v, face).length;
      assert.equal(hits(both, face).length, alone > 0 ? 1 : 0, JSON.stringify(face));
    }
    assert.equal(both.length, mergeFaces(r, v).length);
    // Without the hint a video frame is the first detector's alone.
    assert.deepEqual(await engine.detect(frame, facesOnly, video), r);
  });

  it('runs the first detector only on video frames', async () => {
    const hints = { sequence: true, smallObjects: false };
    const got = await engine.detect(scene.frame, facesOnly, hints);
    assert.deepEqual(got, await detectFrame(scene.frame, facesOnly, retina, hints));
    assert.equal(engine.models.face, 'retinaface+veil');
    assert.match(engine.models.describe.face, /RetinaFace.*Veil's face detector.*on photos/);
  });
});
