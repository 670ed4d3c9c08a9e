/**
 * Periodic repairs, safe to run in several processes at once: expire upload sessions that
 * were never used (and delete their blobs), requeue jobs whose queue entry was lost, fail
 * jobs whose processing stalled, and delete blobs of jobs that no longer exist.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.ts';
import type { JobQueue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { jobPrefix } from './jobs.service.ts';
import type { JobLifecycle } from './job-lifecycle.service.ts';
import { JobStatus } from './types.ts';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

export function createHousekeeping(deps: {
  db: Kysely<DB>;
  store: BlobStore;
  queue: JobQueue;
  lifecycle: JobLifecycle;
  /** Processing without any progress for this long counts as stalled (default 60). */
  stalledMinutes?: number;
}) {
  const { db, store, queue, lifecycle } = deps;

  async function expireSessions(): Promise<string[]> {
    const stale = await db
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', JobStatus.INITIALIZED)
      .where('expires_at', '<=', new Date().toISOString())
      .execute();
    const expired: string[] = [];
    for (const { id } of stale) {
      const reason = 'expired: no upload before the session ended';
      if (await lifecycle.transition(id, [JobStatus.INITIALIZED], JobStatus.EXPIRED, {}, reason)) {
        await store.deletePrefix(jobPrefix(id));
        expired.push(id);
      }
    }
    return expired;
  }

  async function requeueLost(): Promise<number> {
    const rows = await db
      .selectFrom('jobs')
      .select(['id', 'status'])
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', JobStatus.UPLOADED), eb('updated_at', '<', minutesAgo(2))]),
          eb.and([eb('status', '=', JobStatus.QUEUED), eb('updated_at', '<', minutesAgo(2))]),
        ]),
      )
      .execute();
    for (const job of rows) {
      // The dedupe id makes this a no-op while the original entry still waits or runs.
      if (job.status === JobStatus.UPLOADED) {
        await queue.add('prepare-job', { jobId: job.id }, { dedupeId: `prepare:${job.id}` });
      } else {
        await queue.add(
          'process-job',
          { jobId: job.id },
          { dedupeId: `process:${job.id}`, attempts: 3 },
        );
      }
    }
    return rows.length;
  }

  async function failStalled(): Promise<number> {
    const stalled = await db
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', JobStatus.PROCESSING)
      .where('updated_at', '<', minutesAgo(deps.stalledMinutes ?? 60))
      .execute();
    const recent = await db
      .selectFrom('tasks')
      .select('job_id')
      .where('updated_at', '>=', minutesAgo(deps.stalledMinutes ?? 60))
      .where('job_id', 'in', stalled.map((s) => s.id).concat(['']))
      .execute();
    const alive = new Set(recent.map((r) => r.job_id));
    let failed = 0;
    for (const { id } of stalled) {
      if (alive.has(id)) continue;
      if (await lifecycle.fail(id, 'processing stalled (worker lost)')) failed++;
    }
    return failed;
  }

  /** Blobs under jobs/<id>/ whose job row is gone (e.g. uploaded after a delete). */
  async function sweepOrphans(): Promise<number> {
    const keys = await store.list('jobs/');
    const ids = [...new Set(keys.map((k) => k.split('/')[1]).filter(Boolean))];
    let swept = 0;
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      const known = await db.selectFrom('jobs').select('id').where('id', 'in', chunk).execute();
      const exists = new Set(known.map((k) => k.id));
      for (const id of chunk) {
        if (!exists.has(id)) swept += await store.deletePrefix(jobPrefix(id));
      }
    }
    return swept;
  }

  async function pruneQueue(): Promise<void> {
    await db
      .deleteFrom('queue_jobs')
      .where('status', '=', 'failed')
      .where('created_at', '<', minutesAgo(7 * 24 * 60))
      .execute();
  }

  return {
    expireSessions,
    requeueLost,
    failStalled,
    sweepOrphans,
    async run(opts: { sweep?: boolean } = {}) {
      const expired = await expireSessions();
      const requeued = await requeueLost();
      const stalled = await failStalled();
      const swept = opts.sweep ? await sweepOrphans() : 0;
      await pruneQueue();
      return { expired: expired.length, requeued, stalled, swept };
    },
  };
}

export type Housekeeping = ReturnType<typeof createHousekeeping>;
