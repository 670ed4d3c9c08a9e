import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Xyxy } from '../../../scripts/eval/dataset.ts';
import { isTooSmall, markIgnored } from '../../../scripts/eval/dataset.ts';
import {
  bucketOf,
  FACE_SIZE_BUCKETS,
  iouXyxy,
  liesInside,
  matchImage,
  summarize,
} from '../../../scripts/eval/metrics.ts';

const box = (x: number, y: number, w: number, h: number): Xyxy => [x, y, x + w, y + h];

describe('iouXyxy', () => {
  const cases: [string, Xyxy, Xyxy, number][] = [
    ['identical boxes', box(0, 0, 10, 10), box(0, 0, 10, 10), 1],
    ['disjoint boxes', box(0, 0, 10, 10), box(20, 20, 5, 5), 0],
    ['touching edges', box(0, 0, 10, 10), box(10, 0, 10, 10), 0],
    ['half overlap', box(0, 0, 10, 10), box(5, 0, 10, 10), 50 / 150],
    ['one inside the other', box(0, 0, 10, 10), box(0, 0, 5, 10), 0.5],
  ];
  for (const [name, a, b, want] of cases) {
    it(name, () => {
      assert.ok(Math.abs(iouXyxy(a, b) - want) < 1e-9);
      assert.ok(Math.abs(iouXyxy(b, a) - want) < 1e-9);
    });
  }
});

describe('matchImage', () => {
  it('counts a detection at IoU >= 0.3 as found and one below as a false positive', () => {
    const truth = [{ box: box(0, 0, 10, 10) }];
    const near = matchImage([{ box: box(4, 0, 10, 10), score: 0.9 }], truth, 0.3); // IoU 0.43
    assert.deepEqual(near, {
      matched: [true],
      truePositives: 1,
      falsePositives: 0,
      neutral: 0,
      byDet: [0],
    });
    const far = matchImage([{ box: box(6, 0, 10, 10), score: 0.9 }], truth, 0.3); // IoU 0.25
    assert.deepEqual(far, {
      matched: [false],
      truePositives: 0,
      falsePositives: 1,
      neutral: 0,
      byDet: [-1],
    });
  });

  it('lets each truth box be matched once: a duplicate detection is a false positive', () => {
    const m = matchImage(
      [
        { box: box(0, 0, 10, 10), score: 0.6 },
        { box: box(1, 0, 10, 10), score: 0.9 },
      ],
      [{ box: box(0, 0, 10, 10) }],
      0.3,
    );
    assert.equal(m.truePositives, 1);
    assert.equal(m.falsePositives, 1);
  });

  it('matches greedily by score: the strongest detection picks its best box first', () => {
    // The 0.9 detection overlaps both faces; it takes A (higher IoU), leaving B to the 0.5 one.
    const a = box(0, 0, 10, 10);
    const b = box(6, 0, 10, 10);
    const m = matchImage(
      [
        { box: box(10, 0, 10, 10), score: 0.5 },
        { box: box(2, 0, 10, 10), score: 0.9 },
      ],
      [{ box: a }, { box: b }],
      0.3,
    );
    assert.deepEqual(m.matched, [true, true]);
    assert.equal(m.falsePositives, 0);
  });

  it('treats detections on ignored boxes as neutral and never demands ignored boxes', () => {
    const truth = [{ box: box(0, 0, 6, 6), ignore: true }, { box: box(50, 50, 20, 20) }];
    const m = matchImage(
      [
        { box: box(0, 0, 6, 6), score: 0.9 },
        { box: box(0, 1, 6, 6), score: 0.8 },
      ],
      truth,
      0.3,
    );
    assert.deepEqual(m, {
      matched: [false, false],
      truePositives: 0,
      falsePositives: 0,
      neutral: 2,
      byDet: [-2, -2],
    });
    const s = summarize([{ truth, match: m }]);
    assert.equal(s.truth, 1);
    assert.equal(s.recall, 0);
  });

  it('prefers a demanded box over an ignored one it also overlaps', () => {
    const m = matchImage(
      [{ box: box(0, 0, 10, 10), score: 0.9 }],
      [{ box: box(0, 0, 10, 10), ignore: true }, { box: box(1, 1, 10, 10) }],
      0.3,
    );
    assert.deepEqual(m.matched, [false, true]);
    assert.equal(m.truePositives, 1);
  });
});

