import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { engineOptionsOf } from '../../src/media/image/shared-engine.ts';

test('uses documented defaults on an empty environment', () => {
  const sut = loadConfig({});
  assert.equal(sut.port, 8080);
  assert.equal(sut.role, 'all');
  assert.equal(sut.databaseUrl, undefined);
  assert.equal(sut.uploadTtlSeconds, 7 * 24 * 3600);
});

test('names the variable that is wrong', () => {
  assert.throws(
    () => loadConfig({ PORT: 'abc' }),
    (e: Error) => e instanceof ConfigError && /PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ VEIL_ROLE: 'boss' }), /VEIL_ROLE/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ VEIL_PRICE_IMAGE: '-1' }), /VEIL_PRICE_IMAGE/);
});

test('inference workers: 2 by default, at least 1', () => {
  assert.equal(loadConfig({}).inferenceWorkers, 2);
  assert.equal(loadConfig({ VEIL_INFERENCE_WORKERS: '1' }).inferenceWorkers, 1);
  assert.throws(() => loadConfig({ VEIL_INFERENCE_WORKERS: '0' }), /VEIL_INFERENCE_WORKERS/);
});

test('RetinaFace 8-bit model: video frames by default, all or off, nothing else', () => {
  assert.equal(loadConfig({}).int8, 'video');
  assert.equal(loadConfig({ VEIL_INT8: 'ALL' }).int8, 'all');
  assert.equal(loadConfig({ VEIL_INT8: 'off' }).int8, 'off');
  assert.throws(() => loadConfig({ VEIL_INT8: 'int4' }), /VEIL_INT8/);
  assert.equal(loadConfig({}).videoPlates, 'far');
  assert.equal(loadConfig({ VEIL_VIDEO_PLATES: 'Photo' }).videoPlates, 'photo');
  assert.throws(() => loadConfig({ VEIL_VIDEO_PLATES: 'near' }), /VEIL_VIDEO_PLATES/);
});

test('the engine options come from the configuration (service and CLI alike)', () => {
  const options = engineOptionsOf(
    loadConfig({ VEIL_VIDEO_PLATES: 'photo', VEIL_INFERENCE_WORKERS: '1', VEIL_INT8: 'off' }),
  );
  assert.equal(options.videoPlates, 'photo');
  assert.equal(options.workers, 1);
  assert.equal(options.int8, 'off');
});
