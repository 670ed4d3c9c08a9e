/**
 * `join-segments`: every segment of a long video is done; join their outputs (stream copy)
 * with the original's audio into the task's one output, complete the task (once: the update
 * is conditional on the task still processing, and the queue job is deduplicated), remove
 * the segment blobs and end the job if nothing else is open.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MediaSummary } from '../engine/types.ts';
import type { AnonymizeFileResult } from '../media/index.ts';
import { detectionsDocument } from '../media/image/detections-json.ts';
import { joinSegments } from '../media/video/segment.join.ts';
import { UnrecoverableJobError, type HandlerContext } from '../queue/index.ts';
import type { TaskRow } from '../services/job-report.ts';
import type { SegmentRow } from '../services/task-segments.service.ts';
import { JobStatus } from '../services/types.ts';
import { finishJob } from './finish-job.ts';
import { outputKey } from './run-task.ts';
import { errorText, withScratch } from './scratch.ts';
import { segmentPrefix } from './split-task.ts';
import type { WorkerDeps } from './worker-deps.ts';

export function joinSegmentsHandler(deps: WorkerDeps) {
  const { config, store, queue, services, log } = deps;
  const { lifecycle, segments } = services;

  return async ({ jobId, taskId }: { jobId: string; taskId: string }, ctx: HandlerContext) => {
    const job = await lifecycle.get(jobId);
    if (job?.status !== JobStatus.PROCESSING) return;
    const task = (await lifecycle.tasks(jobId)).find((t) => t.id === taskId);
    const segs = await segments.list(taskId);
    if (task?.status !== 'processing' || segs.length === 0) return;
    if (segs.some((s) => s.status !== 'completed' || !s.output_key)) return;

    try {
      await withScratch(config.dataDir, `join-${jobId}`, (dir) =>
        join(jobId, task, segs, dir, ctx),
      );
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const lasting = err instanceof UnrecoverableJobError;
      if (!lasting && ctx.attempt < ctx.maxAttempts) throw err;
      log.error({ err, jobId, taskId }, 'video segments could not be joined');
      const reason = `processing failed: ${errorText(err)}`;
      await lifecycle.updateTask(taskId, { status: 'failed', error: reason });
      await store.deletePrefix(segmentPrefix(jobId, task.id));
      await withScratch(config.dataDir, `finish-${jobId}`, (dir) => finishJob(deps, jobId, dir));
    }
  };

  async function join(
    jobId: string,
    task: TaskRow,
    segs: SegmentRow[],
    dir: string,
    ctx: HandlerContext,
  ): Promise<void> {
    const started = Date.now();
    const parts: string[] = [];
    for (const s of segs) {
      const file = path.join(dir, path.basename(s.output_key!));
      await store.downloadToFile(s.output_key!, file);
      parts.push(file);
    }
    const original = path.join(dir, `source${path.extname(task.file_name)}`);
    await store.downloadToFile(segs[0].source_key, original);
    const out = path.join(dir, 'output', task.file_name);
    await mkdir(path.dirname(out), { recursive: true });
    const frames = await joinSegments(parts, original, out, ctx.signal);
    const expected = segs.reduce((n, s) => n + s.frames, 0);
    if (frames !== expected) {
      // Frames would be missing or doubled: segment 0's queue job does the task in one piece.
      log.warn({ jobId, taskId: task.id, frames, expected }, 'video join off: one piece');
      if (await segments.processWhole(task.id, 0)) {
        const payload = { jobId, taskId: task.id, seq: 0 };
        await queue.add('process-segment', payload, { dedupeId: `whole:${task.id}`, attempts: 3 });
      }
      return;
    }
    const key = outputKey(jobId, task.file_name);
    await store.putFile(key, out);
    const summary: MediaSummary = {
      kind: 'video',
      width: task.width ?? 0,
      height: task.height ?? 0,
      durationSeconds: task.duration_seconds ?? undefined,
      frames,
      faces: segs.reduce((n, s) => n + (s.faces ?? 0), 0),
      plates: segs.reduce((n, s) => n + (s.plates ?? 0), 0),
    };
    let detectionsKey: string | null = null;
    if (segs.every((s) => s.detections_key)) {
      detectionsKey = `${key}.detections.json`;
      await joinDetections(segs, summary, `${out}.detections.json`, detectionsKey);
    }
    const completed = await segments.completeTask(task.id, {
      output_key: key,
      detections_key: detectionsKey,
      faces: summary.faces,
      plates: summary.plates,
      progress_done: expected,
      progress_total: expected,
      error: null,
    });
    log.info(
      { jobId, file: task.file_name, segments: segs.length, frames, ms: Date.now() - started },
      completed ? 'video segments joined' : 'video segments were joined already',
    );
    await store.deletePrefix(segmentPrefix(jobId, task.id));
    await finishJob(deps, jobId, path.join(dir, 'output'), new Map([[task.file_name, out]]));
  }

  /** One detections document of the whole video from the segments' (frames already global). */
  async function joinDetections(
    segs: SegmentRow[],
    summary: MediaSummary,
    file: string,
    key: string,
  ) {
    const result: AnonymizeFileResult = { summary, detections: [] };
    for (const s of segs) {
      await store.downloadToFile(s.detections_key!, file);
      result.detections.push(
        ...(JSON.parse(await readFile(file, 'utf8')) as AnonymizeFileResult['detections']),
      );
    }
    await writeFile(file, JSON.stringify(detectionsDocument(result)));
    await store.putFile(key, file, { contentType: 'application/json' });
  }
}
