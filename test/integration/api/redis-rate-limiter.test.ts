/**
 * The Redis delete_job limiter on the real Redis at REDIS_URL: two limiters on separate
 * connections (two API processes) share one count per key.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisRateLimiter } from '../../../src/api/plugins/redis-rate-limiter.adapter.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe('Redis rate limiter', () => {
  const namespace = `veil-test-${randomUUID()}:rate:delete`;
  const limiters: RedisRateLimiter[] = [];
  const open = (limit: number, windowMs: number) => {
    const limiter = new RedisRateLimiter(REDIS_URL, limit, namespace, windowMs);
    limiters.push(limiter);
    return limiter;
  };
  after(async () => {
    for (const l of limiters) await l.close();
  });

  it('holds the limit across two instances and frees it once the window passes', async () => {
    const a = open(5, 1500);
    const b = open(5, 1500);
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await (i % 2 ? b : a).consume('key-1'));
    assert.deepEqual(
      decisions.map((d) => d.allowed),
      [true, true, true, true, true, false],
    );
    assert.equal(decisions[5].retryAfterSeconds, 2, 'oldest hit leaves within 1.5 s');
    assert.equal((await a.consume('key-1')).allowed, false, 'refused hits are not counted');
    assert.equal((await b.consume('key-2')).allowed, true, 'other keys have their own count');
    await sleep(1600);
    assert.equal((await b.consume('key-1')).allowed, true);
  });

  it('is a sliding window: hits leave one by one as they age', async () => {
    const sut = open(2, 800);
    assert.equal((await sut.consume('slide')).allowed, true);
    await sleep(400);
    assert.equal((await sut.consume('slide')).allowed, true);
    assert.equal((await sut.consume('slide')).allowed, false);
    await sleep(450);
    // The first hit aged out, the second has not: exactly one more fits.
    assert.equal((await sut.consume('slide')).allowed, true);
    assert.equal((await sut.consume('slide')).allowed, false);
  });
});
