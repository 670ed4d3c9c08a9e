/**
 * A segment plan that does not hold: one segment decodes fewer frames than its row expects
 * (as a keyframe cut that surprises the split, or a damaged input, would make it). The task
 * is then processed in one piece by that segment's worker, never joined with a frame
 * missing: the output has the input's frames in order, the face counted once, one charge.
 * The fault is put into the plan's row after a real split (the frames expected + 1), before
 * the segment runs (its worker sees it) or after (only the join sees it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { closeSharedEngine } from '../../../src/media/image/shared-engine.ts';
import { countFrames } from '../../../src/media/video/segment.split.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import { toAnonymizeOptions } from '../../../src/services/model-options.ts';
import { startWorker, type WorkerDeps } from '../../../src/worker/index.ts';
import { processSegmentHandler } from '../../../src/worker/process-segment.handler.ts';
import { splitTask } from '../../../src/worker/split-task.ts';
import { quietLog, startHarness, until, type Harness } from '../services/harness.ts';
import { CLIP, greyFrames, misplacedFrames, segmentClip, uploadVideo } from './segments.fixture.ts';

let dir: string;
let clip: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'veil-segment-fallback-'));
  clip = (await segmentClip(dir)).file;
});
after(async () => {
  await closeSharedEngine();
  await rm(dir, { recursive: true, force: true });
});

type Spoil = (h: Harness, taskId: string, deps: WorkerDeps) => Promise<void>;

/**
 * Uploads the clip, splits it (no worker running, so the approval's process-job waits),
 * lets `spoil` put a fault into the plan, then lets a worker finish the job; returns the
 * report, the segment rows and the output's frames (checked against the input).
 */
async function runSpoiled(spoil: Spoil) {
  const h = await startHarness({ segmentSeconds: 0.8, segmentOverlapSeconds: 0.4 });
  const deps = { ...h, store: h.blobs.store, log: quietLog, housekeepingMs: 3_600_000 };
  // Workers on queues of their own over the same table: h.queue stays open for the adds.
  const queues = [0, 1].map(() => new DatabaseQueue(h.db.kysely, { pollMs: 20 }));
  let worker = await startWorker({ ...deps, queue: queues[0] });
  try {
    const key = await h.services.keys.create({ name: 'fallback', credits: 100 });
    const who = { keyId: key.keyId, name: 'fallback' };
    const jobId = await uploadVideo(h, who, clip);
    await worker.stop(1000);
    assert.equal(await h.services.jobs.approve(who, jobId), 'approved');
    const job = (await h.services.lifecycle.get(jobId))!;
    const [task] = await h.services.lifecycle.tasks(jobId);
    const options = toAnonymizeOptions(job.model, JSON.parse(job.model_config));
    const signal = new AbortController().signal;
    const run = { jobId, task, source: clip, outDir: dir, options, signal, checkWanted: noop };
    assert.ok(await splitTask(run, job, deps), 'split');
    assert.ok((await h.services.segments.list(task.id)).length >= 3, 'segments');
    await spoil(h, task.id, deps);

    worker = await startWorker({ ...deps, queue: queues[1] });
    await until(async () => (await h.services.lifecycle.get(jobId))!.status >= 5, 120_000);
    const report = await h.services.jobs.report(who, jobId);
    assert.equal(report.job_status, 5, report.job_status_description);
    const [done] = report.tasks;
    assert.equal(done.status, 'completed');
    assert.equal(done.faces, 1);
    assert.deepEqual(done.progress, { done: CLIP.frames, total: CLIP.frames });
    const output = path.join(dir, `${jobId}.mp4`);
    await writeFile(output, Buffer.from(await (await fetch(done.download_link!)).arrayBuffer()));
    assert.equal(await countFrames([{ file: output }]), CLIP.frames);
    assert.deepEqual(misplacedFrames(greyFrames(clip), greyFrames(output)), []);
    const blobs = await h.blobs.store.list(`jobs/${jobId}/`);
    assert.ok(!blobs.some((k) => k.includes('/segments/')), 'segment blobs are removed');
    assert.equal(await h.services.keys.balance(who.keyId), 100 - CLIP.credits);
    return (await h.services.segments.list(task.id)).map((r) => r.status);
  } finally {
    await worker.stop(1000);
    await h.close();
  }
}

it('processes a video in one piece when a segment decodes other frames than planned', async () => {
  const rows = await runSpoiled(async (h, taskId) => {
    const planned = await h.services.segments.get(taskId, 1);
    await h.services.segments.update(taskId, 1, { frames: planned!.frames + 1 });
  });
  assert.deepEqual(
    rows,
    rows.map((_, i) => (i === 1 ? 'whole' : 'abandoned')),
  );
});

it('processes a video in one piece when the joined segments do not add up', async () => {
  const rows = await runSpoiled(async (h, taskId, deps) => {
    // Every segment done by its handler (no queue consumer yet); then the plan is spoiled
    // where only the join sees it: the row of a completed segment.
    const segment = processSegmentHandler(deps);
    const ctx = { signal: new AbortController().signal, attempt: 1, maxAttempts: 3 };
    const rows = await h.services.segments.list(taskId);
    assert.ok(await h.services.lifecycle.startProcessing(rows[0].job_id));
    for (const r of rows) await segment({ jobId: r.job_id, taskId, seq: r.seq }, ctx);
    assert.ok(await h.services.segments.allCompleted(taskId));
    await h.services.segments.update(taskId, 1, { frames: rows[1].frames + 1 });
  });
  assert.deepEqual(
    rows,
    rows.map((_, i) => (i === 0 ? 'whole' : 'abandoned')),
  );
});

const noop = async () => undefined;
