/**
 * Ends a processed job once none of its tasks is open: one zip of every output for archives,
 * then the completion with its charge (a conditional transaction, so of two callers racing
 * here one wins) and the webhook. Called after `process-job` and after each segment join.
 */
import path from 'node:path';
import { createZip } from '../media/archive/index.ts';
import { JobStatus } from '../services/types.ts';
import { outputKey } from './run-task.ts';
import type { WorkerDeps } from './worker-deps.ts';

/**
 * `local`: outputs already on disk by file name (others are downloaded into `dir`).
 * Returns the end status, or null when tasks are still open or another caller ended it.
 */
export async function finishJob(
  deps: Pick<WorkerDeps, 'store' | 'services' | 'log'>,
  jobId: string,
  dir: string,
  local: Map<string, string> = new Map(),
): Promise<number | null> {
  const { lifecycle, webhooks } = deps.services;
  const tasks = await lifecycle.tasks(jobId);
  if (tasks.some((t) => t.status === 'pending' || t.status === 'processing')) return null;
  const job = await lifecycle.get(jobId);
  if (job?.status !== JobStatus.PROCESSING) return null;
  if (job.media_kind === 'archive') await zipOutputs(deps, jobId, job.file_name, local, dir);
  const end = await lifecycle.finish(jobId);
  if (end === JobStatus.COMPLETED) await webhooks.notify(jobId, 'completed');
  if (end === JobStatus.FAILED) await webhooks.notify(jobId, 'failed');
  if (end !== null) deps.log.info({ jobId, status: end }, 'job processed');
  return end;
}

/** Archive jobs also get one zip of every output (a zip for rar and 7z input too). */
async function zipOutputs(
  deps: Pick<WorkerDeps, 'store' | 'services'>,
  jobId: string,
  fileName: string,
  local: Map<string, string>,
  dir: string,
) {
  const { store } = deps;
  const { lifecycle } = deps.services;
  const files: Array<{ name: string; path: string }> = [];
  for (const task of await lifecycle.tasks(jobId)) {
    if (task.status !== 'completed' || !task.output_key) continue;
    let file = local.get(task.file_name);
    if (!file) {
      // Completed by an earlier attempt or another worker: fetch it back.
      file = path.join(dir, task.file_name);
      await store.downloadToFile(task.output_key, file);
    }
    files.push({ name: task.file_name, path: file });
  }
  if (files.length === 0) return;
  const zipName = `${path.parse(fileName).name}.zip`;
  const zipPath = path.join(dir, `.${zipName}`);
  await createZip(files, zipPath);
  const key = outputKey(jobId, zipName);
  await store.putFile(key, zipPath, { contentType: 'application/zip' });
  await lifecycle.transition(jobId, [JobStatus.PROCESSING], JobStatus.PROCESSING, {
    archive_output_key: key,
  });
}
