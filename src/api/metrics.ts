/**
 * Prometheus metrics (prom-client) on a registry of their own, so several Veil instances in
 * one process (tests) never share counters. Two sources:
 * - the database, read at scrape time: jobs by status, detections per class, credits charged.
 *   Every api process reports the same totals whatever process did the work.
 * - this process: HTTP requests, queue handler outcomes (processing time per file kind,
 *   webhook deliveries and failures), counted as they happen.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DB } from '../db/index.ts';
import type { JobName, JobQueue } from '../queue/index.ts';
import { JobStatus } from '../services/types.ts';

const STATUS_NAMES = Object.fromEntries(
  Object.entries(JobStatus).map(([name, code]) => [String(code), name.toLowerCase()]),
);

export interface VeilMetrics {
  registry: Registry;
  /** Counts every response of `app` by method, route pattern and status. */
  instrumentApi(app: FastifyInstance): void;
  /** Wraps `queue.process` so handlers report their duration and outcome. */
  instrumentQueue(queue: JobQueue): JobQueue;
  /** Prometheus text exposition. */
  render(): Promise<string>;
}

export function createMetrics(deps: { db: Kysely<DB>; queue: JobQueue }): VeilMetrics {
  const { db } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'veil_process_' });

  const http = new Counter({
    name: 'veil_http_requests_total',
    help: 'HTTP responses by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const processing = new Histogram({
    name: 'veil_processing_seconds',
    help: 'Wall time of processing one job by this process, by media kind and outcome',
    labelNames: ['kind', 'outcome'],
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600],
    registers: [registry],
  });
  const videoSeconds = new Counter({
    name: 'veil_video_media_seconds_total',
    help: 'Seconds of video anonymized by this process; divided by veil_processing_seconds_sum{kind="video"} it gives the speed relative to real time',
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'veil_webhook_deliveries_total',
    help: 'Webhook delivery attempts by this process, by outcome (delivered or failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });

  new Gauge({
    name: 'veil_jobs',
    help: 'Jobs in the database by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('jobs')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      this.reset();
      for (const name of Object.values(STATUS_NAMES)) this.set({ status: name }, 0);
      for (const row of rows) {
        this.set({ status: STATUS_NAMES[String(row.status)] ?? String(row.status) }, Number(row.n));
      }
    },
  });
  const queueStats = () => deps.queue.stats();
  new Gauge({
    name: 'veil_queue_waiting',
    help: 'Queue entries ready to run and waiting for a worker',
    registers: [registry],
    async collect() {
      this.set((await queueStats()).waiting);
    },
  });
  new Gauge({
    name: 'veil_queue_active',
    help: 'Queue entries being run',
    registers: [registry],
    async collect() {
      this.set((await queueStats()).active);
    },
  });
  new Gauge({
    name: 'veil_queue_oldest_waiting_seconds',
    help: 'Age of the oldest queue entry waiting for a worker (0 when none)',
    registers: [registry],
    async collect() {
      this.set((await queueStats()).oldestWaitingMs / 1000);
    },
  });
  new Gauge({
    name: 'veil_detections',
    help: 'Objects anonymized in the files of jobs still in the database, by class',
    labelNames: ['class'],
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('tasks')
        .select((eb) => [
          eb.fn.sum<number>('faces').as('faces'),
          eb.fn.sum<number>('plates').as('plates'),
        ])
        .executeTakeFirst();
      this.set({ class: 'face' }, Number(row?.faces ?? 0));
      this.set({ class: 'license_plate' }, Number(row?.plates ?? 0));
    },
  });
  new Gauge({
    name: 'veil_credits_charged',
    help: 'Credits charged to all keys since the database was created',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('credit_entries')
        .select((eb) => eb.fn.sum<number>('amount').as('total'))
        .where('kind', '=', 'charge')
        .executeTakeFirst();
      this.set(Math.abs(Number(row?.total ?? 0)));
    },
  });

  async function mediaKind(jobId: string): Promise<string> {
    const row = await db
      .selectFrom('jobs')
      .select('media_kind')
      .where('id', '=', jobId)
      .executeTakeFirst();
    return row?.media_kind ?? 'unknown';
  }

  async function videoDuration(jobId: string): Promise<number> {
    const row = await db
      .selectFrom('tasks')
      .select((eb) => eb.fn.sum<number>('duration_seconds').as('s'))
      .where('job_id', '=', jobId)
      .where('kind', '=', 'video')
      .where('status', '=', 'completed')
      .executeTakeFirst();
    return Number(row?.s ?? 0);
  }

  return {
    registry,
    instrumentApi(app) {
      app.addHook('onResponse', async (request, reply) => {
        // The route pattern, never the raw URL: job ids would make one series per job.
        const route = request.routeOptions.url ?? 'unmatched';
        http.inc({ method: request.method, route, status: String(reply.statusCode) });
      });
    },
    instrumentQueue(queue) {
      const process = queue.process.bind(queue);
      queue.process = ((name: JobName, handler: Parameters<typeof process>[1], opts) => {
        const wrapped = async (payload: never, ctx: never) => {
          const started = performance.now();
          try {
            const result = await (handler as (p: never, c: never) => Promise<unknown>)(
              payload,
              ctx,
            );
            record(name, payload, 'completed', started);
            return result;
          } catch (err) {
            record(name, payload, 'failed', started);
            throw err;
          }
        };
        process(name, wrapped as never, opts);
      }) as JobQueue['process'];
      return queue;
    },
    render: () => registry.metrics(),
  };

  function record(name: JobName, payload: unknown, outcome: string, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    if (name === 'deliver-webhook') {
      webhooks.inc({ outcome: outcome === 'completed' ? 'delivered' : 'failed' });
    } else if (name === 'process-job') {
      const jobId = (payload as { jobId?: string }).jobId ?? '';
      void mediaKind(jobId)
        .then(async (kind) => {
          processing.observe({ kind, outcome }, seconds);
          if (kind !== 'image') videoSeconds.inc(await videoDuration(jobId));
        })
        .catch(() => undefined);
    }
  }
}
