/** Errors the client throws, with the API's `detail` turned into words. */

/** An HTTP answer the client did not expect; `status` and `detail` are the server's. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;

  constructor(status: number, detail: unknown, what: string) {
    super(`${what}: ${describeDetail(status, detail)}`);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
  }
}

/** A job that ended failed, expired or cancelled while the client waited for it. */
export class JobFailedError extends Error {
  readonly jobId: string;
  readonly status: number;

  constructor(jobId: string, status: number, description: string, taskErrors: string[]) {
    const why = taskErrors.length ? `: ${taskErrors.join('; ')}` : '';
    super(`Job ${jobId} ${description}${why}`);
    this.name = 'JobFailedError';
    this.jobId = jobId;
    this.status = status;
  }
}

const statusWords: Record<number, string> = {
  401: 'the API key is missing or unknown',
  402: 'not enough credits',
  404: 'not found',
  429: 'too many requests, try again later',
};

/** `{"detail": "..."}` or FastAPI-style validation lists, as one readable sentence. */
export function describeDetail(status: number, detail: unknown): string {
  if (typeof detail === 'string' && detail) return `${detail} (HTTP ${status})`;
  if (Array.isArray(detail)) {
    const msgs = detail.map((d) =>
      d && typeof d === 'object' && 'msg' in d ? String(d.msg) : JSON.stringify(d),
    );
    return `${msgs.join('; ')} (HTTP ${status})`;
  }
  return `${statusWords[status] ?? 'request failed'} (HTTP ${status})`;
}
