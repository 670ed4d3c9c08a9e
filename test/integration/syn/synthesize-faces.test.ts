/**
 * `syn` on real photos with the real models: the detector (YuNet), Human's mesh and faceres,
 * and face-api (an independent recogniser, not the one the fail-safe uses) as the judge.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { IdentityModel, distance, SAME_PERSON_DISTANCE } from '../../../scripts/eval/identity.ts';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import {
  getSynContext,
  synAvailable,
  synthesizeFaces,
  type TrackMemory,
} from '../../../src/engine/syn/index.ts';
import { SYN_LIMITS } from '../../../src/engine/syn/face.synthesizer.ts';

// The donor bank is not committed (see models/syn/README.md): without it there is nothing to test here.
const noBank = !synAvailable() && 'syn donor bank not installed (models/syn or shared/models/syn)';
import {
  defaultAnonymizeOptions,
  type Box,
  type Detection,
  type RgbFrame,
} from '../../../src/engine/types.ts';
import { hasFixture, loadFixture } from '../../fixtures/images/fixtures.ts';

const options = { ...defaultAnonymizeOptions, model: 'syn' as const, enableLp: false };
let engine: Engine;
let judge: IdentityModel;

before(async () => {
  engine = await createEngine({ workers: 1, threads: 1 });
  judge = await IdentityModel.load();
});
after(() => engine.close());

const iou = (a: Box, b: Box) => {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const i = w * h;
  return i / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - i);
};

/** Mean absolute per-channel difference inside the box's central half. */
function innerDifference(a: RgbFrame, b: RgbFrame, box: Box): number {
  const x1 = Math.round(box.x1 + (box.x2 - box.x1) / 4);
  const x2 = Math.round(box.x2 - (box.x2 - box.x1) / 4);
  const y1 = Math.round(box.y1 + (box.y2 - box.y1) / 4);
  const y2 = Math.round(box.y2 - (box.y2 - box.y1) / 4);
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2; y++)
    for (let x = x1; x < x2; x++)
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs(a.data[i] - b.data[i]);
        n++;
      }
  return sum / n;
}

let replacedOverall = 0;
const copy = (f: RgbFrame): RgbFrame => ({ ...f, data: f.data.slice() });
const faces = (dets: Detection[]) => dets.filter((d) => d.cls === 'face');

/** A crop unlike the fail-safe's (3x the face, 320 px): the attacker's own framing. */
function attackerCrop(frame: RgbFrame, box: Box): RgbFrame {
  const side = 320;
  const extent = 3 * Math.max(box.x2 - box.x1, box.y2 - box.y1);
  const scale = extent / side;
  const x0 = (box.x1 + box.x2) / 2 - extent / 2;
  const y0 = (box.y1 + box.y2) / 2 - extent / 2;
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const fx = Math.min(frame.width - 1, Math.max(0, Math.floor(x0 + (x + 0.5) * scale)));
      const fy = Math.min(frame.height - 1, Math.max(0, Math.floor(y0 + (y + 0.5) * scale)));
      data.set(
        frame.data.subarray((fy * frame.width + fx) * 3, (fy * frame.width + fx) * 3 + 3),
        (y * side + x) * 3,
      );
    }
  return { data, width: side, height: side };
}

