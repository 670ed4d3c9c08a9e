import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseQuery } from '../../../src/api/build-api.ts';
import { validationDetail } from '../../../src/api/plugins/errors.plugin.ts';
import { toModelConfig } from '../../../src/api/schemas/common.schema.ts';

it('reads Python-style True/False as booleans and leaves other values alone', () => {
  assert.deepEqual(parseQuery('model=blur&enable_lp=True&slicing=False&mask_blur=true&x=Truthy'), {
    model: 'blur',
    enable_lp: 'true',
    slicing: 'false',
    mask_blur: 'true',
    x: 'Truthy',
  });
});

it('names the field in FastAPI-style validation details', () => {
  assert.deepEqual(
    validationDetail('querystring', [
      { instancePath: '/blur_threshold', keyword: 'maximum', message: 'must be <= 1' },
    ]),
    [{ loc: ['query', 'blur_threshold'], msg: 'blur_threshold: must be <= 1', type: 'maximum' }],
  );
  assert.deepEqual(
    validationDetail('body', [
      {
        instancePath: '',
        keyword: 'required',
        message: "must have required property 'model'",
        params: { missingProperty: 'model' },
      },
    ])[0].loc,
    ['body', 'model'],
  );
  assert.deepEqual(
    validationDetail('body', [{ instancePath: '/model_config/blur_threshold', keyword: 'type' }])[0]
      .loc,
    ['body', 'model_config', 'blur_threshold'],
  );
});

it('folds lp_syn into lp_syntonymize and drops unknown fields', () => {
  assert.deepEqual(toModelConfig({ lp_syn: true, enable_lp: false, other: 1 } as never), {
    enable_lp: false,
    lp_syntonymize: true,
  });
  assert.deepEqual(toModelConfig({ lp_syn: true, lp_syntonymize: false }), {
    lp_syntonymize: false,
  });
});
