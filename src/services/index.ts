/**
 * Composition of the services. The API uses `jobs` and `keys`; the worker also uses the
 * internal parts (lifecycle, webhooks, upload watcher, housekeeping).
 */
import type { VeilConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import type { JobQueue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { createAccountService } from './account.service.ts';
import { createHousekeeping, type Housekeeping } from './housekeeping.service.ts';
import { createJobLifecycle, type JobLifecycle } from './job-lifecycle.service.ts';
import { buildReport } from './job-report.ts';
import { createJobsService } from './jobs.service.ts';
import { createKeysService, type KeysService } from './keys.service.ts';
import { createTaskSegments, type TaskSegments } from './task-segments.service.ts';
import { createUploadWatcher, type UploadWatcher } from './upload-watcher.service.ts';
import { createWebhooks, type Webhooks } from './webhooks.service.ts';
import type { AccountApi, JobsApi } from './types.ts';

export * from './types.ts';
export type { KeysService, CreatedKey } from './keys.service.ts';

/** pino-compatible logger subset. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Services {
  jobs: JobsApi;
  keys: KeysService;
  /** Veil extensions: a key's credits and jobs. */
  account: AccountApi;
  lifecycle: JobLifecycle;
  webhooks: Webhooks;
  uploads: UploadWatcher;
  housekeeping: Housekeeping;
  /** Segments of long videos processed in parallel. */
  segments: TaskSegments;
}

export interface ServiceDeps {
  config: VeilConfig;
  db: Database;
  store: BlobStore;
  queue: JobQueue;
  log: Logger;
  /** First webhook retry delay (default 1000 ms, doubled per attempt); tests shorten it. */
  webhookBackoffMs?: number;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, store, queue, log } = deps;
  const db = deps.db.kysely;
  const lifecycle = createJobLifecycle(db, config);
  const webhooks = createWebhooks({
    db,
    queue,
    config,
    backoffMs: deps.webhookBackoffMs,
    async reportFor(jobId) {
      const job = await lifecycle.get(jobId);
      return job ? buildReport(job, await lifecycle.tasks(jobId), store, config) : null;
    },
  });
  return {
    jobs: createJobsService({ db, store, queue, config, lifecycle, webhooks }),
    keys: createKeysService(db),
    account: createAccountService(db),
    lifecycle,
    webhooks,
    uploads: createUploadWatcher({ store, queue, lifecycle, webhooks, log }),
    housekeeping: createHousekeeping({ db, store, queue, lifecycle }),
    segments: createTaskSegments(db),
  };
}
