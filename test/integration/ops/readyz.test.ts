/**
 * Readiness on a real Veil (SQLite, in-process queue) whose blob storage is a separate Azurite
 * process: ready while it runs, 503 naming blob storage once it is stopped.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { startVeil } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { startAzurite } from '../../../src/storage/azurite.runtime.ts';

test('readyz: 200 with every check ok, 503 naming blob storage when Azurite stops', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'veil-readyz-'));
  const azurite = await startAzurite({ location: path.join(dir, 'azurite'), port: 0 });
  const config = loadConfig(
    {},
    {
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      role: 'api',
      azureConnectionString: azurite.connectionString,
    },
  );
  const veil = await startVeil(config, { log: pino({ level: 'silent' }) });
  try {
    const health = await fetch(`${veil.url}/healthz`);
    assert.equal(health.status, 200, 'healthz needs no key');

    const ready = await fetch(`${veil.url}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    assert.deepEqual(body, {
      status: 'ready',
      checks: { database: 'ok', queue: 'ok', blobStorage: 'ok' },
    });

    const spec = (await (await fetch(`${veil.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    assert.ok(spec.paths['/readyz'] && spec.paths['/healthz'], 'both documented');
    assert.equal(spec.paths['/metrics'], undefined, 'metrics are off by default');
    assert.equal((await fetch(`${veil.url}/metrics`)).status, 404);

    await azurite.stop();
    const started = Date.now();
    const down = await fetch(`${veil.url}/readyz`);
    assert.ok(Date.now() - started < 10_000, 'a dead dependency answers within its timeout');
    assert.equal(down.status, 503);
    const downBody = (await down.json()) as {
      status: string;
      down: string[];
      checks: Record<string, string>;
    };
    assert.equal(downBody.status, 'unavailable');
    assert.deepEqual(downBody.down, ['blobStorage']);
    assert.equal(downBody.checks.database, 'ok');
    assert.equal(downBody.checks.queue, 'ok');
    assert.notEqual(downBody.checks.blobStorage, 'ok');
    assert.doesNotMatch(downBody.checks.blobStorage!, /AccountKey/);
  } finally {
    await veil.stop();
    await azurite.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});
