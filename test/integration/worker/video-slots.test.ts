/**
 * VEIL_WORKER_VIDEOS caps the videos one worker process anonymizes at once: a worker that
 * takes two segment jobs at once (VEIL_WORKER_CONCURRENCY=2) runs one segment at a time with
 * one video slot, two with two. Segments in flight are seen as rows `processing`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { closeSharedEngine } from '../../../src/media/image/shared-engine.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { quietLog, startHarness } from '../services/harness.ts';
import { segmentClip, uploadVideo } from './segments.fixture.ts';

let dir: string;
let clip: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'veil-video-slots-'));
  clip = (await segmentClip(dir)).file;
});
after(async () => {
  await closeSharedEngine();
  await rm(dir, { recursive: true, force: true });
});

/** The most segments of the job processing at once, with `videos` slots. */
async function mostAtOnce(videos: number): Promise<number> {
  const h = await startHarness({
    segmentSeconds: 0.8,
    segmentOverlapSeconds: 0.4,
    workerConcurrency: 2,
    workerVideos: videos,
  });
  const worker = await startWorker({
    ...h,
    store: h.blobs.store,
    log: quietLog,
    housekeepingMs: 3_600_000,
  });
  try {
    const key = await h.services.keys.create({ name: 'slots', credits: 100 });
    const who = { keyId: key.keyId, name: 'slots' };
    const jobId = await uploadVideo(h, who, clip);
    assert.equal(await h.services.jobs.approve(who, jobId), 'approved');
    let most = 0;
    const deadline = Date.now() + 120_000;
    while ((await h.services.lifecycle.get(jobId))!.status < 5) {
      assert.ok(Date.now() < deadline, 'job done in time');
      const [task] = await h.services.lifecycle.tasks(jobId);
      const rows = await h.services.segments.list(task.id);
      most = Math.max(most, rows.filter((r) => r.status === 'processing').length);
      await new Promise((r) => setTimeout(r, 20));
    }
    const report = await h.services.jobs.report(who, jobId);
    assert.equal(report.job_status, 5, report.job_status_description);
    assert.ok((await h.services.segments.list(report.tasks[0].task_id)).length >= 3);
    return most;
  } finally {
    await worker.stop(1000);
    await h.close();
  }
}

it('runs one segment at a time with one video slot, two with two', async () => {
  assert.equal(await mostAtOnce(1), 1);
  assert.equal(await mostAtOnce(2), 2);
});
