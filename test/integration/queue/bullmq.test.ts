/**
 * The BullMQ adapter on the real Redis at REDIS_URL (default 127.0.0.1:6379): the shared
 * conformance suite plus crash recovery of a worker process killed mid-job. Every test uses
 * its own key prefix and deletes its keys afterwards.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BullmqQueue } from '../../../src/queue/bullmq.adapter.ts';
import { runQueueConformance } from './queue.conformance.ts';
import { dropRedisPrefix, REDIS_URL, redisMissing } from './redis-server.ts';

const skip = await redisMissing();

describe('BullMQ adapter', { skip }, () => {
  runQueueConformance('BullMQ on Redis', async () => {
    const prefix = `veil-test-${randomUUID()}`;
    return {
      make: (opts) => new BullmqQueue(REDIS_URL, { prefix, ...opts }),
      cleanup: () => dropRedisPrefix(prefix),
    };
  });
});

describe('BullMQ queue crash safety', { skip }, () => {
  it('runs a job again once its worker process was killed mid-run', async () => {
    const prefix = `veil-test-${randomUUID()}`;
    const producer = new BullmqQueue(REDIS_URL, { prefix });
    try {
      await producer.add('process-job', { jobId: 'crashy' }, { attempts: 3 });
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(import.meta.dirname, 'bullmq-crash.child.ts'), prefix],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, REDIS_URL } },
      );
      const started = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim()));
        child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      assert.equal(started, 'started crashy');
      child.kill('SIGKILL');
      const killedAt = Date.now();
      await new Promise((r) => child.once('exit', r));

      const sut = new BullmqQueue(REDIS_URL, { prefix, leaseMs: 1000 });
      const attempts: number[] = [];
      sut.process('process-job', async (_p, ctx) => void attempts.push(ctx.attempt));
      await sut.start();
      const end = Date.now() + 15_000;
      while (attempts.length === 0 && Date.now() < end) await sleep(20);
      const waited = Date.now() - killedAt;
      await sleep(300);
      await sut.close();
      assert.deepEqual(attempts, [2], 'the killed attempt counts, the retry is the second');
      assert.ok(waited < 6000, `picked up ${waited} ms after the kill`);
      assert.equal((await producer.stats()).waiting, 0);
    } finally {
      await producer.close();
      await dropRedisPrefix(prefix);
    }
  });
});
