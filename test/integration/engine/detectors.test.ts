/** Real models on real photos, in this thread: every known face and plate is found, nothing absurd. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iou } from '../../../src/engine/box.ts';
import { openDetectors } from '../../../src/engine/detectors.factory.ts';
import { detectFrame } from '../../../src/engine/frame.detector.ts';
import type { OpenDetectors } from '../../../src/engine/detectors.factory.ts';
import { hasModel } from '../../../src/engine/models.ts';
import { resizeRgb } from '../../../src/engine/preprocess.ts';
import {
  defaultAnonymizeOptions,
  type Detection,
  type RgbFrame,
} from '../../../src/engine/types.ts';
import { FIXTURES, hasFixture, loadFixture, truth } from '../../fixtures/images/fixtures.ts';

const modelsMissing =
  !hasModel('yunet') || !hasModel('plate640')
    ? 'model weights not found (models/README.md)'
    : false;
const options = { ...defaultAnonymizeOptions };

describe('detectors on real photos', { skip: modelsMissing }, () => {
  let detectors: OpenDetectors;
  before(async () => {
    detectors = await openDetectors();
  });
  after(async () => {
    await detectors.face.close();
    await detectors.plate.close();
  });

  for (const name of FIXTURES) {
    it(
      `finds every known face and plate in ${name}, and nothing absurd`,
      { skip: !hasFixture(name) && `${name} missing` },
      async () => {
        const frame = await loadFixture(name);
        const t = truth(name);
        assert.deepEqual([frame.width, frame.height], [t.width, t.height]);
        const found = await detectFrame(frame, options, detectors);
        const unmatched = new Set(found);
        for (const [cls, objects] of [
          ['face', t.faces],
          ['plate', t.plates],
        ] as const) {
          for (const object of objects) {
            const hit = found.find((d) => d.cls === cls && iou(d.box, object.box) >= 0.3);
            if (hit) unmatched.delete(hit);
            else assert.ok(object.hard, `${cls} at ${JSON.stringify(object.box)} not found`);
          }
        }
        const extra = [...unmatched];
        assert.ok(
          extra.length <= 1,
          `false detections: ${JSON.stringify(extra.map((d) => [d.cls, d.score]))}`,
        );
        for (const d of extra) {
          assert.ok(
            !(d.cls === 'plate' && t.plates.length === 0),
            'a plate in a photo without cars',
          );
          assert.ok(d.score < 0.8, `confident false ${d.cls} (${d.score.toFixed(2)})`);
        }
        for (const d of found) {
          assert.ok(d.score >= 0.5 && d.score <= 1);
          assert.ok(
            d.box.x1 >= 0 && d.box.y1 >= 0 && d.box.x2 <= frame.width && d.box.y2 <= frame.height,
          );
        }
      },
    );
  }

  it(
    'gives faces 5 landmarks inside their box and plates 4 corners around theirs',
    { skip: !hasFixture('closeup-plate-cn.jpg') },
    async () => {
      const faces = await detectFrame(await loadFixture('group-5-faces.jpg'), options, detectors);
      const plates = await detectFrame(
        await loadFixture('closeup-plate-cn.jpg'),
        options,
        detectors,
      );
      for (const f of faces.filter((d) => d.cls === 'face')) {
        assert.equal(f.landmarks?.length, 5);
        for (const [x, y] of f.landmarks ?? [])
          assert.ok(x >= f.box.x1 && x <= f.box.x2 && y >= f.box.y1 && y <= f.box.y2);
        // right eye (image left) is left of the left eye, the nose below both eyes
        const [re, le, nose] = f.landmarks ?? [];
        assert.ok(re[0] < le[0] && nose[1] > Math.min(re[1], le[1]));
      }
      const plate = plates.find((d) => d.cls === 'plate');
      assert.equal(plate?.polygon?.length, 4);
      const [tl, tr, br, bl] = plate?.polygon ?? [];
      assert.ok(
        tl[0] < tr[0] && bl[0] < br[0] && tl[1] < bl[1] && tr[1] < br[1],
        'corners in TL, TR, BR, BL order',
      );
    },
  );

  it(
    'switches classes off with blurFace=false and enableLp=false',
    { skip: !hasFixture('closeup-plate-cn.jpg') },
    async () => {
      const frame = await loadFixture('closeup-plate-cn.jpg');
      const both = await detectFrame(frame, options, detectors);
      assert.ok(both.some((d) => d.cls === 'plate'));
      const noPlates = await detectFrame(frame, { ...options, enableLp: false }, detectors);
      assert.deepEqual(
        noPlates,
        both.filter((d) => d.cls === 'face'),
      );
      const noFaces = await detectFrame(
        await loadFixture('group-3-faces.jpg'),
        { ...options, blurFace: false },
        detectors,
      );
      assert.equal(noFaces.filter((d) => d.cls === 'face').length, 0);
      assert.deepEqual(
        await detectFrame(frame, { ...options, enableLp: false, blurFace: false }, detectors),
        [],
      );
    },
  );

  it(
    'finds with both plate models merged every plate the 640 model finds, once',
    { skip: !hasFixture('street-plate-cn.jpg') },
    async () => {
      const only640 = await openDetectors({ plateModel: '640' });
      try {
        const frame = await loadFixture('street-plate-cn.jpg');
        const plates = { ...options, blurFace: false };
        const single = await detectFrame(frame, plates, only640);
        const merged = await detectFrame(frame, plates, detectors);
        assert.ok(single.length >= 1);
        for (const p of single)
          assert.equal(merged.filter((m) => iou(m.box, p.box) >= 0.5).length, 1);
      } finally {
        await only640.face.close();
        await only640.plate.close();
      }
    },
  );

  it('reports only detections at or above the thresholds', async () => {
    const frame = await loadFixture('group-3-faces.jpg');
    const loose = await detectFrame(frame, { ...options, blurThreshold: 0.3 }, detectors);
    const strict = await detectFrame(frame, { ...options, blurThreshold: 0.8 }, detectors);
    assert.ok(strict.length >= 3 && strict.length < loose.length);
    assert.ok(strict.every((d) => d.score >= 0.8));
    assert.ok(loose.every((d) => d.score >= 0.3));
  });

  it('finds faces under 20 px in a 4K frame only with slicing', async () => {
    const frame = await tinyFacesIn4k();
    const plain = await detectFrame(frame.frame, options, detectors);
    const sliced = await detectFrame(frame.frame, { ...options, slicing: true }, detectors);
    const hits = (found: Detection[]) =>
      frame.faces.filter((box) => found.some((d) => d.cls === 'face' && iou(d.box, box) >= 0.3))
        .length;
    assert.equal(hits(plain), 0, 'the 960 px pass cannot see them');
    assert.ok(hits(sliced) >= 4, `slicing found ${hits(sliced)} of ${frame.faces.length}`);
    assert.ok(sliced.length <= frame.faces.length + 2, `${sliced.length} detections`);
  });
});

/**
 * The 5-face group photo shrunk so its faces are 16-24 px wide, pasted into a grey 3840x2160
 * frame away from the tile grid's first seams.
 */
async function tinyFacesIn4k(): Promise<{
  frame: RgbFrame;
  faces: Array<{ x1: number; y1: number; x2: number; y2: number }>;
}> {
  const photo = await loadFixture('group-5-faces.jpg');
  const scale = 0.11;
  const small = resizeRgb(photo, Math.round(photo.width * scale), Math.round(photo.height * scale));
  const width = 3840;
  const height = 2160;
  const data = new Uint8Array(width * height * 3).fill(128);
  const ox = 1700;
  const oy = 1100;
  for (let y = 0; y < small.height; y++) {
    data.set(
      small.data.subarray(y * small.width * 3, (y + 1) * small.width * 3),
      ((oy + y) * width + ox) * 3,
    );
  }
  const faces = truth('group-5-faces.jpg').faces.map(({ box }) => ({
    x1: ox + box.x1 * scale,
    y1: oy + box.y1 * scale,
    x2: ox + box.x2 * scale,
    y2: oy + box.y2 * scale,
  }));
  return { frame: { data, width, height }, faces };
}
