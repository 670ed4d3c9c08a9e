/**
 * CenterNet from `@vladmandic/human`, converted to ONNX in memory (its UpSampling2D resizes
 * included) and run on onnxruntime: it finds the people of a real group photo where they are.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  openObjectDetector,
  PERSON_CLASS,
  type ObjectDetector,
} from '../../../src/engine/vehicle.detector.ts';
import { hasFixture, loadFixture, truth } from '../../fixtures/images/fixtures.ts';

const FIXTURE = 'group-5-faces.jpg';
const skip = !hasFixture(FIXTURE) && `fixture ${FIXTURE} missing`;
let detector: ObjectDetector;

before(async () => {
  if (!skip) detector = await openObjectDetector();
});
after(async () => detector?.close());

test('every face of the group photo lies in a person box', { skip }, async () => {
  const frame = await loadFixture(FIXTURE);
  const people = await detector.detect(frame, [PERSON_CLASS], 0.2);
  const { faces } = truth(FIXTURE);
  assert.ok(people.length >= faces.length - 1, `${people.length} people`);
  for (const { box } of faces) {
    const [cx, cy] = [(box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2];
    const holder = people.find(
      (p) => p.box.x1 <= cx && cx <= p.box.x2 && p.box.y1 <= cy && cy <= p.box.y2,
    );
    assert.ok(holder, `no person around the face at ${cx.toFixed(0)},${cy.toFixed(0)}`);
  }
});

test('no vehicle in a group photo of people', { skip }, async () => {
  const frame = await loadFixture(FIXTURE);
  assert.deepEqual(await detector.detect(frame, undefined, 0.3), []);
});
