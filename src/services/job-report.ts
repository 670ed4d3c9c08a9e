/** Builds the client-facing JobReport from rows; download links are fresh read-only SAS URLs. */
import type { Selectable } from 'kysely';
import type { VeilConfig } from '../config.ts';
import type { JobsTable, TasksTable } from '../db/schema.ts';
import type { BlobStore } from '../storage/index.ts';
import {
  jobStatusDescriptions,
  type JobReport,
  type JobStatusCode,
  type TaskReport,
} from './types.ts';

export type JobRow = Selectable<JobsTable>;
export type TaskRow = Selectable<TasksTable>;

export async function buildReport(
  job: JobRow,
  tasks: TaskRow[],
  store: BlobStore,
  config: VeilConfig,
): Promise<JobReport> {
  // A link never outlives the output: retention deletes it at finished_at + retentionHours.
  const ttlEnd = Date.now() + config.downloadTtlSeconds * 1000;
  const outputEnd = job.finished_at
    ? Date.parse(job.finished_at) + config.retentionHours * 3600_000
    : Infinity;
  const expiresAt = new Date(Math.min(ttlEnd, outputEnd));
  const link = (key: string | null, downloadName: string) =>
    key ? store.signedUrl(key, 'read', expiresAt, { downloadName }) : Promise.resolve(null);
  const done = (t: TaskRow) => t.status === 'completed';

  const taskReports = await Promise.all(
    tasks.map(async (t): Promise<TaskReport> => ({
      task_id: t.id,
      file_name: t.file_name,
      kind: t.kind,
      status: t.status,
      progress:
        t.progress_total === null ? null : { done: t.progress_done ?? 0, total: t.progress_total },
      download_link: done(t) ? await link(t.output_key, t.file_name) : null,
      detections_link: done(t)
        ? await link(t.detections_key, `${t.file_name}.detections.json`)
        : null,
      faces: t.faces,
      plates: t.plates,
      width: t.width,
      height: t.height,
      duration_seconds: t.duration_seconds,
      error: t.error,
    })),
  );
  const status = job.status as JobStatusCode;
  const archiveName = job.archive_output_key?.split('/').pop() ?? 'outputs.zip';
  return {
    job_id: job.id,
    job_status: status,
    job_status_description: job.status_description || jobStatusDescriptions[status],
    job_total_credit_cost: job.cost,
    file_name: job.file_name,
    model: job.model,
    created_at: job.created_at,
    archive_download_link: status === 5 ? await link(job.archive_output_key, archiveName) : null,
    tasks: taskReports,
  };
}
