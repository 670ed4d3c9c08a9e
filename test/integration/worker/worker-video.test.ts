/** Videos in the worker: progress is saved while they run, and a cancel stops them mid-way. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ffmpegPaths } from '../../../src/media/ffmpeg.runtime.ts';
import type { Principal } from '../../../src/services/index.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { fixturePath } from '../../fixtures/images/fixtures.ts';
import { quietLog, startHarness, until, type Harness } from '../services/harness.ts';

describe('worker on a real video', () => {
  let h: Harness;
  let worker: { stop(graceMs?: number): Promise<void> };
  let who: Principal;
  let video: Buffer;
  before(async () => {
    h = await startHarness();
    worker = await startWorker({
      ...h,
      store: h.blobs.store,
      log: quietLog,
      housekeepingMs: 3_600_000,
    });
    const key = await h.services.keys.create({ name: 'video', credits: 100 });
    who = { keyId: key.keyId, name: 'video' };
    // 20 s of a still group photo at 10 fps: long enough to be caught mid-way.
    const still = path.join(h.dataDir, 'still.png');
    await sharp(fixturePath('group-3-faces.jpg')!).resize(640, 426).png().toFile(still);
    const file = path.join(h.dataDir, 'clip.mp4');
    const args =
      '-v error -framerate 10 -loop 1 -i STILL -t 20 -c:v libx264 -preset ultrafast -pix_fmt yuv420p';
    execFileSync(ffmpegPaths().ffmpeg, [
      ...args.split(' ').map((a) => (a === 'STILL' ? still : a)),
      file,
    ]);
    video = await readFile(file);
  });
  after(async () => {
    await worker.stop(1000);
    await h.close();
  });

  it('prices a video by its seconds, saves progress while it runs, and stops it on cancel', async () => {
    const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
      fileName: 'clip.mp4',
      model: 'blur',
      modelConfig: {},
    });
    const put = await fetch(uploadUrl, {
      method: 'PUT',
      body: new Uint8Array(video),
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    });
    assert.equal(put.status, 201);
    const jobs = h.services.jobs;
    await until(async () => (await jobs.report(who, jobId)).job_status === 2, 30_000);
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
  });
});
