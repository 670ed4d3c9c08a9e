import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

test('operations settings: defaults', () => {
  const c = loadConfig({});
  assert.equal(c.deleteInputs, true);
  assert.equal(c.retentionHours, 168);
  assert.equal(c.metrics, false);
  assert.equal(c.shutdownGraceMs, 10_000);
});

test('operations settings: parsed from the environment', () => {
  const c = loadConfig({
    VEIL_DELETE_INPUTS: 'false',
    VEIL_RETENTION_HOURS: '0.5',
    VEIL_METRICS: 'true',
    VEIL_SHUTDOWN_GRACE_MS: '2500',
  });
  assert.deepEqual(
    [c.deleteInputs, c.retentionHours, c.metrics, c.shutdownGraceMs],
    [false, 0.5, true, 2500],
  );
});

test('operations settings: a wrong value names its variable', () => {
  for (const [name, value] of [
    ['VEIL_DELETE_INPUTS', 'maybe'],
    ['VEIL_RETENTION_HOURS', '-1'],
    ['VEIL_METRICS', 'on?'],
    ['VEIL_SHUTDOWN_GRACE_MS', '1.5'],
  ]) {
    assert.throws(
      () => loadConfig({ [name!]: value }),
      (err: Error) => err instanceof ConfigError && err.message.startsWith(name!),
      name,
    );
  }
});
