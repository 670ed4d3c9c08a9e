/**
 * One file of a job: anonymize it, upload the output (same name and extension) and, when
 * asked, its detections JSON, and record the outcome on the task row. Progress is saved at
 * most twice a second; each save also checks that the job is still wanted.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnonymizeOptions } from '../engine/types.ts';
import { anonymizeFile } from '../media/anonymize-file.ts';
import { detectionsDocument } from '../media/image/detections-json.ts';
import type { TaskRow } from '../services/job-report.ts';
import type { JobLifecycle } from '../services/job-lifecycle.service.ts';
import type { BlobStore } from '../storage/index.ts';

export const outputKey = (jobId: string, name: string) => `jobs/${jobId}/output/${name}`;

export interface TaskRun {
  jobId: string;
  task: TaskRow;
  source: string;
  outDir: string;
  options: AnonymizeOptions;
  signal: AbortSignal;
  /** Called at progress steps; aborts the run when the job was cancelled or deleted. */
  checkWanted(): Promise<void>;
}

/** Returns the local output path; throws when the file could not be processed. */
export async function runTask(
  run: TaskRun,
  deps: { store: BlobStore; lifecycle: JobLifecycle },
): Promise<string> {
  const { task, jobId } = run;
  const out = path.join(run.outDir, task.file_name);
  let lastSave = 0;
  let saving: Promise<void> = Promise.resolve();
  await deps.lifecycle.updateTask(task.id, { status: 'processing', error: null });
  const result = await anonymizeFile(run.source, out, run.options, {
    signal: run.signal,
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastSave < 500 && p.done < p.total) return;
      lastSave = now;
      saving = saving
        .then(() => deps.lifecycle.taskProgress(task.id, p.done, p.total))
        .then(run.checkWanted)
        .catch(() => undefined);
    },
  });
  await saving;
  const key = outputKey(jobId, task.file_name);
  await deps.store.putFile(key, out);
  let detectionsKey: string | null = null;
  if (run.options.detections) {
    const file = `${out}.detections.json`;
    await writeFile(file, JSON.stringify(detectionsDocument(result)));
    detectionsKey = `${key}.detections.json`;
    await deps.store.putFile(detectionsKey, file, { contentType: 'application/json' });
  }
  const s = result.summary;
  const total = s.kind === 'video' ? (s.frames ?? 1) : 1;
  await deps.lifecycle.updateTask(task.id, {
    status: 'completed',
    output_key: key,
    detections_key: detectionsKey,
    faces: s.faces,
    plates: s.plates,
    width: s.width,
    height: s.height,
    duration_seconds: s.durationSeconds ?? null,
    progress_done: total,
    progress_total: total,
  });
  return out;
}
