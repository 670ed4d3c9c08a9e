/**
 * Veil's own plate detector (models/veil-plate/plate-det.onnx, committed: what a fresh clone
 * runs for plates when HyperLPR3's weights are absent) with its real weights: EU plates drawn
 * onto committed photos at several sizes are found and covered, the photos of people give no
 * plate, and the real plate photos (GitHub snapshot, where present) are found.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iou } from '../../../src/engine/box.ts';
import { detectFrame, type FrameDetectors } from '../../../src/engine/frame.detector.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { hasModel, modelPath, resolveModels } from '../../../src/engine/models.ts';
import { openSession } from '../../../src/engine/onnx.runtime.ts';
import { defaultAnonymizeOptions, type Box } from '../../../src/engine/types.ts';
import {
  VEIL_PLATE_FAR_PASSES,
  VeilPlateDetector,
} from '../../../src/engine/veil-plate.detector.ts';
import { drawPlate } from '../../fixtures/images/drawn-plate.ts';
import { fixturePath, hasFixture, loadFixture, truth } from '../../fixtures/images/fixtures.ts';

const platesOnly = { ...defaultAnonymizeOptions, blurFace: false };

/** Share of `truth` inside `found`. */
function covered(found: Box, truth: Box): number {
  const w = Math.max(0, Math.min(found.x2, truth.x2) - Math.max(found.x1, truth.x1));
  const h = Math.max(0, Math.min(found.y2, truth.y2) - Math.max(found.y1, truth.y1));
  return (w * h) / ((truth.x2 - truth.x1) * (truth.y2 - truth.y1));
}

