/**
 * Notices completed uploads by polling blob properties (works against Azurite and Azure
 * alike: a block blob becomes visible only once committed). A good upload moves the job to
 * "uploaded" and queues `prepare-job`; a wrong one fails the job with the reason.
 */
import type { JobQueue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import type { JobLifecycle } from './job-lifecycle.service.ts';
import type { Webhooks } from './webhooks.service.ts';

export interface WatcherLog {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export function createUploadWatcher(deps: {
  store: BlobStore;
  queue: JobQueue;
  lifecycle: JobLifecycle;
  webhooks: Webhooks;
  log: WatcherLog;
  batch?: number;
}) {
  const { store, queue, lifecycle, webhooks, log } = deps;

  async function failUpload(jobId: string, reason: string) {
    if (await lifecycle.fail(jobId, reason)) {
      log.info({ jobId, reason }, 'upload refused');
      await webhooks.notify(jobId, 'failed');
    }
  }

  type DueJob = Awaited<ReturnType<JobLifecycle['dueUploads']>>[number];

  /** Checks one job's blob; true when the job moved on (accepted or refused). */
  async function check(job: DueJob): Promise<boolean> {
    const blob = await store.stat(job.input_key).catch((err) => {
      log.warn({ err, jobId: job.id }, 'upload check failed');
      return undefined;
    });
    if (blob === undefined) return false;
    if (blob === null) {
      await lifecycle.touchChecked(job.id);
      return false;
    }
    if (blob.blobType !== 'BlockBlob') {
      await failUpload(
        job.id,
        `only BlockBlob uploads are supported, got ${blob.blobType} (send x-ms-blob-type: BlockBlob)`,
      );
    } else if (
      job.upload_kind === 'session' &&
      job.file_size !== null &&
      blob.size !== Number(job.file_size)
    ) {
      await failUpload(
        job.id,
        `uploaded ${blob.size} bytes but the upload session declared file_size ${job.file_size}`,
      );
    } else if (await lifecycle.markUploaded(job.id, blob.size)) {
      // A crash between these two lines leaves the job "uploaded": housekeeping requeues it.
      await queue.add('prepare-job', { jobId: job.id }, { dedupeId: `prepare:${job.id}` });
    }
    return true;
  }

  /** One pass over jobs waiting for their upload; returns how many moved on. */
  async function poll(): Promise<number> {
    const due = await lifecycle.dueUploads(deps.batch ?? 200);
    let moved = 0;
    // A few blob checks at a time: many open sessions must not make one pass slow.
    for (let i = 0; i < due.length; i += 8) {
      const results = await Promise.all(due.slice(i, i + 8).map(check));
      moved += results.filter(Boolean).length;
    }
    return moved;
  }

  return { poll };
}

export type UploadWatcher = ReturnType<typeof createUploadWatcher>;
