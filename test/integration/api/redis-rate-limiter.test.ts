/**
 * The Redis delete_job limiter on the real Redis at REDIS_URL: two limiters on separate
 * connections (two API processes) share one count per key.
 *
 * Redis stamps each hit with its own clock at some moment while the call is in flight, so each
 * call is timed here (sent .. answered) and every wait is set from those times, not from fixed
 * sleeps. Where a stalled machine makes the expected answer undecidable (a hit that might or
 * might not have left the window), the scenario runs again on a fresh key, at most three times.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisRateLimiter } from '../../../src/api/plugins/redis-rate-limiter.adapter.ts';
import type { RateDecision } from '../../../src/api/plugins/rate-limiter.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

interface Hit extends RateDecision {
  /** Before the call was sent and after its answer came (ms, this process's clock). */
  sent: number;
  answered: number;
}

async function hit(limiter: RedisRateLimiter, key: string): Promise<Hit> {
  const sent = performance.now();
  const decision = await limiter.consume(key);
  return { ...decision, sent, answered: performance.now() };
}

/** Sleeps until `at` (performance.now() time). */
const until = (at: number) => sleep(Math.max(0, at - performance.now()));

/** A scenario returns 'undecided' when the machine stalled too long for its timings. */
async function decided(
  scenario: (key: string) => Promise<'done' | 'undecided'>,
  what: string,
): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    if ((await scenario(`${what}-${attempt}`)) === 'done') return;
  }
  assert.fail(`${what}: the machine stalled too long in each of three attempts`);
}

describe('Redis rate limiter', () => {
  const namespace = `veil-test-${randomUUID()}:rate:delete`;
  const limiters: RedisRateLimiter[] = [];
  const open = async (limit: number, windowMs: number) => {
    const limiter = new RedisRateLimiter(REDIS_URL, limit, namespace, windowMs);
    limiters.push(limiter);
    await limiter.consume(`warm-up-${randomUUID()}`); // connected before anything is timed
    return limiter;
  };
  after(async () => {
    for (const l of limiters) await l.close();
  });

  it('holds the limit across two instances and frees it once the window passes', async () => {
    const windowMs = 3000;
    const a = await open(5, windowMs);
    const b = await open(5, windowMs);
    await decided(async (key) => {
      const hits: Hit[] = [];
      for (let i = 0; i < 6; i++) hits.push(await hit(i % 2 ? b : a, key));
      const [first, sixth] = [hits[0]!, hits[5]!];
      // The five allowed hits are certainly all inside the window when the sixth comes.
      if (sixth.answered - first.sent >= windowMs) return 'undecided';
      assert.deepEqual(
        hits.map((h) => h.allowed),
        [true, true, true, true, true, false],
      );
      // It is refused until the first hit leaves the window: windowMs after it, less the time
      // since then (bounded by the calls' own timings).
      const soonest = Math.ceil((first.sent + windowMs - sixth.answered) / 1000);
      const latest = Math.ceil((first.answered + windowMs - sixth.sent) / 1000);
      assert.ok(
        sixth.retryAfterSeconds >= Math.max(1, soonest) &&
          sixth.retryAfterSeconds <= Math.max(1, latest),
        `retry after ${sixth.retryAfterSeconds} s, expected ${soonest}..${latest}`,
      );
      const again = await hit(a, key);
      if (again.answered - first.sent >= windowMs) return 'undecided';
      assert.equal(again.allowed, false, 'still five hits in the window');
      assert.equal(
        (await b.consume(`${key}-other`)).allowed,
        true,
        'other keys have their own count',
      );
      // Once the first hit has certainly left the window, the key has room again.
      await until(first.answered + windowMs + 20);
      assert.equal((await b.consume(key)).allowed, true, 'the first hit left the window');
      return 'done';
    }, 'across-instances');
  });

  it('is a sliding window: hits leave one by one as they age', async () => {
    const windowMs = 2000;
    const sut = await open(2, windowMs);
    await decided(async (key) => {
      const first = await hit(sut, key);
      assert.equal(first.allowed, true);
      await until(first.answered + windowMs / 2);
      const second = await hit(sut, key);
      assert.equal(second.allowed, true);
      const third = await hit(sut, key);
      if (third.answered - first.sent >= windowMs) return 'undecided';
      assert.equal(third.allowed, false, 'two hits in the window');
      // The first hit certainly aged out, the second has not: exactly one more fits.
      await until(first.answered + windowMs + 20);
      const fourth = await hit(sut, key);
      assert.equal(fourth.allowed, true, 'the first hit left the window');
      const fifth = await hit(sut, key);
      if (fifth.answered - second.sent >= windowMs) return 'undecided';
      assert.equal(fifth.allowed, false, 'the second hit is still in the window');
      return 'done';
    }, 'slide');
  });
});