describe("the 'iou-or-inside' rule", () => {
  const head = box(0, 0, 100, 120); // a loose box over hair and ears
  const face = box(25, 35, 50, 55); // a tight face detection inside it: IoU 0.23

  it('accepts a tight detection inside a loose truth box that IoU 0.3 rejects', () => {
    assert.ok(iouXyxy(face, head) < 0.3);
    assert.equal(liesInside(face, head), true);
    const dets = [{ box: face, score: 0.9 }];
    assert.equal(matchImage(dets, [{ box: head }], 0.3).truePositives, 0);
    assert.equal(matchImage(dets, [{ box: head }], 0.3, 'iou-or-inside').truePositives, 1);
  });

  it('rejects a detection that is tiny against the truth box or mostly outside it', () => {
    assert.equal(liesInside(box(40, 40, 10, 10), head), false); // 0.8% of the box
    assert.equal(liesInside(box(80, 0, 60, 60), head), false); // a third inside
  });

  it('prefers a real IoU match for the truth box over an inside one', () => {
    const m = matchImage(
      [
        { box: face, score: 0.9 },
        { box: box(5, 5, 95, 110), score: 0.8 },
      ],
      [{ box: head }],
      0.3,
      'iou-or-inside',
    );
    // The stronger detection is processed first and takes the box; the second is extra.
    assert.equal(m.truePositives, 1);
    assert.equal(m.falsePositives, 1);
  });
});

describe('size buckets', () => {
  const cases: [Xyxy, string][] = [
    [box(0, 0, 10, 15.9), '<16'],
    [box(0, 0, 16, 12), '16-64'],
    [box(0, 0, 40, 63), '16-64'],
    [box(0, 0, 64, 50), '>64'],
  ];
  for (const [b, want] of cases) {
    it(`puts a ${b[2]}x${b[3]} box in ${want}`, () =>
      assert.equal(bucketOf(b, FACE_SIZE_BUCKETS), want));
  }
});

describe('summarize', () => {
  it('computes recall, precision, false positives per image and recall by size', () => {
    const truth1 = [{ box: box(0, 0, 10, 10) }, { box: box(100, 100, 80, 80) }];
    const truth2 = [{ box: box(0, 0, 30, 30) }];
    const s = summarize([
      {
        truth: truth1,
        match: matchImage(
          [
            { box: box(100, 100, 80, 80), score: 0.9 },
            { box: box(300, 300, 20, 20), score: 0.8 },
          ],
          truth1,
          0.3,
        ),
      },
      { truth: truth2, match: matchImage([{ box: box(0, 0, 30, 30), score: 0.7 }], truth2, 0.3) },
    ]);
    assert.equal(s.truth, 3);
    assert.equal(s.found, 2);
    assert.ok(Math.abs(s.recall - 2 / 3) < 1e-9);
    assert.ok(Math.abs(s.precision - 2 / 3) < 1e-9);
    assert.equal(s.falsePositivesPerImage, 0.5);
    assert.deepEqual(
      Object.fromEntries(Object.entries(s.bySize).map(([k, v]) => [k, [v.found, v.truth]])),
      { '<16': [0, 1], '16-64': [1, 1], '>64': [1, 1] },
    );
  });

  it('reports NaN rather than a made-up number when there is nothing to count', () => {
    const s = summarize([{ truth: [], match: matchImage([], [], 0.3) }]);
    assert.ok(Number.isNaN(s.recall));
    assert.ok(Number.isNaN(s.precision));
  });
});

describe('ignore rule', () => {
  it('ignores faces under 8 px and plates under 12x5 px, keeps the rest', () => {
    assert.equal(isTooSmall(box(0, 0, 7, 7.9), 'face'), true);
    assert.equal(isTooSmall(box(0, 0, 5, 8), 'face'), false);
    assert.equal(isTooSmall(box(0, 0, 11, 20), 'plate'), true);
    assert.equal(isTooSmall(box(0, 0, 40, 4), 'plate'), true);
    assert.equal(isTooSmall(box(0, 0, 40, 10), 'plate'), false);
    assert.deepEqual(
      markIgnored([{ box: box(0, 0, 4, 4) }, { box: box(0, 0, 20, 20) }], 'face').map(
        (b) => !!b.ignore,
      ),
      [true, false],
    );
  });
});
