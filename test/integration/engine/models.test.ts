/** The shipped weights are the exact files named in models/README.md. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import {
  hasModel,
  MODEL_CHECKSUMS,
  modelPath,
  NPM_MODEL_CHECKSUMS,
  npmModelPath,
  resolveModels,
  type ModelId,
  type NpmModelId,
} from '../../../src/engine/models.ts';

describe('model weights', () => {
  for (const [id, expected] of Object.entries(MODEL_CHECKSUMS) as Array<
    [ModelId, { bytes: number; sha256: string }]
  >) {
    it(
      `${id} has the recorded size and SHA-256`,
      { skip: !hasModel(id) && `${id} weights not found` },
      () => {
        const bytes = fs.readFileSync(modelPath(id));
        assert.equal(bytes.length, expected.bytes);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), expected.sha256);
      },
    );
  }

  for (const [id, expected] of Object.entries(NPM_MODEL_CHECKSUMS) as Array<
    [NpmModelId, { bytes: number; sha256: string }]
  >) {
    it(`npm-shipped ${id} is installed with the recorded size and SHA-256`, () => {
      const bytes = fs.readFileSync(npmModelPath(id));
      assert.equal(bytes.length, expected.bytes);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), expected.sha256);
    });
  }

  it('picks the preferred models where their weights are found, else the fallbacks', () => {
    const auto = resolveModels();
    // Our face detector is committed too and runs beside the first on photos: a fresh clone
    // runs RetinaFace (flagged as the research-only fallback) unless YuNet's weights are present.
    assert.ok(hasModel('veilFace'));
    assert.equal(auto.face, hasModel('yunet') ? 'yunet+veil' : 'retinaface+veil');
    assert.equal(auto.faceFallback, !hasModel('yunet'));
    // Our plate detector is committed and measured best: it runs, HyperLPR3 only when asked.
    assert.ok(hasModel('veilPlate'));
    assert.equal(auto.plate, 'veil');
    assert.equal(auto.plateFallback, false);
  });

  it('names every place it looked when weights are missing', () => {
    assert.throws(() => modelPath('yunet', ['/nonexistent/a', '/nonexistent/b']), {
      message:
        /"yunet" not found; looked at \/nonexistent\/a\/yunet\/yunet_n_dynamic.onnx, \/nonexistent\/b\//,
    });
  });
});
