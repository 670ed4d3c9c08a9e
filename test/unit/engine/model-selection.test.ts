import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  resolveModels,
  type FaceModelChoice,
  type ModelId,
  type PlateModelChoice,
} from '../../../src/engine/models.ts';

describe('resolveModels', () => {
  const all: ModelId[] = ['yunet', 'plate640', 'plate320'];
  const cases: Array<[string, FaceModelChoice, PlateModelChoice, ModelId[], string, string]> = [
    ['all preferred weights present', 'auto', 'auto', all, 'yunet', 'both'],
    ['fresh clone: npm fallbacks', 'auto', 'auto', [], 'retinaface', 'text'],
    ['only the 640 plate model', 'auto', 'auto', ['yunet', 'plate640'], 'yunet', '640'],
    ['only the 320 plate model', 'auto', 'auto', ['plate320'], 'retinaface', '320'],
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
      assert.equal(got.faceFallback, wantFace === 'retinaface');
      assert.equal(got.plateFallback, wantPlate === 'text');
      assert.match(got.describe.face, wantFace === 'retinaface' ? /research only/ : /YuNet/);
      assert.match(got.describe.plate, wantPlate === 'text' ? /PP-OCRv4/ : /HyperLPR3/);
    });
  }
});
