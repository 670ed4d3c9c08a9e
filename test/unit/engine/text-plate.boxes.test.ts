import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  absorbSecondaryLines,
  DEFAULT_PLATE_SHAPE,
  labelComponents,
  mergeLines,
  plateFromText,
  plateScoreFromText,
  sameLine,
  unclip,
} from '../../../src/engine/text-plate.boxes.ts';
import type { Box } from '../../../src/engine/types.ts';

/** A probability map from rows of characters: '#' = 0.9, '+' = 0.4, '.' = 0. */
function map(rows: string[]): { prob: Float32Array; width: number; height: number } {
  const width = rows[0].length;
  const prob = new Float32Array(width * rows.length);
  rows.forEach((r, y) =>
    [...r].forEach((ch, x) => (prob[y * width + x] = ch === '#' ? 0.9 : ch === '+' ? 0.4 : 0)),
  );
  return { prob, width, height: rows.length };
}

const box = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });

describe('labelComponents', () => {
  const cases: Array<[string, string[], number, Array<[Box, number, number]>]> = [
    ['empty map', ['....', '....'], 0.3, []],
    ['one blob', ['.##.', '.##.', '....'], 0.3, [[box(1, 0, 3, 2), 4, 0.9]]],
    [
      'two blobs apart',
      ['##...##', '##...##'],
      0.3,
      [
        [box(0, 0, 2, 2), 4, 0.9],
        [box(5, 0, 7, 2), 4, 0.9],
      ],
    ],
    [
      'diagonal neighbours join (8-connected)',
      ['##..', '##..', '..##', '..##'],
      0.3,
      [[box(0, 0, 4, 4), 8, 0.9]],
    ],
    [
      'weak pixels below the threshold split',
      ['##++##', '##++##'],
      0.5,
      [
        [box(0, 0, 2, 2), 4, 0.9],
        [box(4, 0, 6, 2), 4, 0.9],
      ],
    ],
    [
      'weak pixels above the threshold join, mean drops',
      ['##++##', '##++##'],
      0.3,
      [[box(0, 0, 6, 2), 12, (8 * 0.9 + 4 * 0.4) / 12]],
    ],
    [
      'specks under minArea dropped',
      ['#....', '.....', '..###', '..###'],
      0.3,
      [[box(2, 2, 5, 4), 6, 0.9]],
    ],
  ];
  for (const [name, rows, threshold, expected] of cases) {
    it(name, () => {
      const m = map(rows);
      const got = labelComponents(m.prob, m.width, m.height, threshold, 2);
      assert.equal(got.length, expected.length);
      got.forEach((c, i) => {
        assert.deepEqual(c.box, expected[i][0]);
        assert.equal(c.area, expected[i][1]);
        assert.ok(Math.abs(c.meanProb - expected[i][2]) < 1e-6);
      });
    });
  }

  it('rejects a map smaller than its size', () => {
    assert.throws(() => labelComponents(new Float32Array(3), 2, 2, 0.3), RangeError);
  });

  it('handles a map-sized component without recursion limits', () => {
    const prob = new Float32Array(1000 * 500).fill(1);
    const [c] = labelComponents(prob, 1000, 500, 0.3);
    assert.deepEqual(c.box, box(0, 0, 1000, 500));
  });
});

describe('unclip', () => {
  it('grows a box by area x ratio / perimeter on every side', () => {
    // 40 x 10: d = 400 * 1.5 / 100 = 6
    assert.deepEqual(unclip(box(10, 10, 50, 20)), box(4, 4, 56, 26));
    // square 10 x 10, ratio 2: d = 100 * 2 / 40 = 5
    assert.deepEqual(unclip(box(0, 0, 10, 10), 2), box(-5, -5, 15, 15));
  });
});

describe('sameLine / mergeLines', () => {
  const cases: Array<[string, Box, Box, boolean]> = [
    ['words side by side', box(0, 0, 40, 10), box(45, 0, 80, 10), true],
    ['gap of 8 px at height 10 joins', box(0, 0, 40, 10), box(48, 1, 80, 11), true],
    ['gap too wide', box(0, 0, 40, 10), box(60, 0, 80, 10), false],
    ['different line (vertical offset)', box(0, 0, 40, 10), box(42, 6, 80, 16), false],
    ['very different heights', box(0, 0, 40, 10), box(42, 0, 80, 20), false],
    ['overlapping boxes', box(0, 0, 40, 10), box(30, 0, 60, 10), true],
  ];
  for (const [name, a, b, expected] of cases) {
    it(name, () => {
      assert.equal(sameLine(a, b, 0.8), expected);
      assert.equal(sameLine(b, a, 0.8), expected);
    });
  }

  it('merges a chain of words into one box with an area-weighted score', () => {
    const got = mergeLines([
      { box: box(0, 0, 20, 10), score: 1 },
      { box: box(100, 50, 120, 60), score: 0.5 },
      { box: box(25, 0, 45, 10), score: 0.7 },
      { box: box(50, 0, 90, 10), score: 0.4 },
    ]);
    assert.equal(got.length, 2);
    assert.deepEqual(got[0].box, box(0, 0, 90, 10));
    assert.ok(Math.abs(got[0].score - (200 * 1 + 200 * 0.7 + 400 * 0.4) / 800) < 1e-9);
    assert.deepEqual(got[1], { box: box(100, 50, 120, 60), score: 0.5 });
  });
});

