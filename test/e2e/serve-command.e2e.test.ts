/**
 * `veil serve` as a user runs it: first start prints the demo key and a curl example; SIGTERM
 * stops everything (Azurite included); a restart keeps keys, jobs and blobs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { AzureBlobStore } from '../../src/storage/azure-blob.store.ts';
import { azuriteConnectionString } from '../../src/storage/azurite.runtime.ts';
import { canConnect, createSession, freePort, serveBanner, spawnVeil } from './kit.ts';

const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-serve-'));
after(() => rm(dataDir, { recursive: true, force: true }));

function serve(port: number, azuritePort: number) {
  return spawnVeil(
    ['bin/veil.js', 'serve', '--port', String(port)],
    {
      VEIL_DATA_DIR: dataDir,
      VEIL_AZURITE_PORT: String(azuritePort),
      VEIL_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The garbage upload fails inspection; its input must survive for the restart check.
      VEIL_DELETE_INPUTS: 'false',
    },
    serveBanner,
  );
}

it('prints the demo key, stops cleanly on SIGTERM, and keeps everything across a restart', async () => {
  const [port, azuritePort] = [await freePort(), await freePort()];
  const first = await serve(port, azuritePort);
  const url = `http://127.0.0.1:${port}`;
  const key = /^access_token: (\S+)$/m.exec(first.output())?.[1];
  assert.ok(key, first.output());
  assert.ok(first.output().includes(`-H 'access_token: ${key}'`), 'ready-to-paste curl example');
  assert.ok(first.output().includes(`${url}/docs`));
  assert.equal(((await stat(path.join(dataDir, 'demo-key.txt'))).mode & 0o777).toString(8), '600');

  const { job_id, session_uri } = await createSession(url, key, 'a.jpg', 1000);
  const put = await fetch(session_uri, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob' },
    body: Buffer.alloc(1000, 1),
  });
  assert.equal(put.status, 201);

  assert.equal(await first.kill('SIGTERM'), 0);
  assert.equal(await canConnect(port), false, 'API closed');
  assert.equal(await canConnect(azuritePort), false, 'Azurite stopped');

  const second = await serve(port, azuritePort);
  try {
    assert.ok(second.output().includes(`access_token: ${key}`), 'the demo key is shown again');
    const report = await fetch(`${url}/get_job_result/${job_id}`, {
      headers: { access_token: key },
    });
    assert.equal(report.status, 200, 'key and job survived');
    const blobs = new AzureBlobStore(
      azuriteConnectionString(`http://127.0.0.1:${azuritePort}/devstoreaccount1`),
      'veil',
    );
    assert.equal((await blobs.stat(`jobs/${job_id}/input/a.jpg`))?.size, 1000, 'blob survived');
  } finally {
    assert.equal(await second.kill('SIGINT'), 0);
  }
});