// Every face of these photos, replaced or blurred, is judged as an attacker would: face-api
// on the whole photo (dlib alignment, as eval:syn), at the original's aligned box and found
// afresh in the output, and faceres on a crop framed unlike the fail-safe's. The fail-safe
// once judged its own resampled crop in another alignment, and a group-3 face left at
// face-api distance 0.577 (same person) from its original.
for (const name of ['astronaut.jpg', 'group-3-faces.jpg', 'group-5-faces.jpg']) {
  test(
    `${name}: replaced faces differ, are still faces, and are not the person in any view`,
    {
      skip: noBank || (!hasFixture(name) && `fixture ${name} missing`),
    },
    async () => {
      const original = await loadFixture(name);
      const dets = faces(await engine.detect(original, options));
      assert.ok(dets.length > 0, 'the detector finds the fixture faces');
      const out = copy(original);
      const sut = await synthesizeFaces(out, dets, options, { salt: 'test' });
      assert.equal(sut.replaced + sut.blurred, dets.length, 'every face is replaced or blurred');
      replacedOverall += sut.replaced;
      const { runtime } = await getSynContext();

      const found = faces(await engine.detect(out, options));
      const leaks: string[] = [];
      for (const [i, det] of dets.entries()) {
        assert.ok(innerDifference(original, out, det.box) > 8, `face ${i} changed`);
        const kind = sut.outcomes[i].kind;
        const xyxy: [number, number, number, number] = [
          det.box.x1,
          det.box.y1,
          det.box.x2,
          det.box.y2,
        ];
        const ref = await judge.describe(original, xyxy);
        if (ref) {
          // Cut at the original's place: meaningful for a synthetic face only (a blurred or
          // filled oval keeps the hair and outline, which face-api alone puts at ~0.53).
          const outcome = sut.outcomes[i];
          const views =
            kind === 'replaced' ? [distance(ref.descriptor, await judge.describeAt(out, ref))] : [];
          // The fail-safe judges the final pixels in every view, so it is never more lenient
          // than this attacker (it once judged a resampled crop in another alignment and
          // reported 0.874 where the attacker measured 0.828).
          if (outcome.kind === 'replaced' && outcome.faceApiDistance !== null)
            assert.ok(
              outcome.faceApiDistance <= views[0] + 0.02,
              `face ${i}: fail-safe saw ${outcome.faceApiDistance.toFixed(3)}, attacker ${views[0].toFixed(3)}`,
            );
          const afresh = await judge.describe(out, xyxy);
          if (afresh) views.push(distance(ref.descriptor, afresh.descriptor));
          if (views.some((d) => d < SAME_PERSON_DISTANCE))
            leaks.push(`face ${i} (${kind}): face-api ${views.map((d) => d.toFixed(3))}`);
        }
        const [before] = await runtime.analyze(attackerCrop(original, det.box));
        const [after] = await runtime.analyze(attackerCrop(out, det.box));
        if (before?.embedding.length && after?.embedding.length) {
          const similarity = runtime.similarity(before.embedding, after.embedding);
          if (similarity >= SYN_LIMITS.matchSimilarity)
            leaks.push(`face ${i} (${kind}): faceres ${similarity.toFixed(3)}`);
        }
        if (kind !== 'replaced') continue;
        assert.ok(
          found.some((f) => iou(f.box, det.box) >= 0.5),
          `replaced face ${i} is still detected at its place`,
        );
      }
      assert.deepEqual(leaks, [], 'outputs the attacker matches to their original');
    },
  );
}

test(
  'the judge does match the same person lightly altered (so the test above can fail)',
  {
    skip: noBank || (!hasFixture('astronaut.jpg') && 'fixture missing'),
  },
  async () => {
    const original = await loadFixture('astronaut.jpg');
    const jpeg = await sharp(Buffer.from(original.data), {
      raw: { width: original.width, height: original.height, channels: 3 },
    })
      .modulate({ brightness: 1.1 })
      .jpeg({ quality: 60 })
      .toBuffer();
    const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const altered = { ...original, data: new Uint8Array(data) };
    const ref = await judge.describe(original);
    assert.ok(ref);
    assert.ok(
      distance(ref.descriptor, await judge.describeAt(altered, ref)) < SAME_PERSON_DISTANCE,
    );
  },
);

test(
  'at least one real fixture face was replaced (not everything falls back to blur)',
  { skip: noBank },
  () => {
    assert.ok(replacedOverall >= 1, `replaced ${replacedOverall}`);
  },
);

