import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InMemoryRateLimiter } from '../../../src/api/plugins/rate-limiter.ts';

it('allows `limit` requests per window per key, then says when to retry', async () => {
  let now = 1_000_000;
  const sut = new InMemoryRateLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await sut.consume('a'), { allowed: true, retryAfterSeconds: 0 });
    now += 10_000;
  }
  // Oldest hit at t0; window frees it at t0 + 60 s; now is t0 + 30 s.
  assert.deepEqual(await sut.consume('a'), { allowed: false, retryAfterSeconds: 30 });
  assert.equal((await sut.consume('b')).allowed, true, 'keys are independent');
  now += 30_001;
  assert.equal((await sut.consume('a')).allowed, true, 'the oldest hit left the window');
  assert.equal((await sut.consume('a')).allowed, false);
});

it('does not count refused requests against the window', async () => {
  let now = 0;
  const sut = new InMemoryRateLimiter(1, 1000, () => now);
  assert.equal((await sut.consume('k')).allowed, true);
  for (let i = 0; i < 5; i++) {
    now += 100;
    assert.equal((await sut.consume('k')).allowed, false);
  }
  now = 1001;
  assert.equal((await sut.consume('k')).allowed, true);
});
