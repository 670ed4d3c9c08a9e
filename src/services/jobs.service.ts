/** The JobsApi facade: creating jobs, approval against credits, reports, cancel, delete. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { VeilConfig } from '../config.ts';
import type { DB } from '../db/index.ts';
import { VeilError } from '../errors.ts';
import type { JobQueue } from '../queue/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { availableCredits, lockKey } from './credits.ts';
import { isTerminal, type JobLifecycle } from './job-lifecycle.service.ts';
import { buildReport, type JobRow } from './job-report.ts';
import {
  JobStatus,
  jobStatusDescriptions,
  type ApproveOutcome,
  type JobReport,
  type JobsApi,
  type ModelConfigInput,
  type ModelName,
  type Principal,
  type UploadSessionResponse,
} from './types.ts';
import type { Webhooks } from './webhooks.service.ts';

export const inputKey = (jobId: string, fileName: string) => `jobs/${jobId}/input/${fileName}`;
export const jobPrefix = (jobId: string) => `jobs/${jobId}/`;

/** A plain file name: it becomes part of a blob key and of output names. */
export function assertFileName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (!name || name.length > 255 || /[/\\\u0000-\u001f]/.test(name) || /^\.\.?$/.test(name)) {
    throw new VeilError('VALIDATION', 'file_name must be a plain file name without folders');
  }
}

export interface JobsDeps {
  db: Kysely<DB>;
  store: BlobStore;
  queue: JobQueue;
  config: VeilConfig;
  lifecycle: JobLifecycle;
  webhooks: Webhooks;
}

