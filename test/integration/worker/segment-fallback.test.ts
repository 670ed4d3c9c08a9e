/**
 * A segment plan that does not hold: one segment decodes fewer frames than its row expects
 * (as a keyframe cut that surprises the split, or a damaged input, would make it). The task
 * is then processed in one piece by that segment's worker, never joined with a frame
 * missing: the output has the input's frames in order, the face counted once, one charge.
 * The fault is put into the plan's row after a real split (the frames expected + 1).
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
import { startWorker } from '../../../src/worker/index.ts';
import { splitTask } from '../../../src/worker/split-task.ts';
import { quietLog, startHarness, until } from '../services/harness.ts';
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

it('processes a video in one piece when a segment decodes other frames than planned', async () => {
  const h = await startHarness({ segmentSeconds: 0.8, segmentOverlapSeconds: 0.4 });
  const deps = { ...h, store: h.blobs.store, log: quietLog, housekeepingMs: 3_600_000 };
  // Workers on queues of their own over the same table: h.queue stays open for the adds.
  const queues = [0, 1].map(() => new DatabaseQueue(h.db.kysely, { pollMs: 20 }));
  let worker = await startWorker({ ...deps, queue: queues[0] });
  try {
    const key = await h.services.keys.create({ name: 'fallback', credits: 100 });
    const who = { keyId: key.keyId, name: 'fallback' };
    const jobId = await uploadVideo(h, who, clip);
    // No worker while the plan is made and spoiled: the approval's process-job waits.
    await worker.stop(1000);
    assert.equal(await h.services.jobs.approve(who, jobId), 'approved');
    const job = (await h.services.lifecycle.get(jobId))!;
    const [task] = await h.services.lifecycle.tasks(jobId);
    const options = toAnonymizeOptions(job.model, JSON.parse(job.model_config));
    const signal = new AbortController().signal;
    const run = { jobId, task, source: clip, outDir: dir, options, signal, checkWanted: noop };
    assert.ok(await splitTask(run, job, deps), 'split');
    const planned = await h.services.segments.list(task.id);
    assert.ok(planned.length >= 3, `${planned.length} segments`);
    await h.services.segments.update(task.id, 1, { frames: planned[1].frames + 1 });

    worker = await startWorker({ ...deps, queue: queues[1] });
    await until(async () => (await h.services.lifecycle.get(jobId))!.status >= 5, 120_000);
    const report = await h.services.jobs.report(who, jobId);
    assert.equal(report.job_status, 5, report.job_status_description);
    const [done] = report.tasks;
    assert.equal(done.status, 'completed');
    assert.equal(done.faces, 1);
    assert.deepEqual(done.progress, { done: CLIP.frames, total: CLIP.frames });
    const rows = await h.services.segments.list(task.id);
    assert.deepEqual(
      rows.map((r) => r.status),
      rows.map((r) => (r.seq === 1 ? 'whole' : 'abandoned')),
    );

    const output = path.join(dir, 'output.mp4');
    await writeFile(output, Buffer.from(await (await fetch(done.download_link!)).arrayBuffer()));
    assert.equal(await countFrames([{ file: output }]), CLIP.frames);
    assert.deepEqual(misplacedFrames(greyFrames(clip), greyFrames(output)), []);
    const blobs = await h.blobs.store.list(`jobs/${jobId}/`);
    assert.ok(!blobs.some((k) => k.includes('/segments/')), 'segment blobs are removed');
    assert.equal(await h.services.keys.balance(who.keyId), 100 - CLIP.credits);
  } finally {
    await worker.stop(1000);
    await h.close();
  }
});

const noop = async () => undefined;
