/**
 * The real API over real parts (SQLite file, Azurite over HTTP, the services) on a random
 * port, without workers: what a client sees before any job is processed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { buildApi } from '../../../src/api/build-api.ts';
import { loadConfig, type VeilConfig } from '../../../src/config.ts';
import { openDatabase, type Database } from '../../../src/db/index.ts';
import { createQueue } from '../../../src/queue/create-queue.ts';
import { createServices, type Services } from '../../../src/services/index.ts';
import { createBlobStore, type BlobStoreHandle } from '../../../src/storage/create-blob-store.ts';

export interface ApiHarness {
  base: string;
  config: VeilConfig;
  services: Services;
  db: Database;
  blobs: BlobStoreHandle;
  /** Bytes the API's sockets received since the harness started (headers included). */
  bytesReceived(): number;
  /** A fresh key with `credits`; returns its token. */
  newKey(credits?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startApiHarness(overrides: Partial<VeilConfig> = {}): Promise<ApiHarness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-api-'));
  const config = loadConfig(
    {},
    { dataDir, azuritePort: 0, port: 0, host: '127.0.0.1', ...overrides },
  );
  const log = pino({ level: 'silent' });
  const blobs = await createBlobStore(config);
  const db = await openDatabase(config);
  const queue = createQueue(config, db);
  const services = createServices({ config, db, store: blobs.store, queue, log });
  const app = await buildApi({ config, services, log });
  let received = 0;
  app.server.on('connection', (socket) => socket.on('data', (chunk) => (received += chunk.length)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    config,
    services,
    db,
    blobs,
    bytesReceived: () => received,
    newKey: async (credits = 100) =>
      (await services.keys.create({ name: `test-${Math.random()}`, credits })).token,
    stop: async () => {
      await app.close();
      await queue.close(0);
      await db.close().catch(() => undefined);
      await blobs.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch with the key header; never follows redirects. */
export function call(base: string, token: string | null, route: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('access_token', token);
  return fetch(`${base}${route}`, { ...init, headers, redirect: 'manual' });
}
