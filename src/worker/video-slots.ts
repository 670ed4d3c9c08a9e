/**
 * At most N videos anonymized at once in one worker process (`VEIL_WORKER_VIDEOS`): a
 * `process-job` video and `process-segment` jobs each hold a slot while they decode, detect
 * and encode; the others wait for one (their queue lease is kept meanwhile). Each video in
 * flight costs frame buffers and three ffmpeg processes (see README.md, "Memory").
 */
export class VideoSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    this.free = Math.max(1, Math.floor(size));
  }

  /** Videos running now. */
  get busy(): number {
    return Math.max(1, Math.floor(this.size)) - this.free;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
