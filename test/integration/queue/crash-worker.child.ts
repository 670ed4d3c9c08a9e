/** Child process for the crash test: claims one job, says so, and hangs until killed. */
import { openSqlite } from '../../../src/db/sqlite.adapter.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';

const queue = new DatabaseQueue(openSqlite(process.argv[2]), {
  pollMs: 10,
  leaseMs: Number(process.argv[3]),
});
queue.process('process-job', async (p) => {
  process.stdout.write(`started ${p.jobId}\n`);
  await new Promise(() => undefined);
});
await queue.start();
