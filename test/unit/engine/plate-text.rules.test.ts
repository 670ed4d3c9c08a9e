import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_PLATE_TEXT_RULES,
  charsetFromDictionary,
  ctcGreedy,
  judgePlateText,
  type PlateTextVerdict,
} from '../../../src/engine/plate-text.rules.ts';

describe('charsetFromDictionary', () => {
  it('puts the CTC blank first and a space last, one class per line', () => {
    assert.deepEqual(charsetFromDictionary('a\nB\n7\n'), ['', 'a', 'B', '7', ' ']);
    assert.deepEqual(charsetFromDictionary('a\r\nB'), ['', 'a', 'B', ' ']);
  });
});

describe('ctcGreedy', () => {
  const charset = ['', 'A', 'B', '1'];
  /** One row per step: the winning class gets `p`, the rest share what is left. */
  function probs(steps: Array<[number, number]>): Float32Array {
    const out = new Float32Array(steps.length * charset.length);
    steps.forEach(([cls, p], t) => {
      for (let c = 0; c < charset.length; c++) {
        out[t * charset.length + c] = c === cls ? p : (1 - p) / (charset.length - 1);
      }
    });
    return out;
  }

  const cases: Array<[string, Array<[number, number]>, string, number[]]> = [
    [
      'all blank',
      [
        [0, 0.9],
        [0, 0.9],
      ],
      '',
      [],
    ],
    [
      'repeats collapse',
      [
        [1, 0.9],
        [1, 0.8],
        [2, 0.7],
      ],
      'AB',
      [0.9, 0.7],
    ],
    [
      'a blank separates a doubled character',
      [
        [3, 0.6],
        [0, 0.9],
        [3, 0.5],
      ],
      '11',
      [0.6, 0.5],
    ],
    [
      'blanks around characters drop',
      [
        [0, 0.9],
        [2, 0.95],
        [0, 0.9],
        [1, 0.4],
      ],
      'BA',
      [0.95, 0.4],
    ],
  ];
  for (const [name, steps, text, expected] of cases) {
    it(name, () => {
      const r = ctcGreedy(probs(steps), steps.length, charset.length, charset);
      assert.equal(r.text, text);
      assert.equal(r.probs.length, expected.length);
      r.probs.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-6));
    });
  }

  it('refuses probabilities shorter than steps x classes', () => {
    assert.throws(() => ctcGreedy(new Float32Array(3), 1, 4, charset), RangeError);
  });
});

describe('judgePlateText', () => {
  const sure = (text: string): { text: string; probs: number[] } => ({
    text,
    probs: [...text].map(() => 0.95),
  });
  const cases: Array<[string, { text: string; probs: number[] }, PlateTextVerdict]> = [
    ['EU plate with separators', sure('AB-123 CD'), 'plate'],
    ['UK plate', sure('V328FNN'), 'plate'],
    ['US vanity plate, letters only', sure('ZENWDOG'), 'plate'],
    ['Chinese plate: province character then letters and digits', sure('京A12345'), 'plate'],
    ['nothing read', { text: '', probs: [] }, 'unreadable'],
    [
      'read with low confidence',
      { text: 'Bakery', probs: [0.2, 0.3, 0.1, 0.2, 0.3, 0.2] },
      'unreadable',
    ],
    ['shop sign in mixed case', sure('Bakery'), 'not-plate'],
    ['web address', sure('mbimages.com'), 'not-plate'],
    ['long slogan', sure('HAPPYBIRTHDAYA'), 'not-plate'],
    ['a single letter', sure('H'), 'not-plate'],
    ['Chinese sign', sure('非小时汉内免费停车'), 'not-plate'],
  ];
  for (const [name, reading, verdict] of cases) {
    it(`${name}: ${verdict}`, () => {
      assert.equal(judgePlateText(reading), verdict);
    });
  }

  it('demands digits only when asked (rules are parameters)', () => {
    const rules = { ...DEFAULT_PLATE_TEXT_RULES, minDigits: 1 };
    assert.equal(judgePlateText(sure('ZENWDOG'), rules), 'not-plate');
    assert.equal(judgePlateText(sure('ZEN 123'), rules), 'plate');
  });
});
