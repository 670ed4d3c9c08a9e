import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pricing } from '../../../src/config.ts';
import { fileCost, jobCost, type PricedFile } from '../../../src/services/pricing.ts';

const defaults: Pricing = { imageCredits: 1, videoCreditsPerSecond: 1, synMultiplier: 2 };

describe('pricing', () => {
  const cases: Array<[string, PricedFile[], 'blur' | 'syn', Pricing, number]> = [
    ['one image', [{ kind: 'image' }], 'blur', defaults, 1],
    [
      'three images with syn',
      [{ kind: 'image' }, { kind: 'image' }, { kind: 'image' }],
      'syn',
      defaults,
      6,
    ],
    [
      'a video rounds each started second up',
      [{ kind: 'video', durationSeconds: 10.01 }],
      'blur',
      defaults,
      11,
    ],
    [
      'a whole-second video is not rounded',
      [{ kind: 'video', durationSeconds: 12 }],
      'blur',
      defaults,
      12,
    ],
    [
      'videos are rounded per file',
      [
        { kind: 'video', durationSeconds: 0.2 },
        { kind: 'video', durationSeconds: 0.2 },
      ],
      'blur',
      defaults,
      2,
    ],
    [
      'mixed archive with syn',
      [{ kind: 'image' }, { kind: 'video', durationSeconds: 4.5 }],
      'syn',
      defaults,
      12,
    ],
    [
      'custom prices',
      [{ kind: 'image' }, { kind: 'video', durationSeconds: 3 }],
      'blur',
      { imageCredits: 5, videoCreditsPerSecond: 2, synMultiplier: 3 },
      11,
    ],
    [
      'fractional prices round up per file',
      [{ kind: 'image' }, { kind: 'image' }],
      'blur',
      { ...defaults, imageCredits: 0.5 },
      2,
    ],
    [
      'float error does not add a credit',
      [{ kind: 'video', durationSeconds: 3 }],
      'blur',
      { ...defaults, videoCreditsPerSecond: 0.1 },
      1,
    ],
    ['free pricing costs nothing', [{ kind: 'image' }], 'syn', { ...defaults, imageCredits: 0 }, 0],
    ['no files cost nothing', [], 'blur', defaults, 0],
  ];
  for (const [name, files, model, pricing, expected] of cases) {
    it(`${name}: ${expected}`, () => assert.equal(jobCost(files, model, pricing), expected));
  }

  it('a job costs the sum of its files', () => {
    const files: PricedFile[] = [{ kind: 'image' }, { kind: 'video', durationSeconds: 7.3 }];
    const sum = files.reduce((s, f) => s + fileCost(f, 'syn', defaults), 0);
    assert.equal(jobCost(files, 'syn', defaults), sum);
  });
});
