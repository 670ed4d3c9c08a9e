/** Child process for the BullMQ crash test: takes one job, says so, hangs until killed. */
import { BullmqQueue } from '../../../src/queue/bullmq.adapter.ts';

const queue = new BullmqQueue(process.env.REDIS_URL!, { prefix: process.argv[2], leaseMs: 1000 });
queue.process('process-job', async (p) => {
  process.stdout.write(`started ${p.jobId}\n`);
  await new Promise(() => undefined);
});
await queue.start();
