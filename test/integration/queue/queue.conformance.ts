/**
 * JobQueue conformance suite: the same behaviour asserted against every adapter.
 * `setup` gives a fresh backing store per test; `make` opens a consumer/producer on it
 * (several calls share the store, as separate processes would).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableJobError, type JobQueue } from '../../../src/queue/index.ts';

export interface QueueOptions {
  leaseMs?: number;
  pollMs?: number;
  backoffMs?: number;
}

export interface QueueFixture {
  make(opts?: QueueOptions): JobQueue;
  cleanup(): Promise<void>;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

export function runQueueConformance(adapter: string, setup: () => Promise<QueueFixture>): void {
  describe(`JobQueue conformance: ${adapter}`, () => {
    async function withQueues(fn: (fx: QueueFixture, open: JobQueue[]) => Promise<void>) {
      const fx = await setup();
      const open: JobQueue[] = [];
      try {
        await fn({ make: (o) => (open.push(fx.make(o)), open.at(-1)!), cleanup: fx.cleanup }, open);
      } finally {
        for (const q of open) await q.close(100);
        await fx.cleanup();
      }
    }

    it('runs an added job once with its payload on the first attempt', () =>
      withQueues(async (fx) => {
        const sut = fx.make({ pollMs: 20 });
        const seen: Array<{ jobId: string; attempt: number }> = [];
        sut.process(
          'prepare-job',
          async (p, ctx) => void seen.push({ ...p, attempt: ctx.attempt }),
        );
        await sut.start();
        await sut.add('prepare-job', { jobId: 'a1' });
        await until(() => seen.length === 1);
        await sleep(100);
        assert.deepEqual(seen, [{ jobId: 'a1', attempt: 1 }]);
        assert.equal((await sut.stats()).waiting, 0);
      }));

    it('retries a failing job with growing delays until it succeeds', () =>
      withQueues(async (fx) => {
        const sut = fx.make({ pollMs: 10, backoffMs: 80 });
        const times: number[] = [];
        sut.process('prepare-job', async (_p, ctx) => {
          times.push(Date.now());
          if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
        });
        await sut.start();
        await sut.add('prepare-job', { jobId: 'r' }, { attempts: 5 });
        await until(() => times.length === 3);
        const gap1 = times[1] - times[0];
        const gap2 = times[2] - times[1];
        assert.ok(gap1 >= 75, `first retry after ${gap1} ms`);
        assert.ok(gap2 >= 155, `second retry after ${gap2} ms (doubled)`);
        await sleep(200);
        assert.equal(times.length, 3);
      }));

    it('gives up after the allowed attempts and never retries an unrecoverable error', () =>
      withQueues(async (fx) => {
        const sut = fx.make({ pollMs: 10, backoffMs: 10 });
        const calls = { 'prepare-job': 0, 'process-job': 0 };
        sut.process('prepare-job', async () => {
          calls['prepare-job']++;
          throw new Error('always');
        });
        sut.process('process-job', async () => {
          calls['process-job']++;
          throw new UnrecoverableJobError('hopeless');
        });
        await sut.start();
        await sut.add('prepare-job', { jobId: 'x' }, { attempts: 3 });
        await sut.add('process-job', { jobId: 'y' }, { attempts: 3 });
        await until(() => calls['prepare-job'] === 3 && calls['process-job'] === 1);
        await sleep(300);
        assert.deepEqual(calls, { 'prepare-job': 3, 'process-job': 1 });
        const stats = await sut.stats();
        assert.equal(stats.waiting + stats.active, 0);
      }));

    it('does not run a delayed job before its time', () =>
      withQueues(async (fx) => {
        const sut = fx.make({ pollMs: 10 });
        let ranAt = 0;
        sut.process('housekeeping', async () => void (ranAt = Date.now()));
        await sut.start();
        const addedAt = Date.now();
        await sut.add('housekeeping', {}, { delayMs: 300 });
        await until(() => ranAt > 0);
        assert.ok(ranAt - addedAt >= 290, `ran after ${ranAt - addedAt} ms`);
      }));

    it('adds a job with a dedupe id only once while it waits, again once it is done', () =>
      withQueues(async (fx) => {
        const sut = fx.make({ pollMs: 10 });
        let runs = 0;
        sut.process('process-job', async () => void runs++);
        for (let i = 0; i < 3; i++)
          await sut.add('process-job', { jobId: 'd' }, { dedupeId: 'p:d' });
        assert.equal((await sut.stats()).waiting, 1);
        await sut.start();
        await until(() => runs === 1);
        await sleep(100);
        assert.equal(runs, 1);
        await sut.add('process-job', { jobId: 'd' }, { dedupeId: 'p:d' });
        await until(() => runs === 2);
      }));

    it('runs no more handlers of a name at once than its concurrency', () =>
      withQueues(async (fx) => {
        const sut = fx.make({ pollMs: 10 });
        let running = 0;
        let peak = 0;
        let done = 0;
        sut.process(
          'process-job',
          async () => {
            running++;
            peak = Math.max(peak, running);
            await sleep(60);
            running--;
            done++;
          },
          { concurrency: 2 },
        );
        for (let i = 0; i < 6; i++) await sut.add('process-job', { jobId: `c${i}` });
        await sut.start();
        await until(() => done === 6);
        assert.equal(peak, 2);
      }));

    it('hands each job to exactly one of several consumers on the same store', () =>
      withQueues(async (fx) => {
        const seen: string[] = [];
        for (let c = 0; c < 3; c++) {
          const q = fx.make({ pollMs: 5 });
          q.process(
            'prepare-job',
            async (p) => {
              seen.push(p.jobId);
              await sleep(5);
            },
            { concurrency: 2 },
          );
          await q.start();
        }
        const producer = fx.make();
        for (let i = 0; i < 30; i++) await producer.add('prepare-job', { jobId: `m${i}` });
        await until(() => seen.length >= 30);
        await sleep(200);
        assert.equal(seen.length, 30);
        assert.equal(new Set(seen).size, 30);
      }));

    it('keeps jobs across a restart: a job added before close runs in the next consumer', () =>
      withQueues(async (fx) => {
        const first = fx.make();
        await first.add('prepare-job', { jobId: 'persisted' });
        await first.close();
        const second = fx.make({ pollMs: 10 });
        const seen: string[] = [];
        second.process('prepare-job', async (p) => void seen.push(p.jobId));
        await second.start();
        await until(() => seen.length === 1);
        assert.deepEqual(seen, ['persisted']);
      }));

    it('aborts a running handler after the grace period on close and runs it again later', () =>
      withQueues(async (fx) => {
        const first = fx.make({ pollMs: 10 });
        let abortedAfter = -1;
        let closeStarted = 0;
        let started = false;
        first.process('process-job', async (_p, ctx) => {
          started = true;
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          abortedAfter = Date.now() - closeStarted;
          throw ctx.signal.reason;
        });
        await first.start();
        await first.add('process-job', { jobId: 'long' });
        await until(() => started);
        closeStarted = Date.now();
        await first.close(200);
        assert.ok(abortedAfter >= 190, `aborted ${abortedAfter} ms after close`);
        const second = fx.make({ pollMs: 10 });
        const attempts: number[] = [];
        second.process('process-job', async (_p, ctx) => void attempts.push(ctx.attempt));
        await second.start();
        await until(() => attempts.length === 1);
        assert.deepEqual(attempts, [1], 'an interrupted attempt is not counted');
      }));
  });
}
