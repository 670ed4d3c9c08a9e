/**
 * Composition root: builds, per role, blob storage, database, queue, services, the HTTP API
 * and the worker, and stops them in reverse order. The only place that wires adapters.
 */
import { mkdir } from 'node:fs/promises';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import { buildApi } from './api/build-api.ts';
import { privateLogger } from './api/log-privacy.ts';
import { createMetrics } from './api/metrics.ts';
import { registerOps } from './api/routes/ops/index.ts';
import { RedisRateLimiter } from './api/plugins/redis-rate-limiter.adapter.ts';
import type { VeilConfig } from './config.ts';
import { openDatabase } from './db/index.ts';
import { createQueue } from './queue/create-queue.ts';
import { createServices } from './services/index.ts';
import { createRetention } from './services/retention.service.ts';
import { createBlobStore } from './storage/create-blob-store.ts';

export interface VeilHandle {
  /** Base URL of the API ('' for the worker role). */
  url: string;
  /** Blob service endpoint. */
  blobEndpoint: string;
  /** Token of the demo key, only when this start created it. */
  demoKey?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** How long running jobs may finish on stop before they are aborted (default config.shutdownGraceMs). */
  stopGraceMs?: number;
  /** First webhook retry delay (tests shorten it). */
  webhookBackoffMs?: number;
  /** How long a claimed queue job stays invisible to others if its process dies (default 30 s). */
  queueLeaseMs?: number;
  /** How often the worker runs housekeeping (default 60 s; tests shorten it). */
  housekeepingMs?: number;
}

export async function startVeil(config: VeilConfig, opts: StartOptions = {}): Promise<VeilHandle> {
  // Every line Veil writes goes through the privacy filter (keys, SAS signatures, secrets).
  const log = privateLogger(opts.log ?? pino({ level: config.logLevel }));
  // Stops run last-in first-out; a failed start undoes what it began.
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((err) => log.error({ err }, 'error while stopping'));
    }
  };
  try {
    await mkdir(config.dataDir, { recursive: true });
    const blobs = await createBlobStore(config);
    stops.push(blobs.stop);
    const db = await openDatabase(config);
    stops.push(() => db.close());
    const queue = createQueue(config, db, { log, leaseMs: opts.queueLeaseMs });
    const graceMs = opts.stopGraceMs ?? config.shutdownGraceMs;
    stops.push(() => queue.close(graceMs));
    // Counts this process's queue work too, so it wraps the queue before the worker uses it.
    const metrics =
      config.metrics && config.role !== 'worker'
        ? createMetrics({ db: db.kysely, queue })
        : undefined;
    if (metrics) metrics.instrumentQueue(queue);
    const services = createServices({
      config,
      db,
      store: blobs.store,
      queue,
      log,
      webhookBackoffMs: opts.webhookBackoffMs,
    });

    // On stop the API stops accepting at once, while the worker still has its grace period.
    let closeApi: (() => Promise<void>) | undefined;
    let url = '';
    let demoKey: string | undefined;
    if (config.role !== 'worker') {
      demoKey = (await services.keys.ensureDemoKey(config.demoCredits)) ?? undefined;
      // With Redis, every api process shares one delete_job count per key.
      let deleteLimiter: RedisRateLimiter | undefined;
      if (config.redisUrl) {
        const limiter = new RedisRateLimiter(
          config.redisUrl,
          config.deleteRatePerMinute,
          `${config.redisPrefix}:rate:delete`,
        );
        stops.push(() => limiter.close());
        deleteLimiter = limiter;
      }
      const api = await buildApi({ config, services, log, deleteLimiter });
      let closing: Promise<void> | undefined;
      closeApi = () => (closing ??= api.close());
      stops.push(closeApi);
      registerOps(api, {
        metrics,
        checks: {
          database: () => sql`select 1`.execute(db.kysely),
          queue: () => queue.stats(),
          blobStorage: () => blobs.store.ping(),
        },
      });
      await api.listen({ port: config.port, host: config.host });
      const address = api.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    }
    if (config.role !== 'api') {
      // Loaded only here: an api-only process never loads the engine and its models.
      const { startWorker } = await import('./worker/index.ts');
      const { configureSharedEngine, engineOptionsOf } =
        await import('./media/image/shared-engine.ts');
      const { resolveModels } = await import('./engine/models.ts');
      configureSharedEngine(engineOptionsOf(config));
      const models = resolveModels(config.faceModel, config.plateModel);
      log.info({ models: models.describe }, 'engine models');
      // Retention wraps the worker's handlers: inputs go when a job ends, outputs on schedule.
      createRetention({
        db: db.kysely,
        store: blobs.store,
        lifecycle: services.lifecycle,
        config,
        log,
      }).attachTo(queue);
      const worker = await startWorker({
        config,
        db,
        store: blobs.store,
        queue,
        services,
        log,
        housekeepingMs: opts.housekeepingMs,
      });
      stops.push(async () => {
        await Promise.all([closeApi?.(), worker.stop(graceMs)]);
      });
    }
    log.info(
      {
        role: config.role,
        api: url || undefined,
        docs: url ? `${url}/docs` : undefined,
        blobs: blobs.endpoint,
      },
      'Veil started',
    );
    return { url, blobEndpoint: blobs.endpoint, demoKey, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
