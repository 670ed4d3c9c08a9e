/**
 * A long video whose segment plan did not hold (a segment decoded more or fewer frames than
 * the split counted, or the join did not add up) is processed in one piece, as a short video
 * is: a join would drop or double frames. The segment marked `whole` (task-segments.service)
 * does it in its own queue job, so a killed worker's retry does it again; the other segments
 * stop at their next progress step and their blobs are removed.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runTask, type TaskRun } from './run-task.ts';
import { finishJob } from './finish-job.ts';
import { withScratch } from './scratch.ts';
import { segmentPrefix } from './split-task.ts';
import type { WorkerDeps } from './worker-deps.ts';

export async function processWhole(
  deps: WorkerDeps,
  run: Omit<TaskRun, 'source' | 'outDir'>,
  sourceKey: string,
): Promise<void> {
  const { config, store, services } = deps;
  const { jobId, task } = run;
  await withScratch(config.dataDir, `whole-${jobId}`, async (dir) => {
    const source = path.join(dir, `source${path.extname(task.file_name)}`);
    const outDir = path.join(dir, 'output');
    await mkdir(outDir, { recursive: true });
    await store.downloadToFile(sourceKey, source);
    const out = await runTask({ ...run, source, outDir }, { ...services, store });
    await store.deletePrefix(segmentPrefix(jobId, task.id));
    await finishJob(deps, jobId, outDir, new Map([[task.file_name, out]]));
  });
}
