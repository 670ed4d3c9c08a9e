/**
 * JobQueue on BullMQ over Redis (REDIS_URL): the scaled-out adapter. One BullMQ queue per job
 * name (so each name has its own concurrency), all under one key prefix per deployment.
 * A worker holds a lock it renews; when its process dies the lock expires, the stalled-job
 * check puts the job back and another worker takes it. Failures retry with exponential
 * backoff; `UnrecoverableJobError` and the last attempt leave the job failed (kept 7 days).
 */
import { randomUUID } from 'node:crypto';
import {
  Queue,
  UnrecoverableError,
  WaitingError,
  Worker,
  type ConnectionOptions,
  type Job,
} from 'bullmq';
import { Redis } from 'ioredis';
import {
  UnrecoverableJobError,
  type AddOptions,
  type Handler,
  type JobName,
  type JobPayloads,
  type JobQueue,
} from './index.ts';
import type { QueueLog } from './database.queue.ts';

export interface BullmqQueueOptions {
  /** Key prefix shared by every process of one deployment (default `veil`). */
  prefix?: string;
  /** Lock length; a dead worker's job is taken again after about this (default 30 s). */
  leaseMs?: number;
  /** First retry delay, doubled each attempt (default 1000 ms). */
  backoffMs?: number;
  /** How often a job may be found stalled (its worker died) before it fails (default 2). */
  maxStalls?: number;
  log?: QueueLog;
}

const JOB_NAMES: JobName[] = [
  'prepare-job',
  'process-job',
  'process-segment',
  'join-segments',
  'deliver-webhook',
  'housekeeping',
];
const FAILED_KEEP_S = 7 * 24 * 3600;

interface Registration {
  handler: Handler<JobName>;
  concurrency: number;
}

export class BullmqQueue implements JobQueue {
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly backoffMs: number;
  private readonly queues = new Map<JobName, Queue>();
  private readonly handlers = new Map<JobName, Registration>();
  private readonly workers: Worker[] = [];
  /** Running handlers by BullMQ job id. */
  private readonly inflight = new Map<string, AbortController>();
  private started = false;
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    redisUrl: string,
    private readonly opts: BullmqQueueOptions = {},
  ) {
    // BullMQ needs maxRetriesPerRequest null so blocking reads survive reconnects.
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', (err) => opts.log?.error({ err }, 'redis connection error'));
    this.prefix = opts.prefix ?? 'veil';
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.backoffMs = opts.backoffMs ?? 1000;
  }

  private queue(name: JobName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection as unknown as ConnectionOptions,
        prefix: this.prefix,
      });
      queue.on('error', (err) => this.opts.log?.error({ err, name }, 'queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async add<N extends JobName>(name: N, payload: JobPayloads[N], opts: AddOptions = {}) {
    await this.queue(name).add(name, payload, {
      jobId: randomUUID(),
      delay: opts.delayMs && opts.delayMs > 0 ? opts.delayMs : undefined,
      attempts: Math.max(1, opts.attempts ?? 3),
      backoff: { type: 'exponential', delay: opts.backoffMs ?? this.backoffMs },
      // Simple-mode deduplication: one job per id until it completes or fails.
      deduplication: opts.dedupeId ? { id: opts.dedupeId } : undefined,
      removeOnComplete: true,
      removeOnFail: { age: FAILED_KEEP_S },
    });
  }

  process<N extends JobName>(name: N, handler: Handler<N>, opts: { concurrency?: number } = {}) {
    if (this.handlers.has(name)) throw new Error(`A handler for ${name} is already registered`);
    if (this.started) throw new Error('Register handlers before start()');
    this.handlers.set(name, {
      handler: handler as Handler<JobName>,
      concurrency: Math.max(1, opts.concurrency ?? 1),
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const [name, reg] of this.handlers) {
      const worker = new Worker(name, (job, token) => this.execute(reg, job, token), {
        // Workers block on their own duplicated connection.
        connection: this.connection as unknown as ConnectionOptions,
        prefix: this.prefix,
        concurrency: reg.concurrency,
        lockDuration: this.leaseMs,
        stalledInterval: Math.max(500, Math.floor(this.leaseMs / 2)),
        maxStalledCount: this.opts.maxStalls ?? 2,
        autorun: false,
      });
      worker.on('error', (err) => this.opts.log?.error({ err, name }, 'queue worker error'));
      // Our lock could not be renewed (e.g. Redis unreachable for a lease): another worker
      // may take the job, so stop duplicate work here.
      worker.on('lockRenewalFailed', (ids) => {
        for (const id of ids) this.inflight.get(id)?.abort(new Error('Lease lost'));
      });
      worker.on('failed', (job, err) => {
        if (job && err.name !== 'WaitingError' && job.finishedOn) {
          this.opts.log?.warn({ err, name, attempts: job.attemptsMade }, 'queue job failed');
        }
      });
      this.workers.push(worker);
      void worker.run().catch((err) => this.opts.log?.error({ err, name }, 'worker stopped'));
      await worker.waitUntilReady();
    }
  }

  private async execute(reg: Registration, job: Job, token: string | undefined): Promise<void> {
    const controller = new AbortController();
    const key = job.id ?? randomUUID();
    this.inflight.set(key, controller);
    const maxAttempts = job.opts.attempts ?? 1;
    try {
      await reg.handler(job.data, {
        signal: controller.signal,
        // Failed attempts plus attempts whose worker died (stalled) come before this one.
        attempt: Math.min(maxAttempts, job.attemptsMade + job.stalledCounter + 1),
        maxAttempts,
      });
    } catch (err) {
      if (controller.signal.aborted && this.closing) {
        // Interrupted by our own shutdown: back to waiting without using an attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (err instanceof UnrecoverableJobError) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      this.inflight.delete(key);
    }
  }

  async stats() {
    let waiting = 0;
    let active = 0;
    let oldest = Infinity;
    for (const name of JOB_NAMES) {
      const queue = this.queue(name);
      const counts = await queue.getJobCounts('wait', 'prioritized', 'active');
      waiting += (counts.wait ?? 0) + (counts.prioritized ?? 0);
      active += counts.active ?? 0;
      const [first] = await queue.getJobs(['wait'], 0, 0, true);
      if (first) oldest = Math.min(oldest, first.timestamp + (first.delay ?? 0));
    }
    const oldestWaitingMs = Number.isFinite(oldest) ? Math.max(0, Date.now() - oldest) : 0;
    return { waiting, active, oldestWaitingMs };
  }

  /** Idempotent: the worker and the composition root may both close the queue. */
  close(graceMs = 10_000): Promise<void> {
    this.closed ??= this.shutdown(graceMs);
    return this.closed;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    // Stop taking jobs; closing() resolves once running handlers have returned.
    const closed = Promise.all(this.workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const controller of this.inflight.values()) controller.abort(new Error('Queue closing'));
    await closed;
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
