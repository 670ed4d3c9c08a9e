/**
 * `process-segment`: anonymize one segment of a long video (split-task.ts) and store its
 * output; the worker that finds every segment of the task done queues `join-segments`.
 * A killed worker's segment runs again elsewhere (queue lease) and overwrites the same key.
 * A segment that fails for good fails its file; the others stop at their next progress step.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VeilError, isVeilError } from '../errors.ts';
import { segmentOutputName } from '../media/video/segment.join.ts';
import { anonymizeSegment } from '../media/video/segment.anonymize.ts';
import { UnrecoverableJobError, type HandlerContext } from '../queue/index.ts';
import { jobPrefix } from '../services/jobs.service.ts';
import { toAnonymizeOptions } from '../services/model-options.ts';
import type { SegmentRow } from '../services/task-segments.service.ts';
import { JobStatus } from '../services/types.ts';
import { finishJob } from './finish-job.ts';
import { processWhole } from './segment-fallback.ts';
import { errorText, withScratch } from './scratch.ts';
import { segmentPrefix } from './split-task.ts';
import type { WorkerDeps } from './worker-deps.ts';

type Payload = { jobId: string; taskId: string; seq: number };

export function processSegmentHandler(deps: WorkerDeps) {
  const { config, store, queue, services, log } = deps;
  const { lifecycle, segments } = services;

  /** The job still processing and the task still open; else undefined. */
  async function openTask(jobId: string, taskId: string) {
    const job = await lifecycle.get(jobId);
    if (job?.status !== JobStatus.PROCESSING) return undefined;
    const task = (await lifecycle.tasks(jobId)).find((t) => t.id === taskId);
    return task?.status === 'processing' ? { job, task } : undefined;
  }

  return async ({ jobId, taskId, seq }: Payload, ctx: HandlerContext): Promise<void> => {
    const open = await openTask(jobId, taskId);
    const seg = await segments.get(taskId, seq);
    if (!open || !seg || seg.status === 'abandoned') return;
    if (seg.status !== 'completed') {
      const stop = new AbortController();
      const signal = AbortSignal.any([ctx.signal, stop.signal]);
      const checkWanted = async () => {
        const row = await segments.get(taskId, seq);
        const wanted = (await openTask(jobId, taskId)) && row?.status !== 'abandoned';
        if (!wanted) stop.abort(new VeilError('CANCELLED'));
      };
      const options = toAnonymizeOptions(open.job.model, JSON.parse(open.job.model_config));
      const anonymize = async () => {
        // Checked again once a video slot is ours: the task may be gone or done in one piece.
        await checkWanted();
        if (signal.aborted) throw new VeilError('CANCELLED');
        let off = seg.status === 'whole' ? 'planned in one piece' : undefined;
        if (!off) {
          await segments.update(taskId, seq, { status: 'processing', error: null });
          off = await withScratch(config.dataDir, `segment-${jobId}-${seq}`, (dir) =>
            runSegment(seg, open.task.file_name, options, dir, signal, checkWanted),
          );
        }
        if (!off) return 'segment';
        // Frames would be missing or doubled at a join: the task is done in one piece here.
        if (!(await segments.processWhole(taskId, seq))) return 'none';
        log.warn({ jobId, taskId, seq, reason: off }, 'video segment plan off: one piece');
        const run = { jobId, task: open.task, options, signal, checkWanted };
        await processWhole(deps, run, seg.source_key);
        return 'whole';
      };
      try {
        const slots = deps.videoSlots;
        if ((await (slots ? slots.run(anonymize) : anonymize())) !== 'segment') return;
      } catch (err) {
        if (ctx.signal.aborted) throw err; // shutdown: the queue runs it again
        if (stop.signal.aborted) {
          if (!(await lifecycle.get(jobId))) await store.deletePrefix(jobPrefix(jobId));
          return;
        }
        const lasting =
          err instanceof UnrecoverableJobError || (isVeilError(err) && err.status < 500);
        if (!lasting && ctx.attempt < ctx.maxAttempts) throw err;
        const reason = isVeilError(err) ? err.message : `processing failed: ${errorText(err)}`;
        log.warn({ err, jobId, taskId, seq }, 'video segment failed');
        await segments.update(taskId, seq, { status: 'failed', error: reason });
        await lifecycle.updateTask(taskId, { status: 'failed', error: reason });
        await store.deletePrefix(segmentPrefix(jobId, taskId));
        await withScratch(config.dataDir, `finish-${jobId}`, (dir) => finishJob(deps, jobId, dir));
        return;
      }
    }
    if (await segments.allCompleted(taskId)) {
      await queue.add(
        'join-segments',
        { jobId, taskId },
        { dedupeId: `join:${taskId}`, attempts: 3 },
      );
    }
  };

  async function runSegment(
    seg: SegmentRow,
    fileName: string,
    options: ReturnType<typeof toAnonymizeOptions>,
    dir: string,
    signal: AbortSignal,
    checkWanted: () => Promise<void>,
  ): Promise<string | undefined> {
    const { task_id: taskId, seq, job_id: jobId } = seg;
    const input = path.join(dir, `input${path.extname(seg.input_key)}`);
    const output = path.join(dir, segmentOutputName(fileName, seq));
    await store.downloadToFile(seg.input_key, input);
    let lastSave = 0;
    let saving: Promise<void> = Promise.resolve();
    const result = await anonymizeSegment(input, output, seg.warm_frames, options, {
      signal,
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastSave < 500) return;
        lastSave = now;
        saving = saving
          .then(() => segments.progress(taskId, seq, Math.min(p.done, seg.frames)))
          .then(checkWanted)
          .catch(() => undefined);
      },
    });
    await saving;
    if (signal.aborted) throw new VeilError('CANCELLED');
    const frames = result.summary.kind === 'video' ? result.summary.frames : undefined;
    if (frames !== seg.frames) {
      return `segment ${seq} decoded ${frames} frames where ${seg.frames} were expected`;
    }
    const prefix = segmentPrefix(jobId, taskId);
    const outputKey = `${prefix}${path.basename(output)}`;
    await store.putFile(outputKey, output);
    let detectionsKey: string | null = null;
    if (options.detections) {
      const file = `${output}.detections.json`;
      const shifted = result.detections.map((d) => ({ ...d, frame: d.frame + seg.first_frame }));
      await writeFile(file, JSON.stringify(shifted));
      detectionsKey = `${outputKey}.detections.json`;
      await store.putFile(detectionsKey, file, { contentType: 'application/json' });
    }
    await segments.update(taskId, seq, {
      status: 'completed',
      output_key: outputKey,
      detections_key: detectionsKey,
      faces: result.summary.faces,
      plates: result.summary.plates,
      frames_done: seg.frames,
    });
    await segments.progress(taskId, seq, seg.frames);
    return undefined;
  }
}
