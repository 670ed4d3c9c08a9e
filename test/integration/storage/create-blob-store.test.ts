import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { azuriteConnectionString } from '../../../src/storage/azurite.runtime.ts';
import { createBlobStore, type BlobStoreHandle } from '../../../src/storage/create-blob-store.ts';

const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-store-'));
after(() => rm(dataDir, { recursive: true, force: true }));

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

it('starts embedded Azurite under the data dir and keeps blobs across restarts', async () => {
  const config = loadConfig({}, { dataDir, azuritePort: 0, container: 'restart' });
  const first = await createBlobStore(config);
  assert.match(first.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
  await first.store.put('jobs/1/in.txt', Buffer.from('kept'));
  await first.stop();
  assert.equal(await listening(Number(new URL(first.endpoint).port)), false, 'emulator gone');

  const second = await createBlobStore(config);
  try {
    assert.deepEqual(await second.store.list('jobs/'), ['jobs/1/in.txt']);
    assert.equal((await second.store.stat('jobs/1/in.txt'))?.size, 4);
  } finally {
    await second.stop();
  }
});

describe('beside a running embedded emulator', () => {
  let embedded: BlobStoreHandle;
  before(async () => {
    embedded = await createBlobStore(loadConfig({}, { dataDir, azuritePort: 0, role: 'api' }));
  });
  after(() => embedded.stop());

  it('uses a connection string when one is configured', async () => {
    const config = loadConfig(
      { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString(embedded.endpoint) },
      { dataDir, container: 'external' },
    );
    const external = await createBlobStore(config);
    assert.equal(external.endpoint, embedded.endpoint);
    await external.store.put('x', Buffer.from('y'));
    assert.deepEqual(await external.store.list(''), ['x']);
    await external.stop();
    await external.store.ping(); // stopping an external store leaves the service running
  });

  it('lets a worker-role process join the embedded Azurite of the API process', async () => {
    await embedded.store.put('shared/x', Buffer.from('from the api'));
    const port = Number(new URL(embedded.endpoint).port);
    const worker = await createBlobStore(
      loadConfig({}, { dataDir, azuritePort: port, role: 'worker' }),
    );
    assert.equal(worker.endpoint, embedded.endpoint);
    assert.deepEqual(await worker.store.list('shared/'), ['shared/x']);
    await worker.stop();
    await embedded.store.ping(); // the worker leaves the API's emulator running
  });

  it('lets browsers upload to the embedded emulator (CORS preflight)', async () => {
    const expires = new Date(Date.now() + 60_000);
    const url = await embedded.store.signedUrl('cors/x.jpg', 'upload', expires);
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:8080',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'x-ms-blob-type,content-type',
      },
    });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('access-control-allow-origin'));
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /PUT/);
  });
});
