/**
 * A long video task is not processed in place: it is split at keyframes (stream copy) into
 * segments stored as blobs, one `process-segment` queue job each, which any worker takes;
 * the last one to finish queues `join-segments`. Safe to re-run: the segment rows are made
 * once per task, and only segments not completed yet are queued again (deduplicated).
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { splitVideo, type SegmentInput } from '../media/video/segment.split.ts';
import type { AnonymizeOptions } from '../engine/types.ts';
import type { JobRow } from '../services/job-report.ts';
import type { TaskRun } from './run-task.ts';
import type { WorkerDeps } from './worker-deps.ts';

/** Where a task's segment blobs live: under the job's inputs, so retention removes them. */
export const segmentPrefix = (jobId: string, taskId: string) =>
  `jobs/${jobId}/input/segments/${taskId}/`;

/**
 * Whether the task is long enough to split (at least 1.5 segments). Synthetic faces or plates
 * keep one synthetic identity per track, and track ids start anew in each segment, so such
 * videos are processed in one piece: a person must not change face at a cut.
 */
export function wantsSegments(
  task: { kind: string; duration_seconds: number | null },
  segmentSeconds: number,
  options: Pick<AnonymizeOptions, 'syntonymize' | 'lpSyntonymize'> = {
    syntonymize: false,
    lpSyntonymize: false,
  },
): boolean {
  return (
    segmentSeconds > 0 &&
    !options.syntonymize &&
    !options.lpSyntonymize &&
    task.kind === 'video' &&
    (task.duration_seconds ?? 0) >= 1.5 * segmentSeconds
  );
}

/** Splits and queues the task's segments; false when it is to be processed in place. */
export async function splitTask(
  run: TaskRun,
  job: JobRow,
  deps: Pick<WorkerDeps, 'config' | 'store' | 'queue' | 'services' | 'log'>,
): Promise<boolean> {
  const { config, store, queue, services, log } = deps;
  const { task, jobId } = run;
  if (!wantsSegments(task, config.segmentSeconds, run.options)) return false;
  let rows = await services.segments.list(task.id);
  if (rows.length === 0) {
    await services.lifecycle.updateTask(task.id, { status: 'processing', error: null });
    const dir = path.join(run.outDir, `.split-${task.seq}`);
    await mkdir(dir, { recursive: true });
    try {
      const started = Date.now();
      const parts = await splitVideo(run.source, dir, {
        segmentSeconds: config.segmentSeconds,
        overlapSeconds: config.segmentOverlapSeconds,
        durationSeconds: task.duration_seconds ?? 0,
        signal: run.signal,
      });
      if (parts.length < 2) return false;
      const prefix = segmentPrefix(jobId, task.id);
      // Archive members are not blobs of their own: the join needs the file for its audio.
      let sourceKey = job.input_key;
      if (job.media_kind === 'archive') {
        sourceKey = `${prefix}source${path.extname(task.file_name)}`;
        await store.putFile(sourceKey, run.source);
      }
      const inputKey = (p: SegmentInput) => `${prefix}input-${p.seq}${path.extname(p.file)}`;
      for (const p of parts) await store.putFile(inputKey(p), p.file);
      rows = await services.segments.create(
        jobId,
        task.id,
        parts.map((p) => ({
          seq: p.seq,
          inputKey: inputKey(p),
          sourceKey,
          firstFrame: p.firstFrame,
          warmFrames: p.warmFrames,
          frames: p.frames,
        })),
      );
      log.info(
        { jobId, file: task.file_name, segments: parts.length, ms: Date.now() - started },
        'video split into segments',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  for (const r of rows) {
    if (r.status === 'completed') continue;
    await queue.add(
      'process-segment',
      { jobId, taskId: task.id, seq: r.seq },
      { dedupeId: `segment:${task.id}:${r.seq}`, attempts: 3 },
    );
  }
  if (rows.every((r) => r.status === 'completed')) {
    await queue.add(
      'join-segments',
      { jobId, taskId: task.id },
      { dedupeId: `join:${task.id}`, attempts: 3 },
    );
  }
  return true;
}
