/**
 * The vehicle context of photos' plates through the real engine: a shop sign drawn on a group
 * photo (no vehicle in it) that Veil's plate detector takes for a plate under 0.7 is dropped,
 * while a sure plate stays; with `plateContext: 'none'` the sign is a plate.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEngine, type Engine } from '../../../src/engine/index.ts';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { drawPlate } from '../../fixtures/images/drawn-plate.ts';
import { fixturePath, hasFixture } from '../../fixtures/images/fixtures.ts';
import { drawSign } from './drawn-sign.ts';

const FIXTURE = 'group-5-faces.jpg';
const skip = !hasFixture(FIXTURE) && `fixture ${FIXTURE} missing`;
const plates = { ...defaultAnonymizeOptions, blurFace: false };
let gated: Engine;
let plain: Engine;

before(async () => {
  if (skip) return;
  [gated, plain] = await Promise.all([
    createEngine({ plateModel: 'veil', workers: 1 }),
    createEngine({ plateModel: 'veil', plateContext: 'none', workers: 1 }),
  ]);
});
after(async () => {
  await gated?.close();
  await plain?.close();
});

test('a sign taken for an unsure plate is dropped where no vehicle is', { skip }, async () => {
  const sign = await drawSign(fixturePath(FIXTURE)!, 'bakery', 700, 1200, 120);
  const without = (await plain.detect(sign.frame, plates)).filter((d) => d.cls === 'plate');
  assert.equal(without.length, 1, 'the plate detector takes the sign for a plate');
  assert.ok(without[0].score < 0.7, `score ${without[0].score}`);
  assert.deepEqual(await gated.detect(sign.frame, plates), []);
});

test('a sure plate needs no vehicle', { skip }, async () => {
  const plate = await drawPlate(fixturePath(FIXTURE)!, 'AB 123 CD', 700, 1200, 300);
  const found = (await gated.detect(plate.frame, plates)).filter((d) => d.cls === 'plate');
  assert.equal(found.length, 1);
  assert.ok(found[0].score >= 0.7, `score ${found[0].score}`);
});
