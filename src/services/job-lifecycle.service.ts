/**
 * Job state transitions used by the upload watcher and the worker. Every transition is a
 * conditional update on the current status, so a retried or concurrent step cannot move a
 * job twice, and a charge is written in the same transaction as the completion.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Updateable } from 'kysely';
import type { VeilConfig } from '../config.ts';
import type { DB } from '../db/index.ts';
import type { JobsTable, TasksTable } from '../db/schema.ts';
import { lockKey } from './credits.ts';
import type { JobRow, TaskRow } from './job-report.ts';
import { fileCost } from './pricing.ts';
import { JobStatus, jobStatusDescriptions, type JobStatusCode } from './types.ts';

export interface InspectedFile {
  name: string;
  kind?: 'image' | 'video';
  durationSeconds?: number;
  width?: number;
  height?: number;
  error?: string;
}

export type InspectionOutcome = 'awaiting_approval' | 'auto_approved' | 'failed';

const TERMINAL: number[] = [
  JobStatus.COMPLETED,
  JobStatus.FAILED,
  JobStatus.EXPIRED,
  JobStatus.CANCELLED,
];
const now = () => new Date().toISOString();

export const isTerminal = (status: number) => TERMINAL.includes(status);

export function guessKind(name: string): 'image' | 'video' {
  return /\.(jpe?g|png|bmp)$/i.test(name) ? 'image' : 'video';
}

export function createJobLifecycle(db: Kysely<DB>, config: VeilConfig) {
  async function transition(
    jobId: string,
    from: number[],
    to: JobStatusCode,
    extra: Updateable<JobsTable> = {},
    description = jobStatusDescriptions[to],
  ): Promise<boolean> {
    const ts = now();
    const finished = isTerminal(to) ? { finished_at: ts } : {};
    const r = await db
      .updateTable('jobs')
      .set({ ...extra, ...finished, status: to, status_description: description, updated_at: ts })
      .where('id', '=', jobId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async function updateTask(taskId: string, set: Updateable<TasksTable>) {
    await db
      .updateTable('tasks')
      .set({ ...set, updated_at: now() })
      .where('id', '=', taskId)
      .execute();
  }

  return {
    transition,
    get: (jobId: string): Promise<JobRow | undefined> =>
      db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst(),
    tasks: (jobId: string): Promise<TaskRow[]> =>
      db.selectFrom('tasks').selectAll().where('job_id', '=', jobId).orderBy('seq').execute(),

    /** Fails a job that has not ended yet; returns false when it had. */
    fail: (jobId: string, reason: string) =>
      transition(jobId, [0, 1, 2, 3, 4], JobStatus.FAILED, {}, `failed: ${reason}`.slice(0, 1000)),

    /** Jobs still waiting for their upload, least recently checked first. */
    dueUploads: (limit: number) =>
      db
        .selectFrom('jobs')
        .select(['id', 'input_key', 'upload_kind', 'file_size'])
        .where('status', '=', JobStatus.INITIALIZED)
        .where('expires_at', '>', now())
        .orderBy((eb) => eb.fn.coalesce('last_checked_at', eb.val('')))
        .limit(limit)
        .execute(),
    touchChecked: (jobId: string) =>
      db.updateTable('jobs').set({ last_checked_at: now() }).where('id', '=', jobId).execute(),
    markUploaded: (jobId: string, size: number) =>
      transition(jobId, [JobStatus.INITIALIZED], JobStatus.UPLOADED, { file_size: size }),

    /** Stores one task per file with its price and moves the job on. Idempotent per job. */
    async recordInspection(
      jobId: string,
      mediaKind: 'image' | 'video' | 'archive',
      files: InspectedFile[],
    ): Promise<InspectionOutcome> {
      const job = await db
        .selectFrom('jobs')
        .selectAll()
        .where('id', '=', jobId)
        .executeTakeFirst();
      if (!job || job.status !== JobStatus.UPLOADED) return 'failed';
      const usable = files.filter((f) => !f.error);
      if (usable.length === 0) {
        const why = files.find((f) => f.error)?.error ?? 'no image or video found';
        await transition(jobId, [JobStatus.UPLOADED], JobStatus.FAILED, {}, `failed: ${why}`);
        return 'failed';
      }
      const ts = now();
      const rows = files.map((f, seq) => ({
        id: randomUUID(),
        job_id: jobId,
        seq,
        file_name: f.name,
        kind: f.kind ?? guessKind(f.name),
        status: f.error ? ('failed' as const) : ('pending' as const),
        cost: f.error ? 0 : fileCost({ kind: f.kind ?? 'image', ...f }, job.model, config.pricing),
        progress_done: null,
        progress_total: null,
        output_key: null,
        detections_key: null,
        faces: null,
        plates: null,
        width: f.width ?? null,
        height: f.height ?? null,
        duration_seconds: f.durationSeconds ?? null,
        error: f.error ?? null,
        updated_at: ts,
      }));
      const cost = rows.reduce((s, r) => s + r.cost, 0);
      // Nothing to pay means nothing to approve: such a job is queued at once (201 on approve).
      const auto = cost === 0;
      return db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('jobs')
          .set({
            status: auto ? JobStatus.QUEUED : JobStatus.WAITING_FOR_APPROVAL,
            status_description: jobStatusDescriptions[auto ? 3 : 2],
            media_kind: mediaKind,
            cost,
            approved_by: auto ? 'auto' : null,
            approved_at: auto ? ts : null,
            updated_at: ts,
          })
          .where('id', '=', jobId)
          .where('status', '=', JobStatus.UPLOADED)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) return 'failed';
        await trx.deleteFrom('tasks').where('job_id', '=', jobId).execute();
        await trx.insertInto('tasks').values(rows).execute();
        return auto ? 'auto_approved' : 'awaiting_approval';
      });
    },

    startProcessing: (jobId: string) =>
      transition(jobId, [JobStatus.QUEUED, JobStatus.PROCESSING], JobStatus.PROCESSING),

    updateTask,
    taskProgress: (taskId: string, done: number, total: number) =>
      updateTask(taskId, { progress_done: done, progress_total: total }),

    /** Marks what was left undone as cancelled (job cancelled or gone). */
    cancelOpenTasks: (jobId: string) =>
      db
        .updateTable('tasks')
        .set({ status: 'cancelled', updated_at: now() })
        .where('job_id', '=', jobId)
        .where('status', 'in', ['pending', 'processing'])
        .execute(),

    /**
     * Ends a processed job: completed, charging the completed tasks' costs exactly once,
     * if any task completed; failed and free otherwise.
     */
    async finish(jobId: string): Promise<JobStatusCode | null> {
      const tasks = await db.selectFrom('tasks').selectAll().where('job_id', '=', jobId).execute();
      const completed = tasks.filter((t) => t.status === 'completed');
      if (completed.length === 0) {
        const why = tasks.find((t) => t.error)?.error ?? 'no file could be processed';
        const ok = await transition(jobId, [4], JobStatus.FAILED, {}, `failed: ${why}`);
        return ok ? JobStatus.FAILED : null;
      }
      const charge = completed.reduce((s, t) => s + t.cost, 0);
      const job = await db
        .selectFrom('jobs')
        .select('key_id')
        .where('id', '=', jobId)
        .executeTakeFirst();
      if (!job) return null;
      return db.transaction().execute(async (trx) => {
        await lockKey(trx, job.key_id);
        const ts = now();
        const moved = await trx
          .updateTable('jobs')
          .set({
            status: JobStatus.COMPLETED,
            status_description: jobStatusDescriptions[5],
            cost: charge,
            finished_at: ts,
            updated_at: ts,
          })
          .where('id', '=', jobId)
          .where('status', '=', JobStatus.PROCESSING)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) return null;
        if (charge > 0) {
          await trx
            .insertInto('credit_entries')
            .values({
              id: randomUUID(),
              key_id: job.key_id,
              kind: 'charge',
              amount: -charge,
              job_id: jobId,
              created_at: ts,
            })
            .onConflict((oc) => oc.column('job_id').doNothing())
            .execute();
        }
        return JobStatus.COMPLETED;
      });
    },
  };
}

export type JobLifecycle = ReturnType<typeof createJobLifecycle>;
