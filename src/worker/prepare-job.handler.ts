/**
 * `prepare-job`: the upload is complete. Download it, identify and measure it, store one task
 * per file with its price, and move the job to "waiting for approval" (or queue it when it
 * costs nothing). Bad files fail the job with the reason; nothing is charged.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isVeilError } from '../errors.ts';
import { inspectUpload } from '../media/inspect.ts';
import type { HandlerContext } from '../queue/index.ts';
import { JobStatus } from '../services/types.ts';
import { errorText, withScratch } from './scratch.ts';
import type { WorkerDeps } from './worker-deps.ts';

export function prepareJobHandler(deps: WorkerDeps) {
  const { config, store, queue, services, log } = deps;
  const { lifecycle, webhooks } = services;

  async function fail(jobId: string, reason: string) {
    if (await lifecycle.fail(jobId, reason)) await webhooks.notify(jobId, 'failed');
  }

  return async ({ jobId }: { jobId: string }, ctx: HandlerContext): Promise<void> => {
    const job = await lifecycle.get(jobId);
    if (!job || job.status !== JobStatus.UPLOADED) return;
    await withScratch(config.dataDir, `prepare-${jobId}`, async (dir) => {
      const input = path.join(dir, 'input', job.file_name);
      await mkdir(path.dirname(input), { recursive: true });
      let inspection;
      try {
        await store.downloadToFile(job.input_key, input);
        inspection = await inspectUpload(input, job.file_name, {
          signal: ctx.signal,
          workDir: dir,
        });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        if (isVeilError(err) && err.status < 500 && err.code !== 'CANCELLED') {
          log.info({ jobId, code: err.code }, 'upload refused');
          return fail(jobId, err.message);
        }
        if (ctx.attempt >= ctx.maxAttempts) {
          log.error({ err, jobId }, 'inspection failed');
          return fail(jobId, `the upload could not be inspected (${errorText(err)})`);
        }
        throw err;
      }
      const outcome = await lifecycle.recordInspection(jobId, inspection.kind, inspection.files);
      log.info({ jobId, outcome, files: inspection.files.length }, 'upload inspected');
      if (outcome === 'awaiting_approval') await webhooks.notify(jobId, 'awaiting_approval');
      if (outcome === 'auto_approved') {
        await queue.add('process-job', { jobId }, { dedupeId: `process:${jobId}`, attempts: 3 });
      }
      if (outcome === 'failed' && (await lifecycle.get(jobId))?.status === JobStatus.FAILED) {
        await webhooks.notify(jobId, 'failed');
      }
    });
  };
}
