/**
 * Sliding-window request limit kept in Redis, so every API process of a deployment shares
 * one count per key. One atomic script per request: drop hits older than the window, count,
 * then either record this hit or say when the oldest one leaves the window. Redis's own
 * clock is used so API machines with skewed clocks still agree.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';

// KEYS[1]: the key's sorted set; ARGV: limit, window ms, unique member.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return -1
`;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;

  constructor(
    redisUrl: string,
    private readonly limit: number,
    /** Distinguishes deployments and limits sharing one Redis, e.g. `veil:rate:delete`. */
    private readonly namespace: string,
    private readonly windowMs = 60_000,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    // Errors surface on the request that needed Redis; keep the emitter from crashing.
    this.redis.on('error', () => undefined);
  }

  async consume(key: string): Promise<RateDecision> {
    const waitMs = Number(
      await this.redis.eval(
        SCRIPT,
        1,
        `${this.namespace}:${key}`,
        this.limit,
        this.windowMs,
        randomUUID(),
      ),
    );
    if (waitMs < 0) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
