import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Xyxy } from '../../../scripts/eval/dataset.ts';
import type { ModelRun } from '../../../scripts/eval/audit.detections.ts';
import {
  Audit,
  BOX_OFF,
  formatLabels,
  onObject,
  UNLABELLED,
  type Labels,
} from '../../../scripts/eval/audit.ts';
import { FACE_SIZE_BUCKETS } from '../../../scripts/eval/metrics.ts';
import type { EvalCase } from '../../../scripts/eval/run-set.ts';

const box = (x: number, y: number, w: number, h: number): Xyxy => [x, y, x + w, y + h];
const det = (b: Xyxy, score: number) => ({ box: b, score, landmarks: [] });

const spec = {
  kind: 'plate',
  fpClasses: { plate: 'real plate', nonplate: 'non-plate' },
  real: 'plate',
  missClasses: { small: 'small, unreadable' },
  dupOnMatched: 'second box',
  buckets: FACE_SIZE_BUCKETS,
  short: (s: string) => s,
};

/** One 400 x 300 image, three plates: A found, B found with a loose box, C missed. */
const image: EvalCase = {
  name: 'a.jpg',
  width: 400,
  height: 300,
  rgb: new Uint8Array(0),
  boxes: [
    { box: box(10, 10, 60, 20) }, // A
    { box: box(200, 10, 60, 20) }, // B
    { box: box(300, 200, 14, 6) }, // C
  ],
};
const run: ModelRun = {
  model: 'test',
  cls: 'plate',
  floor: 0.3,
  mirror: false,
  images: {
    'a.jpg': {
      dets: [
        det(box(12, 10, 58, 20), 0.9), // A: hit
        det(box(10, 10, 20, 20), 0.6), // on A again: a second box
        det(box(200, 10, 15, 20), 0.7), // on B, IoU 0.25: box off
        det(box(100, 150, 40, 15), 0.8), // unannotated plate (labelled)
        det(box(100, 250, 40, 15), 0.5), // a sign (labelled)
        det(box(20, 250, 40, 15), 0.4), // not labelled
      ],
      mirrored: [],
    },
  },
};
const labels: Labels = {
  fp: [
    { image: 'a.jpg', box: box(101, 150, 40, 15), cls: 'plate' },
    { image: 'a.jpg', box: box(100, 251, 40, 15), cls: 'nonplate' },
  ],
  miss: { 'a.jpg#2': 'small' },
};

describe('Audit', () => {
  it('classifies false positives and misses geometrically, then by the visual labels', () => {
    const audit = new Audit(spec, labels);
    const o = audit.evaluate(run, [image], 0.3);
    assert.equal(o.tp, 1);
    assert.equal(o.fp, 5);
    assert.deepEqual(o.fpClass, {
      'second box': 1,
      [BOX_OFF]: 1,
      'real plate': 1,
      'non-plate': 1,
      [UNLABELLED]: 1,
    });
    assert.deepEqual(o.missClass, { [BOX_OFF]: 1, 'small, unreadable': 1 });
    const n = audit.numbers(o);
    assert.equal(n.recall, 1 / 3);
    assert.equal(n.auditedRecall, 2 / 3);
    assert.equal(n.precision, 1 / 6);
    // The hit, plate B under its loose box, the unannotated plate.
    assert.equal(n.auditedPrecision, 3 / 6);
  });

  it('applies the threshold before matching', () => {
    const o = new Audit(spec, labels).evaluate(run, [image], 0.75);
    assert.equal(o.fp, 1); // the unannotated plate
    // B's loose box is under the threshold: B is a plain miss, unlabelled.
    assert.deepEqual(o.missClass, { [UNLABELLED]: 1, 'small, unreadable': 1 });
  });
});

describe('onObject', () => {
  it('takes a box overlapping a little or lying half inside', () => {
    assert.equal(onObject(box(0, 0, 10, 10), box(0, 0, 100, 100)), true); // inside, IoU 0.01
    assert.equal(onObject(box(0, 0, 10, 10), box(8, 8, 10, 10)), false);
  });
});

describe('formatLabels', () => {
  it('writes JSON that reads back, boxes to 0.1 px', () => {
    const back = JSON.parse(formatLabels(labels)) as Labels;
    assert.deepEqual(back, labels);
    const rounded = JSON.parse(
      formatLabels({ fp: [{ image: 'x', box: [1.234, 2, 3, 4.56], cls: 'plate' }], miss: {} }),
    ) as Labels;
    assert.deepEqual(rounded.fp[0].box, [1.2, 2, 3, 4.6]);
  });
});
