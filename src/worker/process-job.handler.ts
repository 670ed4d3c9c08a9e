/**
 * `process-job`: anonymize every file of an approved job (long videos are split into
 * segments that any worker processes, see split-task.ts). Safe to re-run after a crash:
 * tasks are rows created at inspection, finished ones are skipped, outputs overwrite the
 * same keys, and the charge is written once with the completion.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { VeilError, isVeilError } from '../errors.ts';
import { extractArchive } from '../media/archive/index.ts';
import { UnrecoverableJobError, type HandlerContext } from '../queue/index.ts';
import { jobPrefix } from '../services/jobs.service.ts';
import { toAnonymizeOptions } from '../services/model-options.ts';
import { JobStatus } from '../services/types.ts';
import { finishJob } from './finish-job.ts';
import { runTask } from './run-task.ts';
import { errorText, withScratch } from './scratch.ts';
import { splitTask } from './split-task.ts';
import type { WorkerDeps } from './worker-deps.ts';

export function processJobHandler(deps: WorkerDeps) {
  const { config, store, services, log } = deps;
  const { lifecycle, webhooks } = services;

  return async ({ jobId }: { jobId: string }, ctx: HandlerContext): Promise<void> => {
    const job = await lifecycle.get(jobId);
    if (!job || (job.status !== JobStatus.QUEUED && job.status !== JobStatus.PROCESSING)) return;
    if (!(await lifecycle.startProcessing(jobId))) return;
    const options = toAnonymizeOptions(job.model, JSON.parse(job.model_config));
    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stop.signal]);
    const checkWanted = async () => {
      const now = await lifecycle.get(jobId);
      if (now?.status !== JobStatus.PROCESSING) stop.abort(new VeilError('CANCELLED'));
    };

    try {
      await withScratch(config.dataDir, `process-${jobId}`, async (dir) => {
        const input = path.join(dir, 'input', job.file_name);
        const outDir = path.join(dir, 'output');
        await mkdir(path.dirname(input), { recursive: true });
        await mkdir(outDir, { recursive: true });
        await store.downloadToFile(job.input_key, input);
        const sources = new Map<string, string>();
        if (job.media_kind === 'archive') {
          const members = await extractArchive(input, path.join(dir, 'members'), undefined, {
            signal,
          });
          for (const m of members) if (m.path) sources.set(m.name, m.path);
        } else {
          sources.set(job.file_name, input);
        }

        const outputs = new Map<string, string>();
        for (const task of await lifecycle.tasks(jobId)) {
          if (task.status !== 'pending' && task.status !== 'processing') continue;
          await checkWanted();
          if (signal.aborted) break;
          const source = sources.get(task.file_name);
          if (!source) {
            await lifecycle.updateTask(task.id, {
              status: 'failed',
              error: 'file not found in the upload',
            });
            continue;
          }
          try {
            const run = { jobId, task, source, outDir, options, signal, checkWanted };
            if (await splitTask(run, job, deps)) continue;
            const anonymize = () => runTask(run, { store, lifecycle });
            const slots = task.kind === 'video' ? deps.videoSlots : undefined;
            outputs.set(task.file_name, await (slots ? slots.run(anonymize) : anonymize()));
          } catch (err) {
            if (signal.aborted) break;
            log.warn({ err, jobId, file: task.file_name }, 'file failed');
            const reason = isVeilError(err) ? err.message : `processing failed: ${errorText(err)}`;
            await lifecycle.updateTask(task.id, { status: 'failed', error: reason });
          }
        }
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('shutting down');
        if (stop.signal.aborted) return;
        // Segmented videos still running leave the job open: their last join ends it.
        await finishJob(deps, jobId, outDir, outputs);
      });
    } catch (err) {
      if (ctx.signal.aborted) {
        // Shutdown: the queue runs the job again; the interrupted file starts over.
        throw err;
      }
      if (!stop.signal.aborted) {
        if (!(err instanceof UnrecoverableJobError) && ctx.attempt < ctx.maxAttempts) throw err;
        log.error({ err, jobId }, 'job failed');
        if (await lifecycle.fail(jobId, `processing failed: ${errorText(err)}`)) {
          await lifecycle.cancelOpenTasks(jobId);
          await webhooks.notify(jobId, 'failed');
        }
        return;
      }
    }

    if (stop.signal.aborted) {
      // Cancelled (the cancel already notified) or deleted (remove what we uploaded since).
      await lifecycle.cancelOpenTasks(jobId);
      if (!(await lifecycle.get(jobId))) await store.deletePrefix(jobPrefix(jobId));
      log.info({ jobId }, 'job stopped');
      return;
    }
  };
}
