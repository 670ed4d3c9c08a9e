/** Child process for the approval race: approves the given jobs at once, prints outcomes. */
import { loadConfig } from '../../../src/config.ts';
import { openDatabase } from '../../../src/db/index.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import { createServices } from '../../../src/services/index.ts';
import { createBlobStore } from '../../../src/storage/create-blob-store.ts';
import { quietLog } from './harness.ts';

const [dataDir, connection, keyId, ...jobIds] = process.argv.slice(2);
const config = loadConfig({ AZURE_STORAGE_CONNECTION_STRING: connection }, { dataDir });
const db = await openDatabase(config);
const blobs = await createBlobStore(config);
const queue = new DatabaseQueue(db.kysely);
const services = createServices({ config, db, store: blobs.store, queue, log: quietLog });
// Wait for the parent's go so all processes race at the same moment.
process.stdout.write('ready\n');
await new Promise((r) => process.stdin.once('data', r));
process.stdin.destroy();
const outcomes = await Promise.all(
  jobIds.map((id) =>
    services.jobs.approve({ keyId, name: 'race' }, id).then(
      (o) => o,
      (e: { code?: string }) => e.code ?? 'error',
    ),
  ),
);
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
await blobs.stop();
await db.close();