test(
  'one key keeps one outcome; replaced faces are someone else to faceres too',
  { skip: noBank },
  async () => {
    const original = await loadFixture('astronaut.jpg');
    const dets = faces(await engine.detect(original, options)).map((d) => ({ ...d, trackId: 7 }));
    const a = await synthesizeFaces(copy(original), dets, options, { salt: 's' });
    const b = await synthesizeFaces(copy(original), dets, options, { salt: 's' });
    assert.deepEqual(a.outcomes, b.outcomes);
    for (const outcome of a.outcomes)
      if (outcome.kind === 'replaced') assert.ok(outcome.similarity < SYN_LIMITS.passSimilarity);
    const ctx = await getSynContext();
    assert.ok(
      ctx.bank.donors.every((d) => d.members >= 5),
      'every donor averages 5+ people',
    );
  },
);

test('a face too small for a mesh is blurred, not left as is', { skip: noBank }, async () => {
  const big = await loadFixture('astronaut.jpg');
  const { data, info } = await sharp(Buffer.from(big.data), {
    raw: { width: big.width, height: big.height, channels: 3 },
  })
    .resize(160)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const small = { data: new Uint8Array(data), width: info.width, height: info.height };
  const det: Detection = {
    cls: 'face',
    score: 0.9,
    box: { x1: 178 * 0.3125, y1: 66 * 0.3125, x2: 270 * 0.3125, y2: 176 * 0.3125 },
  };
  const out = copy(small);
  const sut = await synthesizeFaces(out, [det], options);
  assert.deepEqual(sut.outcomes, [{ kind: 'blurred', reason: 'small' }]);
  assert.ok(innerDifference(small, out, det.box) > 3, 'the small face was blurred');
});

test(
  'a blurred track holding its cover tries its closest candidate, judged; a turned one keeps its blur',
  { skip: noBank || (!hasFixture('group-5-faces.jpg') && 'fixture missing') },
  async () => {
    const original = await loadFixture('group-5-faces.jpg');
    // The first face a fresh track replaces (most of this photo's faces are).
    const fresh = new Map<number, TrackMemory>();
    let det: Detection | undefined;
    for (const d of faces(await engine.detect(original, options))) {
      fresh.clear();
      const first = await synthesizeFaces(copy(original), [{ ...d, trackId: 3 }], options, {
        salt: 'hold',
        tracks: fresh,
      });
      if (first.outcomes[0].kind === 'replaced') {
        det = { ...d, trackId: 3 };
        break;
      }
    }
    assert.ok(det, 'a fixture face passes on a fresh track');
    const { donor, pull } = fresh.get(3)!;
    const side = Math.max(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1);
    const held = (reason: 'still-matches' | 'turned'): Map<number, TrackMemory> =>
      new Map([
        [
          3,
          {
            sinceCheck: 0,
            originals: { faceres: [], faceApi: [] },
            // Three failed checks in a row: the full retry is 4 frames away.
            cover: {
              reason,
              passes: 1,
              side,
              sinceCheck: 0,
              failures: 3,
              closest: { donor: donor!, pull: pull! },
            },
          },
        ],
      ]);
    const out = copy(original);
    const retried = await synthesizeFaces(out, [det], options, {
      salt: 'hold',
      tracks: held('still-matches'),
    });
    const outcome = retried.outcomes[0];
    assert.ok(outcome.kind === 'replaced' && outcome.checked, JSON.stringify(outcome));
    assert.equal(outcome.donor, donor, 'the closest candidate, not the whole ranking');
    const ref = await judge.describe(original, [det.box.x1, det.box.y1, det.box.x2, det.box.y2]);
    assert.ok(ref);
    assert.ok(distance(ref.descriptor, await judge.describeAt(out, ref)) >= SAME_PERSON_DISTANCE);
    const turned = await synthesizeFaces(copy(original), [det], options, {
      salt: 'hold',
      tracks: held('turned'),
    });
    assert.deepEqual(turned.outcomes, [{ kind: 'blurred', reason: 'turned' }]);
  },
);