describe('plateFromText', () => {
  const s = DEFAULT_PLATE_SHAPE;
  const cases: Array<[string, Box, Box | undefined]> = [
    [
      'EU-style text line grows into a plate',
      box(100, 100, 180, 120),
      box(100 - s.padX * 20, 100 - s.padY * 20, 180 + s.padX * 20, 120 + s.padY * 20),
    ],
    ['text too small to be a readable plate', box(100, 100, 112, 103), undefined],
    ['a long sign line is too wide for its height', box(0, 100, 400, 110), undefined],
    ['a tall narrow glyph is not a plate', box(100, 100, 105, 130), undefined],
    [
      'a near-square blob (emblem, one letter) is not a line of plate text',
      box(100, 100, 122, 120),
      undefined,
    ],
    [
      'a short line above the text aspect limit passes',
      box(100, 100, 130, 120),
      box(100 - s.padX * 20, 100 - s.padY * 20, 130 + s.padX * 20, 120 + s.padY * 20),
    ],
    ['wider than 60% of the image', box(0, 100, 700, 230), undefined],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      const got = plateFromText(text, 1000, 600);
      if (expected === undefined) assert.equal(got, undefined);
      else {
        assert.ok(got);
        for (const k of ['x1', 'y1', 'x2', 'y2'] as const) {
          assert.ok(Math.abs(got[k] - expected[k]) < 1e-9);
        }
      }
    });
  }
});

describe('plateScoreFromText', () => {
  const cases: Array<[number, number, number]> = [
    [0, 0.6, 0],
    [0.3, 0.6, 0.25],
    [0.6, 0.6, 0.5],
    [0.8, 0.6, 0.75],
    [1, 0.6, 1],
    [1.2, 0.6, 1],
    [-1, 0.6, 0],
    [0.5, 0.5, 0.5],
  ];
  for (const [p, cut, expected] of cases) {
    it(`mean probability ${p} (cut ${cut}) scores ${expected}`, () => {
      assert.ok(Math.abs(plateScoreFromText(p, cut) - expected) < 1e-9);
    });
  }
});

describe('absorbSecondaryLines', () => {
  // The plate's own line: text 20 px high at y 100..120, plate box grown around it.
  const number = { text: box(100, 100, 200, 120), plate: box(94, 97, 206, 123) };
  const cases: Array<[string, Array<typeof number>, number[], Box[]]> = [
    [
      'a state name just above the number joins its plate',
      [number, { text: box(120, 88, 180, 98), plate: box(117, 86, 183, 100) }],
      [0, 0],
      [box(94, 86, 206, 123), box(117, 86, 183, 100)],
    ],
    [
      'the owner is the larger line whatever the order',
      [{ text: box(120, 122, 180, 131), plate: box(117, 120, 183, 133) }, number],
      [1, 1],
      [box(117, 120, 183, 133), box(94, 97, 206, 133)],
    ],
    [
      'two lines of one height stay two plates',
      [number, { text: box(100, 126, 200, 146), plate: box(94, 123, 206, 149) }],
      [0, 1],
      [number.plate, box(94, 123, 206, 149)],
    ],
    [
      'a small line far below stays apart',
      [number, { text: box(120, 140, 180, 150), plate: box(117, 138, 183, 152) }],
      [0, 1],
      [number.plate, box(117, 138, 183, 152)],
    ],
    [
      'a small line beside, not above or below, stays apart',
      [number, { text: box(230, 104, 280, 114), plate: box(227, 102, 283, 116) }],
      [0, 1],
      [number.plate, box(227, 102, 283, 116)],
    ],
  ];
  for (const [name, items, owner, plates] of cases) {
    it(name, () => {
      const sut = absorbSecondaryLines(items);
      assert.deepEqual(sut.owner, owner);
      assert.deepEqual(sut.plates, plates);
    });
  }
});
