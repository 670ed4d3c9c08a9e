/**
 * The Redis server the scaled-out tests use (REDIS_URL, default 127.0.0.1:6379; .ci/run
 * starts it). Elsewhere a missing server skips those tests, saying why: a queue without
 * its server would hang instead of failing.
 */
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export async function redisMissing(): Promise<string | false> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.quit();
    return false;
  } catch {
    probe.disconnect();
    return `no Redis at ${REDIS_URL}`;
  }
}

/** Deletes every key under `prefix:` (a test's own queues), scanning rather than KEYS. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
