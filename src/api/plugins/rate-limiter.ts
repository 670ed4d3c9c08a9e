/**
 * Per-key request limits. The interface lets a shared store (Redis) replace the in-memory
 * one when several API processes run; the in-memory limiter is exact for one process.
 */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one request for `key` and says whether it is within the limit. */
  consume(key: string): Promise<RateDecision>;
}

/** Sliding window: at most `limit` requests in any `windowMs`. */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async consume(key: string): Promise<RateDecision> {
    const now = this.now();
    const since = now - this.windowMs;
    const recent = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      const retryAfterMs = recent[0] + this.windowMs - now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 10_000) this.sweep(since);
    return { allowed: true, retryAfterSeconds: 0 };
  }

  /** Forgets keys with no recent hits so memory stays bounded. */
  private sweep(since: number): void {
    for (const [key, times] of this.hits) {
      if (times[times.length - 1] <= since) this.hits.delete(key);
    }
  }
}
