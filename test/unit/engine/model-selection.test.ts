import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  resolveModels,
  type FaceModelChoice,
  type ModelId,
  type PlateModelChoice,
} from '../../../src/engine/models.ts';

describe('resolveModels', () => {
  const all: ModelId[] = ['yunet', 'plate640', 'plate320', 'veilPlate'];
  const cases: Array<[string, FaceModelChoice, PlateModelChoice, ModelId[], string, string]> = [
    [
      'all weights present: YuNet, and our plate detector over HyperLPR3',
      'auto',
      'auto',
      all,
      'yunet',
      'veil',
    ],
    [
      'without our face weights: RetinaFace and our plate detector',
      'auto',
      'auto',
      ['veilPlate'],
      'retinaface',
      'veil',
    ],
    [
      'fresh clone: RetinaFace with our face detector beside it on photos, our plate detector',
      'auto',
      'auto',
      ['veilFace', 'veilPlate'],
      'retinaface+veil',
      'veil',
    ],
    [
      'YuNet first, our face detector beside it on photos',
      'auto',
      'auto',
      [...all, 'veilFace'],
      'yunet+veil',
      'veil',
    ],
    ['RetinaFace alone when asked', 'retinaface', 'auto', ['veilFace'], 'retinaface', 'text'],
    [
      'our face detector forced despite YuNet',
      'veil',
      'auto',
      [...all, 'veilFace'],
      'veil',
      'veil',
    ],
    ['no plate weights at all: the npm text detector', 'auto', 'auto', [], 'retinaface', 'text'],
    ['our plate detector forced despite HyperLPR3', 'yunet', 'veil', all, 'yunet', 'veil'],
    [
      'ours merged with HyperLPR3 when asked',
      'auto',
      'veil+hyperlpr',
      all,
      'yunet',
      'veil+hyperlpr',
    ],
    [
      'only the 640 plate model (ours missing)',
      'auto',
      'auto',
      ['yunet', 'plate640'],
      'yunet',
      '640',
    ],
    ['HyperLPR3 when asked', 'auto', 'hyperlpr', all, 'yunet', 'both'],
    ['only the 320 plate model (ours missing)', 'auto', 'auto', ['plate320'], 'retinaface', '320'],
    ['fallbacks forced despite weights', 'retinaface', 'text', all, 'retinaface', 'text'],
    ['hyperlpr forced: best HyperLPR3 found', 'yunet', 'hyperlpr', ['plate320'], 'yunet', '320'],
    [
      'hyperlpr forced without weights fails at load, no silent fallback',
      'yunet',
      'hyperlpr',
      [],
      'yunet',
      'both',
    ],
    ['a named size is kept', 'auto', '640', all, 'yunet', '640'],
  ];
  for (const [name, face, plate, present, wantFace, wantPlate] of cases) {
    it(name, () => {
      const got = resolveModels(face, plate, (id) => present.includes(id));
      assert.equal(got.face, wantFace);
      assert.equal(got.plate, wantPlate);
      assert.equal(got.faceFallback, wantFace.startsWith('retinaface'));
      assert.equal(got.plateFallback, wantPlate === 'text');
      // Every face detector adds small faces in a pass of its own when video asks.
      assert.equal(got.faceSmallPass, true);
      const faceName = {
        retinaface: /research only/,
        veil: /Veil's face detector/,
        'retinaface+veil': /research only.*Veil's face detector.*on photos/,
        'yunet+veil': /YuNet.*Veil's face detector.*on photos/,
      }[wantFace];
      assert.match(got.describe.face, faceName ?? /YuNet/);
      const plateName =
        { text: /PP-OCRv4/, veil: /Veil's plate detector/ }[wantPlate] ?? /HyperLPR3/;
      assert.match(got.describe.plate, plateName);
    });
  }
});
