/** Child process for the crash test: a full worker on the parent's SQLite file and Azurite. */
import { loadConfig } from '../../../src/config.ts';
import { openDatabase } from '../../../src/db/index.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import { createServices } from '../../../src/services/index.ts';
import { createBlobStore } from '../../../src/storage/create-blob-store.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { quietLog } from '../services/harness.ts';

const [dataDir, connection] = process.argv.slice(2);
const config = loadConfig(
  {
    AZURE_STORAGE_CONNECTION_STRING: connection,
    // The segment tests shrink segments to a second or two.
    VEIL_SEGMENT_SECONDS: process.env.VEIL_SEGMENT_SECONDS,
    VEIL_SEGMENT_OVERLAP_S: process.env.VEIL_SEGMENT_OVERLAP_S,
  },
  { dataDir, uploadPollMs: 50 },
);
const db = await openDatabase(config);
const { store } = await createBlobStore(config);
const queue = new DatabaseQueue(db.kysely, { pollMs: 20, leaseMs: 1500 });
const services = createServices({ config, db, store, queue, log: quietLog });
await startWorker({ config, db, store, queue, services, log: quietLog, housekeepingMs: 3_600_000 });
process.stdout.write('worker ready\n');