export function createJobsService(deps: JobsDeps): JobsApi {
  const { db, store, queue, config, lifecycle, webhooks } = deps;

  async function owned(who: Principal, jobId: string): Promise<JobRow> {
    const job = await db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', jobId)
      .where('key_id', '=', who.keyId)
      .executeTakeFirst();
    if (!job) throw new VeilError('JOB_NOT_FOUND');
    return job;
  }

  async function createJob(
    who: Principal,
    input: {
      fileName: string;
      fileSize: number | null;
      contentType: string | null;
      model: ModelName;
      modelConfig: ModelConfigInput;
      kind: 'direct' | 'session';
    },
  ) {
    assertFileName(input.fileName);
    const id = randomUUID();
    const key = inputKey(id, input.fileName);
    const created = new Date();
    const expiresAt = new Date(created.getTime() + config.uploadTtlSeconds * 1000);
    await db
      .insertInto('jobs')
      .values({
        id,
        key_id: who.keyId,
        file_name: input.fileName,
        file_size: input.fileSize,
        content_type: input.contentType,
        model: input.model,
        model_config: JSON.stringify(input.modelConfig),
        status: JobStatus.INITIALIZED,
        status_description: jobStatusDescriptions[0],
        media_kind: null,
        cost: 0,
        input_key: key,
        archive_output_key: null,
        upload_kind: input.kind,
        approved_by: null,
        expires_at: expiresAt.toISOString(),
        last_checked_at: null,
        created_at: created.toISOString(),
        updated_at: created.toISOString(),
        approved_at: null,
        finished_at: null,
      })
      .execute();
    return { id, url: await store.signedUrl(key, 'upload', expiresAt) };
  }

  function settledOutcome(job: JobRow): ApproveOutcome {
    if (job.status === JobStatus.WAITING_FOR_APPROVAL) throw new Error('not settled');
    if (job.status < JobStatus.WAITING_FOR_APPROVAL) {
      throw new VeilError('JOB_NOT_READY', 'Job is not ready for approval: upload not complete');
    }
    if (isTerminal(job.status) && job.status !== JobStatus.COMPLETED) {
      const what = jobStatusDescriptions[job.status as 6 | 7 | 8];
      throw new VeilError('JOB_NOT_READY', `Job cannot be approved: it is ${what}`);
    }
    return job.approved_by === 'auto' ? 'no_approval_needed' : 'already_approved';
  }

  return {
    async createDirectUpload(who, input) {
      const job = await createJob(who, {
        ...input,
        fileSize: null,
        contentType: null,
        kind: 'direct',
      });
      return { jobId: job.id, uploadUrl: job.url };
    },

    async createUploadSession(who, input): Promise<UploadSessionResponse> {
      const job = await createJob(who, { ...input, kind: 'session' });
      return {
        session_uri: job.url,
        job_id: job.id,
        upload_status: 'waiting for upload',
        job_status: JobStatus.INITIALIZED,
        job_status_description: jobStatusDescriptions[0],
        file_name: input.fileName,
        total_credit_cost: 0,
        file_size: input.fileSize,
        model: input.model,
        model_config: input.modelConfig,
      };
    },

    async approve(who, jobId): Promise<ApproveOutcome> {
      const job = await owned(who, jobId);
      if (job.status !== JobStatus.WAITING_FOR_APPROVAL) return settledOutcome(job);
      // Check and approve in one transaction that starts by locking the key: of racing
      // approvals, each sees the credits the earlier ones reserved.
      const outcome = await db.transaction().execute(async (trx) => {
        await lockKey(trx, who.keyId);
        const current = await trx
          .selectFrom('jobs')
          .selectAll()
          .where('id', '=', jobId)
          .executeTakeFirstOrThrow();
        if (current.status !== JobStatus.WAITING_FOR_APPROVAL) return settledOutcome(current);
        const available = await availableCredits(trx, who.keyId);
        if (current.cost > available) {
          throw new VeilError(
            'NOT_ENOUGH_CREDITS',
            `Not enough credits: the job costs ${current.cost}, ${available} available`,
          );
        }
        const ts = new Date().toISOString();
        await trx
          .updateTable('jobs')
          .set({
            status: JobStatus.QUEUED,
            status_description: jobStatusDescriptions[3],
            approved_by: 'key',
            approved_at: ts,
            updated_at: ts,
          })
          .where('id', '=', jobId)
          .where('status', '=', JobStatus.WAITING_FOR_APPROVAL)
          .execute();
        return 'approved' as const;
      });
      if (outcome === 'approved') {
        await queue.add('process-job', { jobId }, { dedupeId: `process:${jobId}`, attempts: 3 });
      }
      return outcome;
    },

    async report(who, jobId): Promise<JobReport> {
      const job = await owned(who, jobId);
      return buildReport(job, await lifecycle.tasks(jobId), store, config);
    },

    async delete(who, jobId) {
      const job = await owned(who, jobId);
      // Cancel first so a running worker stops and never charges a deleted job.
      if (!isTerminal(job.status)) {
        await lifecycle.transition(jobId, [0, 1, 2, 3, 4], JobStatus.CANCELLED);
      }
      await db.deleteFrom('webhooks').where('job_id', '=', jobId).execute();
      await db.deleteFrom('tasks').where('job_id', '=', jobId).execute();
      await db.deleteFrom('jobs').where('id', '=', jobId).execute();
      await store.deletePrefix(jobPrefix(jobId));
    },

    async cancel(who, jobId) {
      const job = await owned(who, jobId);
      const ok = await lifecycle.transition(jobId, [0, 1, 2, 3, 4], JobStatus.CANCELLED);
      if (!ok) {
        throw new VeilError(
          'JOB_NOT_CANCELLABLE',
          `Job is ${jobStatusDescriptions[job.status as 5]}`,
        );
      }
      // A running worker notices the status at its next progress step and stops.
      if (job.status !== JobStatus.PROCESSING) await lifecycle.cancelOpenTasks(jobId);
      await webhooks.notify(jobId, 'cancelled');
      const after = await owned(who, jobId);
      return buildReport(after, await lifecycle.tasks(jobId), store, config);
    },

    subscribe: (who, jobId, callbackUrl) => webhooks.subscribe(who, jobId, callbackUrl),
  };
}
