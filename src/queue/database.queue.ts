/**
 * Durable in-process queue over our own database (the embedded JobQueue adapter).
 * A claimed job holds a lease (visibility timeout) that a heartbeat renews; when a process
 * dies the lease runs out and another consumer takes the job again. Failures retry with
 * exponential backoff; `UnrecoverableJobError` and the last attempt mark the job failed.
 */
import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import {
  UnrecoverableJobError,
  type AddOptions,
  type Handler,
  type JobName,
  type JobPayloads,
  type JobQueue,
} from './index.ts';

export interface QueueLog {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DatabaseQueueOptions {
  /** How often idle consumers look for due jobs (default 250 ms). */
  pollMs?: number;
  /** Lease length; a dead consumer's job is retried after this (default 30 s). */
  leaseMs?: number;
  /** First retry delay, doubled each attempt (default 1000 ms). */
  backoffMs?: number;
  log?: QueueLog;
}

interface Registration {
  handler: Handler<JobName>;
  concurrency: number;
  running: number;
}

interface Claimed {
  id: string;
  name: string;
  payload: string;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  token: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class DatabaseQueue implements JobQueue {
  private readonly handlers = new Map<JobName, Registration>();
  private readonly inflight = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly backoffMs: number;
  private started = false;
  private closing = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly opts: DatabaseQueueOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 250;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.backoffMs = opts.backoffMs ?? 1000;
  }

  async add<N extends JobName>(name: N, payload: JobPayloads[N], opts: AddOptions = {}) {
    const now = Date.now();
    await this.db
      .insertInto('queue_jobs')
      .values({
        id: randomUUID(),
        name,
        payload: JSON.stringify(payload),
        dedupe_id: opts.dedupeId ?? null,
        status: 'waiting',
        attempts: 0,
        max_attempts: Math.max(1, opts.attempts ?? 3),
        backoff_ms: opts.backoffMs ?? this.backoffMs,
        run_at: iso(now + (opts.delayMs ?? 0)),
        locked_until: null,
        lease_token: null,
        last_error: null,
        created_at: iso(now),
      })
      .onConflict((oc) => oc.column('dedupe_id').doNothing())
      .execute();
    this.wake?.();
  }

  process<N extends JobName>(name: N, handler: Handler<N>, opts: { concurrency?: number } = {}) {
    if (this.handlers.has(name)) throw new Error(`A handler for ${name} is already registered`);
    this.handlers.set(name, {
      handler: handler as Handler<JobName>,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      running: 0,
    });
    this.wake?.();
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.loop = this.run();
  }

  async stats() {
    const now = iso(Date.now());
    const waiting = await this.db
      .selectFrom('queue_jobs')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('run_at').as('oldest')])
      .where('status', '=', 'waiting')
      .where('run_at', '<=', now)
      .executeTakeFirstOrThrow();
    const active = await this.db
      .selectFrom('queue_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'active')
      .where('locked_until', '>=', now)
      .executeTakeFirstOrThrow();
    const oldest = waiting.oldest ? Date.now() - Date.parse(String(waiting.oldest)) : 0;
    return { waiting: Number(waiting.n), active: Number(active.n), oldestWaitingMs: oldest };
  }

  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.loop;
    const all = () => Promise.all([...this.inflight.values()].map((r) => r.done));
    if (this.inflight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      for (const run of this.inflight.values()) run.controller.abort(new Error('Queue closing'));
      await all();
    }
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      let claimedAny = false;
      for (const [name, reg] of this.handlers) {
        while (!this.closing && reg.running < reg.concurrency) {
          const job = await this.claim(name).catch((err) => {
            this.opts.log?.error({ err, name }, 'queue claim failed');
            return null;
          });
          if (!job) break;
          claimedAny = true;
          this.execute(reg, job);
        }
      }
      if (this.closing) break;
      if (!claimedAny) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  /** Takes the next due job of `name`, or an active one whose lease ran out. */
  private async claim(name: string): Promise<Claimed | null> {
    for (let tries = 0; tries < 5; tries++) {
      const now = Date.now();
      const due = (eb: ExpressionBuilder<DB, 'queue_jobs'>) =>
        eb.or([
          eb.and([eb('status', '=', 'waiting'), eb('run_at', '<=', iso(now))]),
          eb.and([eb('status', '=', 'active'), eb('locked_until', '<', iso(now))]),
        ]);
      const candidate = await this.db
        .selectFrom('queue_jobs')
        .selectAll()
        .where('name', '=', name)
        .where(due)
        .orderBy('run_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return null;
      const token = randomUUID();
      // Conditional update: of two consumers racing for one row, exactly one changes it.
      const result = await this.db
        .updateTable('queue_jobs')
        .set({
          status: 'active',
          attempts: candidate.attempts + 1,
          locked_until: iso(now + this.leaseMs),
          lease_token: token,
        })
        .where('id', '=', candidate.id)
        .where('attempts', '=', candidate.attempts)
        .where(due)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) continue;
      const attempts = candidate.attempts + 1;
      if (attempts > candidate.max_attempts) {
        // Its last consumer died holding it: give up rather than loop forever.
        await this.finish(candidate.id, token, 'failed', 'lease expired on the last attempt');
        continue;
      }
      return { ...candidate, attempts, token };
    }
    return null;
  }

