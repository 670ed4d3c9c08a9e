import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.ts';

describe('VEIL_FACE_MODEL / VEIL_PLATE_MODEL', () => {
  it('default to auto (preferred weights when found, else the npm fallbacks)', () => {
    const c = loadConfig({});
    assert.equal(c.faceModel, 'auto');
    assert.equal(c.plateModel, 'auto');
  });

  const ok: Array<[string, string, string, string]> = [
    ['retinaface', 'text', 'retinaface', 'text'],
    ['YuNet', 'HyperLPR', 'yunet', 'hyperlpr'],
    ['', '320', 'auto', '320'],
  ];
  for (const [face, plate, wantFace, wantPlate] of ok) {
    it(`"${face}" / "${plate}" read as ${wantFace} / ${wantPlate}`, () => {
      const c = loadConfig({ VEIL_FACE_MODEL: face, VEIL_PLATE_MODEL: plate });
      assert.equal(c.faceModel, wantFace);
      assert.equal(c.plateModel, wantPlate);
    });
  }

  it('refuses an unknown model, naming the variable', () => {
    assert.throws(() => loadConfig({ VEIL_FACE_MODEL: 'blazeface' }), ConfigError);
    assert.throws(
      () => loadConfig({ VEIL_PLATE_MODEL: 'yolo' }),
      /VEIL_PLATE_MODEL must be one of/,
    );
  });
});
