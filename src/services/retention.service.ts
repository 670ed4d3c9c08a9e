/**
 * Retention, for privacy: a job's inputs go as soon as it ends (VEIL_DELETE_INPUTS), its
 * outputs after VEIL_RETENTION_HOURS. A completed job whose outputs were deleted becomes
 * EXPIRED with a description that says so, which is also the record of the deletion; every
 * pass logs the job ids it cleaned. Safe to run in several processes at once.
 */
import type { Kysely } from 'kysely';
import type { VeilConfig } from '../config.ts';
import type { DB } from '../db/index.ts';
import type { JobName, JobQueue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { isTerminal, type JobLifecycle } from './job-lifecycle.service.ts';
import { jobPrefix } from './jobs.service.ts';
import { JobStatus } from './types.ts';
import type { Logger } from './index.ts';

export const inputPrefix = (jobId: string) => `${jobPrefix(jobId)}input/`;

/** When a job finished at `finishedAt` loses its outputs. */
export function outputExpiry(finishedAt: string | Date, retentionHours: number): Date {
  return new Date(new Date(finishedAt).getTime() + retentionHours * 3600_000);
}

/** What a client reads on an expired job. */
export function expiredDescription(retentionHours: number): string {
  const span =
    retentionHours % 24 === 0 && retentionHours >= 24
      ? `${retentionHours / 24} day${retentionHours === 24 ? '' : 's'}`
      : `${+retentionHours.toFixed(4)} hour${retentionHours === 1 ? '' : 's'}`;
  return `expired: outputs were deleted after ${span} (retention period)`;
}

export interface RetentionPass {
  /** Jobs whose inputs were deleted in this pass. */
  inputsDeleted: string[];
  /** Completed jobs whose outputs were deleted (now EXPIRED). */
  outputsExpired: string[];
  /** Failed or cancelled jobs whose leftover blobs were deleted. */
  leftoversDeleted: string[];
}

export function createRetention(deps: {
  db: Kysely<DB>;
  store: BlobStore;
  lifecycle: JobLifecycle;
  config: VeilConfig;
  log: Logger;
}) {
  const { db, store, lifecycle, config, log } = deps;

  /** Deletes the inputs of `jobId` if it has ended and inputs are not kept. */
  async function deleteInputsIfEnded(jobId: string): Promise<boolean> {
    if (!config.deleteInputs) return false;
    const job = await lifecycle.get(jobId);
    if (!job || !isTerminal(job.status)) return false;
    const n = await store.deletePrefix(inputPrefix(jobId));
    if (n > 0) log.info({ jobId, blobs: n }, 'inputs deleted (job ended)');
    return n > 0;
  }

  /** Inputs still stored for ended jobs (a crash between the end and the delete). */
  async function sweepInputs(): Promise<string[]> {
    if (!config.deleteInputs) return [];
    const keys = await store.list('jobs/');
    const ids = [
      ...new Set(keys.filter((k) => k.split('/')[2] === 'input').map((k) => k.split('/')[1]!)),
    ];
    const done: string[] = [];
    for (let i = 0; i < ids.length; i += 200) {
      const ended = await db
        .selectFrom('jobs')
        .select('id')
        .where('id', 'in', ids.slice(i, i + 200))
        .where('finished_at', 'is not', null)
        .execute();
      for (const { id } of ended) {
        if ((await store.deletePrefix(inputPrefix(id))) > 0) done.push(id);
      }
    }
    return done;
  }

  async function expireOutputs(): Promise<{ expired: string[]; leftovers: string[] }> {
    const cutoff = new Date(Date.now() - config.retentionHours * 3600_000).toISOString();
    const due = await db
      .selectFrom('jobs')
      .select(['id', 'status', 'finished_at'])
      .where('status', 'in', [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED])
      .where('finished_at', '<=', cutoff)
      // Failed and cancelled jobs keep their status; a day's window keeps them from being
      // listed on every pass forever.
      .where((eb) =>
        eb.or([
          eb('status', '=', JobStatus.COMPLETED),
          eb('finished_at', '>', new Date(Date.parse(cutoff) - 24 * 3600_000).toISOString()),
        ]),
      )
      .limit(500)
      .execute();
    const expired: string[] = [];
    const leftovers: string[] = [];
    for (const job of due) {
      if (job.status === JobStatus.COMPLETED) {
        // The status changes first: from then on no report hands out a link to these blobs.
        const moved = await lifecycle.transition(
          job.id,
          [JobStatus.COMPLETED],
          JobStatus.EXPIRED,
          { archive_output_key: null },
          expiredDescription(config.retentionHours),
        );
        if (!moved) continue;
        await db
          .updateTable('tasks')
          .set({ output_key: null, detections_key: null })
          .where('job_id', '=', job.id)
          .execute();
        await store.deletePrefix(jobPrefix(job.id));
        expired.push(job.id);
      } else if ((await store.deletePrefix(jobPrefix(job.id))) > 0) {
        leftovers.push(job.id);
      }
    }
    return { expired, leftovers };
  }

  /** One housekeeping pass; logs (records) every job it cleaned. */
  let passes = 0;
  async function run(): Promise<RetentionPass> {
    // Listing every blob is the costly part and ended jobs lose their inputs at once anyway:
    // the catch-up sweep runs every 10th pass only.
    const inputsDeleted = passes++ % 10 === 0 ? await sweepInputs() : [];
    const { expired, leftovers } = await expireOutputs();
    const pass = { inputsDeleted, outputsExpired: expired, leftoversDeleted: leftovers };
    if (inputsDeleted.length + expired.length + leftovers.length > 0) {
      log.info({ ...pass, retentionHours: config.retentionHours }, 'retention: deleted');
    }
    return pass;
  }

  return {
    deleteInputsIfEnded,
    sweepInputs,
    expireOutputs,
    run,
    /**
     * Deletes inputs right after a prepare, process, segment or join run that ended its job,
     * and runs a retention pass after each housekeeping run. Wraps the worker's handlers.
     */
    attachTo(queue: JobQueue): void {
      const process = queue.process.bind(queue);
      queue.process = ((name: JobName, handler: Parameters<typeof process>[1], opts) => {
        const wrapped = async (payload: never, ctx: never) => {
          const handle = handler as (p: never, c: never) => Promise<unknown>;
          const result = await handle(payload, ctx);
          const jobId = (payload as { jobId?: string }).jobId;
          if (jobId && name !== 'deliver-webhook') {
            await deleteInputsIfEnded(jobId).catch((err) =>
              log.warn({ err, jobId }, 'could not delete inputs'),
            );
          }
          if (name === 'housekeeping') await run();
          return result;
        };
        process(name, wrapped as never, opts);
      }) as JobQueue['process'];
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