describe("Veil's plate detector (committed weights)", () => {
  let detectors: FrameDetectors;
  before(async () => {
    detectors = { plate: new VeilPlateDetector(await openSession(modelPath('veilPlate'))) };
  });
  after(async () => {
    await detectors.plate?.close();
  });

  it('is committed, so a clone without HyperLPR3 runs it instead of the text fallback', () => {
    assert.ok(hasModel('veilPlate'));
    const fresh = resolveModels('auto', 'auto', (id) => id === 'veilPlate');
    assert.equal(fresh.plate, 'veil');
    assert.equal(fresh.plateFallback, false);
  });

  const drawn: Array<[string, string, number, number, number]> = [
    // photo, plate text, left, top, width (EU plate, 520 x 110 proportions)
    ['group-3-faces.jpg', 'KM 4087 E', 1250, 1080, 300],
    ['group-3-faces.jpg', 'KM 4087 E', 700, 900, 500],
    ['group-5-faces.jpg', 'AB 123 CD', 200, 1250, 220],
    ['astronaut.jpg', 'E 2049 MK', 300, 420, 150],
    // Far: 90 and 110 px on 1920 px photos are 45 and 55 px in the 960 px main pass.
    ['group-3-faces.jpg', 'KM 4087 E', 100, 1100, 90],
    ['group-5-faces.jpg', 'AB 123 CD', 900, 1200, 110],
  ];
  for (const [photo, text, left, top, width] of drawn) {
    it(`finds and covers a ${width} px plate "${text}" drawn onto ${photo}`, async () => {
      const plate = await drawPlate(fixturePath(photo)!, text, left, top, width);
      const found = await detectFrame(plate.frame, platesOnly, detectors);
      assert.equal(found.length, 1, JSON.stringify(found));
      const [hit] = found;
      assert.equal(hit.cls, 'plate');
      assert.ok(iou(hit.box, plate.box) >= 0.5, `IoU ${iou(hit.box, plate.box).toFixed(2)}`);
      const share = covered(hit.box, plate.box);
      assert.ok(share >= 0.9, `${(share * 100).toFixed(0)}% of the plate covered`);
      assert.ok(hit.score >= platesOnly.lpThreshold && hit.score <= 1);
    });
  }

  it('finds no plate in the committed photos of people (a round badge with text included)', async () => {
    for (const name of ['group-3-faces.jpg', 'group-5-faces.jpg', 'astronaut.jpg']) {
      assert.deepEqual(await detectFrame(await loadFixture(name), platesOnly, detectors), [], name);
    }
  });

  it('a higher lp_threshold keeps fewer plates, never more', async () => {
    const plate = await drawPlate(fixturePath('astronaut.jpg')!, 'E 2049 MK', 300, 420, 150);
    const counts: number[] = [];
    for (const lpThreshold of [0.2, 0.5, 0.95]) {
      counts.push(
        (await detectFrame(plate.frame, { ...platesOnly, lpThreshold }, detectors)).length,
      );
    }
    assert.ok(counts[0] >= counts[1] && counts[1] >= counts[2], counts.join(' '));
    assert.equal(counts[2], 0);
  });

  for (const name of ['street-plate-cn.jpg', 'closeup-plate-cn.jpg']) {
    it(
      `finds the near plate of ${name}`,
      { skip: !hasFixture(name) && `${name} absent (GitHub snapshot, not committed)` },
      async () => {
        const found = await detectFrame(await loadFixture(name), platesOnly, detectors);
        const target = truth(name).plates.find((p) => !p.hard)!.box;
        const best = Math.max(0, ...found.map((d) => iou(d.box, target)));
        assert.ok(best >= 0.5, `best IoU ${best.toFixed(2)} in ${JSON.stringify(found)}`);
      },
    );
  }

  it('createEngine runs it when asked and reports it', async () => {
    const engine = await createEngine({ plateModel: 'veil', workers: 1 });
    try {
      assert.equal(engine.models.plate, 'veil');
      assert.equal(engine.models.plateFallback, false);
      assert.match(engine.models.describe.plate, /Veil's plate detector/);
      const plate = await drawPlate(fixturePath('group-5-faces.jpg')!, 'AB 123 CD', 200, 1250, 220);
      const found = await engine.detect(plate.frame, platesOnly);
      assert.ok(found.some((d) => d.cls === 'plate' && iou(d.box, plate.box) >= 0.5));
    } finally {
      await engine.close();
    }
  });
});

describe("Veil's far-plate weights on video frames (committed)", () => {
  let detector: VeilPlateDetector;
  const sequence = { sequence: true };
  before(async () => {
    detector = new VeilPlateDetector(
      await openSession(modelPath('veilPlate')),
      undefined,
      undefined,
      {
        session: await openSession(modelPath('veilPlateFar')),
        passes: VEIL_PLATE_FAR_PASSES,
      },
    );
  });
  after(async () => {
    await detector.close();
  });

  // 1920 px photos run at 640: plates of 26-50 px there, under the 320 px pass's 20 px for the
  // narrower ones (judged by the 640 px pass alone).
  const far: Array<[string, string, number, number, number]> = [
    ['group-3-faces.jpg', 'KM 4087 E', 100, 1100, 80],
    ['group-5-faces.jpg', 'AB 123 CD', 900, 1200, 100],
    ['group-3-faces.jpg', 'KM 4087 E', 1250, 1080, 150],
  ];
  for (const [photo, text, left, top, width] of far) {
    it(`finds a ${width} px plate "${text}" on a 1920 px frame of ${photo}`, async () => {
      const plate = await drawPlate(fixturePath(photo)!, text, left, top, width);
      const found = await detector.detect(plate.frame, platesOnly.lpThreshold, sequence);
      const best = Math.max(0, ...found.map((d) => iou(d.box, plate.box)));
      assert.ok(best >= 0.5, `best IoU ${best.toFixed(2)} in ${JSON.stringify(found)}`);
    });
  }

  it('finds no plate on the frames of people', async () => {
    for (const name of ['group-3-faces.jpg', 'group-5-faces.jpg', 'astronaut.jpg']) {
      const frame = await loadFixture(name);
      assert.deepEqual(await detector.detect(frame, platesOnly.lpThreshold, sequence), [], name);
    }
  });

  it('runs video frames only: photos still get the photo weights', async () => {
    const photoOnly = new VeilPlateDetector(await openSession(modelPath('veilPlate')));
    try {
      const plate = await drawPlate(fixturePath('astronaut.jpg')!, 'E 2049 MK', 300, 420, 150);
      assert.deepEqual(
        await detector.detect(plate.frame, platesOnly.lpThreshold),
        await photoOnly.detect(plate.frame, platesOnly.lpThreshold),
      );
    } finally {
      await photoOnly.close();
    }
  });
});
