import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultAnonymizeOptions } from '../../../src/engine/types.ts';
import { toAnonymizeOptions } from '../../../src/services/model-options.ts';

it('fills defaults for an empty blur config', () => {
  assert.deepEqual(toAnonymizeOptions('blur', {}), {
    ...defaultAnonymizeOptions,
    model: 'blur',
    syntonymize: false,
  });
});

it('maps every API parameter onto the engine option of the same meaning', () => {
  const sut = toAnonymizeOptions('syn', {
    blur_face: false,
    enable_lp: false,
    blur_threshold: 0.3,
    lp_threshold: 0.7,
    slicing: true,
    mask_blur: true,
    lp_track: true,
    syntonymize: false,
    lp_syntonymize: true,
    detections: true,
    style: 'pixelate',
  });
  assert.deepEqual(sut, {
    model: 'syn',
    blurFace: false,
    enableLp: false,
    blurThreshold: 0.3,
    lpThreshold: 0.7,
    slicing: true,
    maskBlur: true,
    lpTrack: true,
    syntonymize: false,
    lpSyntonymize: true,
    detections: true,
    style: 'pixelate',
  });
});

it('syn synthesizes faces by default, blur never does', () => {
  assert.equal(toAnonymizeOptions('syn', {}).syntonymize, true);
  assert.equal(toAnonymizeOptions('blur', { syntonymize: true }).syntonymize, false);
});
