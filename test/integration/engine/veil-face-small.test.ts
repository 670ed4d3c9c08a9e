/**
 * The small-face pass of Veil's face detector with its real weights on a real photo: the
 * committed group of five people reduced until its largest face is 22 px, on a grey 960 x 540
 * frame (a far-away group in a 960 px detection copy). The main pass alone finds at most two of
 * the five faces there; with the small-face pass (an enlarged second run) every face is found,
 * and `hints.smallObjects: false` switches that pass off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { iou } from '../../../src/engine/box.ts';
import { detectFrame } from '../../../src/engine/frame.detector.ts';
import { modelPath } from '../../../src/engine/models.ts';
import { openSession, type ModelSession } from '../../../src/engine/onnx.runtime.ts';
import { defaultAnonymizeOptions, type Box, type RgbFrame } from '../../../src/engine/types.ts';
import { VeilFaceDetector } from '../../../src/engine/veil-face.detector.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';

const facesOnly = { ...defaultAnonymizeOptions, enableLp: false };
const NAME = 'group-5-faces.jpg';
const FACE_PX = 22;

/** The photo reduced (largest face FACE_PX) at the top left of a grey 960 x 540 frame. */
async function farGroup(): Promise<{ frame: RgbFrame; faces: Box[] }> {
  const t = truth(NAME);
  const k = FACE_PX / Math.max(...t.faces.map((f) => f.box.x2 - f.box.x1));
  const [w, h] = [Math.round(t.width * k), Math.round(t.height * k)];
  const { data } = await sharp(fixturePath(NAME)!)
    .resize(w, h, { fit: 'fill' })
    .extend({ right: 960 - w, bottom: 540 - h, background: '#808080' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const faces = t.faces.map(({ box: b }) => ({
    x1: (b.x1 * w) / t.width,
    y1: (b.y1 * h) / t.height,
    x2: (b.x2 * w) / t.width,
    y2: (b.y2 * h) / t.height,
  }));
  return { frame: { data: new Uint8Array(data), width: 960, height: 540 }, faces };
}

const hits = (found: Array<{ box: Box }>, faces: Box[]) =>
  faces.filter((f) => found.some((d) => iou(d.box, f) >= 0.3)).length;

describe("Veil's face detector, small-face pass (committed weights)", () => {
  let session: ModelSession;
  let scene: Awaited<ReturnType<typeof farGroup>>;
  before(async () => {
    session = await openSession(modelPath('veilFace'));
    scene = await farGroup();
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
    const both = await detectFrame(frame, facesOnly, { face: new VeilFaceDetector(session) });
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
  });
});
