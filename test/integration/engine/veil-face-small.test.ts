/**
 * The small-face pass of Veil's face detector with its real weights on a real photo: the
 * committed group of five people reduced until its largest face is 22 px, on a grey 960 x 540
 * frame (a far-away group in a 960 px detection copy). The main pass alone finds at most two of
 * the five faces there; with the small-face pass (an enlarged second run) every face is found,
 * and `hints.smallObjects: false` switches that pass off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { detectFrame } from '../../../src/engine/frame.detector.ts';
import { modelPath } from '../../../src/engine/models.ts';
import { openSession, type ModelSession } from '../../../src/engine/onnx.runtime.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { VeilFaceDetector } from '../../../src/engine/veil-face.detector.ts';
import { FAR_GROUP, farGroup, hits } from './far-group.ts';

const facesOnly = { ...defaultAnonymizeOptions, enableLp: false };
const NAME = FAR_GROUP;
const FACE_PX = 22;

describe("Veil's face detector, small-face pass (committed weights)", () => {
  let session: ModelSession;
  let scene: Awaited<ReturnType<typeof farGroup>>;
  before(async () => {
    session = await openSession(modelPath('veilFace'));
    scene = await farGroup(FACE_PX);
  });
  after(async () => {
    await session.close();
  });

  it(`finds every face of ${NAME} at ${FACE_PX} px that the main pass misses`, async () => {
    const { frame, faces } = scene;
    assert.equal(faces.length, 5);
    const one = await detectFrame(frame, facesOnly, {
      face: new VeilFaceDetector(session, { smallSide: 0 }),
    });
    const both = await detectFrame(
      frame,
      facesOnly,
      { face: new VeilFaceDetector(session) },
      { smallObjects: true },
    );
    assert.ok(hits(one, faces) <= 2, `main pass alone found ${hits(one, faces)}`);
    assert.equal(hits(both, faces), faces.length, JSON.stringify(both));
    // Nothing else: one detection per face.
    assert.equal(both.length, faces.length, JSON.stringify(both));
    for (const d of both) assert.ok(d.score >= facesOnly.blurThreshold && d.score <= 1);
  });

  it('the small-face pass is off when the hints say no small objects', async () => {
    const { frame, faces } = scene;
    const face = new VeilFaceDetector(session);
    const off = await detectFrame(frame, facesOnly, { face }, { smallObjects: false });
    const one = await detectFrame(frame, facesOnly, {
      face: new VeilFaceDetector(session, { smallSide: 0, coarseAsGiven: false }),
    });
    assert.equal(hits(off, faces), hits(one, faces));
    assert.ok(hits(off, faces) < faces.length);
    // Photos pass no hints: the main pass only.
    const photo = await detectFrame(frame, facesOnly, { face });
    assert.equal(hits(photo, faces), hits(one, faces));
  });
});