  private execute(reg: Registration, job: Claimed): void {
    reg.running++;
    const controller = new AbortController();
    const heartbeat = setInterval(
      () => {
        this.db
          .updateTable('queue_jobs')
          .set({ locked_until: iso(Date.now() + this.leaseMs) })
          .where('id', '=', job.id)
          .where('lease_token', '=', job.token)
          .executeTakeFirst()
          .then((r) => {
            // Someone else holds it now (our lease ran out): stop duplicate work.
            if (Number(r.numUpdatedRows) === 0) controller.abort(new Error('Lease lost'));
          })
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    const done = (async () => {
      try {
        await reg.handler(JSON.parse(job.payload), {
          signal: controller.signal,
          attempt: job.attempts,
          maxAttempts: job.max_attempts,
        });
        await this.db
          .deleteFrom('queue_jobs')
          .where('id', '=', job.id)
          .where('lease_token', '=', job.token)
          .execute();
      } catch (err) {
        await this.fail(job, err, controller.signal.aborted && this.closing).catch((e) =>
          this.opts.log?.error({ err: e, name: job.name }, 'queue failure bookkeeping failed'),
        );
      } finally {
        clearInterval(heartbeat);
        reg.running--;
        this.inflight.delete(job.id);
        this.wake?.();
      }
    })();
    this.inflight.set(job.id, { controller, done });
  }

  private async fail(job: Claimed, err: unknown, shutdown: boolean): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    if (shutdown) {
      // Interrupted by our own shutdown: not the job's fault, so the attempt is given back.
      await this.db
        .updateTable('queue_jobs')
        .set({ status: 'waiting', attempts: job.attempts - 1, run_at: iso(Date.now()) })
        .set({ locked_until: null, lease_token: null })
        .where('id', '=', job.id)
        .where('lease_token', '=', job.token)
        .execute();
      return;
    }
    if (err instanceof UnrecoverableJobError || job.attempts >= job.max_attempts) {
      this.opts.log?.warn({ err, name: job.name, attempts: job.attempts }, 'queue job failed');
      await this.finish(job.id, job.token, 'failed', message);
      return;
    }
    const delay = job.backoff_ms * 2 ** (job.attempts - 1);
    await this.db
      .updateTable('queue_jobs')
      .set({ status: 'waiting', run_at: iso(Date.now() + delay), last_error: message })
      .set({ locked_until: null, lease_token: null })
      .where('id', '=', job.id)
      .where('lease_token', '=', job.token)
      .execute();
  }

  private async finish(id: string, token: string, status: 'failed', error: string) {
    await this.db
      .updateTable('queue_jobs')
      .set({ status, dedupe_id: null, last_error: error, locked_until: null, lease_token: null })
      .where('id', '=', id)
      .where('lease_token', '=', token)
      .execute();
  }
}
