/**
 * Videos in the worker: priced by seconds, progress saved while they run, a cancel stops
 * them mid-way, and a worker stopped mid-video hands the job to the next one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import sharp from 'sharp';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import { DatabaseQueue } from '../../../src/queue/database.queue.ts';
import type { Principal } from '../../../src/services/index.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { fixturePath } from '../../fixtures/images/fixtures.ts';
import { quietLog, startHarness, until, type Harness } from '../services/harness.ts';

/** `seconds` of a still group photo at 10 fps, 640x426. */
async function makeClip(dir: string, seconds: number): Promise<Buffer> {
  const still = path.join(dir, 'still.png');
  await sharp(fixturePath('group-3-faces.jpg')!).resize(640, 426).png().toFile(still);
  const file = path.join(dir, `clip-${seconds}.mp4`);
  const args = `-v error -framerate 10 -loop 1 -i STILL -t ${seconds} -c:v libx264 -preset ultrafast -pix_fmt yuv420p`;
  const argv = args.split(' ').map((a) => (a === 'STILL' ? still : a));
  execFileSync(ffmpegPaths().ffmpeg, [...argv, file]);
  return readFile(file);
}

/** Uploads the clip as a direct upload and waits until it awaits approval. */
async function uploadJob(h: Harness, who: Principal, data: Buffer): Promise<string> {
  const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
    fileName: 'clip.mp4',
    model: 'blur',
    modelConfig: {},
  });
  const put = await fetch(uploadUrl, {
    method: 'PUT',
    body: new Uint8Array(data),
    headers: { 'x-ms-blob-type': 'BlockBlob' },
  });
  assert.equal(put.status, 201);
  await until(async () => (await h.services.jobs.report(who, jobId)).job_status === 2, 30_000);
  return jobId;
}

async function withWorld(credits: number, fn: (h: Harness, who: Principal) => Promise<void>) {
  const h = await startHarness();
  const key = await h.services.keys.create({ name: 'video', credits });
  try {
    await fn(h, { keyId: key.keyId, name: 'video' });
  } finally {
    await h.close();
  }
}

const workerOf = (h: Harness, queue = h.queue) =>
  startWorker({ ...h, queue, store: h.blobs.store, log: quietLog, housekeepingMs: 3_600_000 });

it('prices a video by its seconds, saves progress while it runs, and stops it on cancel', () =>
  withWorld(100, async (h, who) => {
    const worker = await workerOf(h);
    try {
      const jobs = h.services.jobs;
      const jobId = await uploadJob(h, who, await makeClip(h.dataDir, 20));
      const waiting = await jobs.report(who, jobId);
      assert.equal(waiting.job_total_credit_cost, 20);
      assert.equal(waiting.tasks[0].kind, 'video');
      assert.equal(Math.round(waiting.tasks[0].duration_seconds ?? 0), 20);

      assert.equal(await jobs.approve(who, jobId), 'approved');
      const running = await until(async () => {
        const t = (await jobs.report(who, jobId)).tasks[0];
        return t.progress && t.progress.done > 0 && t.progress.done < t.progress.total ? t : null;
      }, 60_000);
      assert.equal(running.progress!.total, 200);
      const cancelledAt = Date.now();
      assert.equal((await jobs.cancel(who, jobId)).job_status, 8);
      // The worker stops the file at its next progress step and marks the task cancelled.
      await until(
        async () => (await jobs.report(who, jobId)).tasks[0].status === 'cancelled',
        15_000,
      );
      await until(async () => (await h.queue.stats()).active === 0, 15_000);
      const stoppedIn = Date.now() - cancelledAt;
      const report = await jobs.report(who, jobId);
      assert.ok(report.tasks[0].progress!.done < 200, 'stopped before the end');
      assert.equal(report.tasks[0].download_link, null);
      assert.deepEqual(await h.blobs.store.list(`jobs/${jobId}/output/`), []);
      assert.equal(await h.services.keys.balance(who.keyId), 100, 'a cancelled job costs nothing');
      assert.ok(stoppedIn < 10_000, `stopped ${stoppedIn} ms after the cancel`);
    } finally {
      await worker.stop(1000);
    }
  }));

it('puts a job back when its worker stops mid-video; the next worker finishes it, charging once', () =>
  withWorld(50, async (h, who) => {
    let worker = await workerOf(h);
    try {
      const jobs = h.services.jobs;
      const jobId = await uploadJob(h, who, await makeClip(h.dataDir, 4));
      assert.equal(await jobs.approve(who, jobId), 'approved');
      await until(
        async () => ((await jobs.report(who, jobId)).tasks[0].progress?.done ?? 0) > 0,
        60_000,
      );
      await worker.stop(50);
      assert.equal((await jobs.report(who, jobId)).job_status, 4, 'still processing: it resumes');
      const entry = await h.db.kysely
        .selectFrom('queue_jobs')
        .selectAll()
        .where('name', '=', 'process-job')
        .executeTakeFirstOrThrow();
      assert.equal(entry.status, 'waiting');
      assert.equal(entry.attempts, 0, 'a shutdown does not use up an attempt');

      worker = await workerOf(h, new DatabaseQueue(h.db.kysely, { pollMs: 20 }));
      await until(async () => (await jobs.report(who, jobId)).job_status === 5, 60_000);
      const done = await jobs.report(who, jobId);
      assert.deepEqual(
        done.tasks.map((t) => [t.status, t.progress?.done]),
        [['completed', 40]],
      );
      assert.equal(await h.services.keys.balance(who.keyId), 46);
    } finally {
      await worker.stop(500);
    }
  }));
