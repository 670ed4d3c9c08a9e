/** Real parts for service tests: a SQLite file, embedded Azurite, the database queue. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type VeilConfig } from '../../../src/config.ts';
import { openDatabase, type Database } from '../../../src/db/index.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import { createServices, type Logger, type Services } from '../../../src/services/index.ts';
import { createBlobStore, type BlobStoreHandle } from '../../../src/storage/create-blob-store.ts';

export const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface Harness {
  config: VeilConfig;
  db: Database;
  blobs: BlobStoreHandle;
  queue: DatabaseQueue;
  services: Services;
  dataDir: string;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<VeilConfig> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-services-'));
  const config = loadConfig({}, { dataDir, azuritePort: 0, uploadPollMs: 50, ...overrides });
  const db = await openDatabase(config);
  const blobs = await createBlobStore(config);
  const queue = new DatabaseQueue(db.kysely, { pollMs: 20, leaseMs: 5000 });
  const services = createServices({
    config,
    db,
    store: blobs.store,
    queue,
    log: quietLog,
    webhookBackoffMs: 100,
  });
  return {
    config,
    db,
    blobs,
    queue,
    services,
    dataDir,
    async close() {
      await queue.close(500);
      await blobs.stop();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function until<T>(check: () => Promise<T | undefined | null | false>, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}
