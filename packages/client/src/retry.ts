/** Retries with exponential backoff for transient failures (network errors, 408/429/5xx). */

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** First delay; doubled per attempt with jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Longest delay between attempts (default 10 s). */
  maxDelayMs?: number;
  signal?: AbortSignal;
}

/** Thrown by an attempt to say "try again"; anything else thrown stops at once. */
export class TransientError extends Error {
  readonly retryAfterMs?: number;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'TransientError';
    this.retryAfterMs = retryAfterMs;
  }
}

export const isTransientStatus = (status: number) =>
  status === 408 || status === 429 || status >= 500;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt` until it resolves, throws a non-transient error, or attempts run out. */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 10_000;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      // fetch rejects with a TypeError on network failures: those are worth a retry too.
      const transient = err instanceof TransientError || err instanceof TypeError;
      if (!transient || n >= attempts || opts.signal?.aborted) throw err;
      const hinted = err instanceof TransientError ? err.retryAfterMs : undefined;
      const delay = hinted ?? Math.min(max, base * 2 ** (n - 1)) * (0.75 + Math.random() / 2);
      await sleep(delay, opts.signal);
    }
  }
}
