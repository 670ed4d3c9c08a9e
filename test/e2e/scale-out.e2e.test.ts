/**
 * Scaled out: PostgreSQL + Redis (BullMQ) + Azurite as a separate server, two api processes
 * and two worker processes. Many photo jobs across both workers complete exactly once with
 * exact credits; the delete_job limit holds across both api processes; a worker killed with
 * SIGKILL in the middle of a video leaves the job to the other worker, which completes it
 * with one output and one charge.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { ffmpegPaths } from '../../src/media/ffmpeg.runtime.ts';
import { fixturePath } from '../fixtures/images/fixtures.ts';
import {
  directUpload,
  missingServices,
  report,
  startCluster,
  waitAll,
  type Cluster,
  type VeilProcess,
} from './scale-out-cluster.ts';

const run = promisify(execFile);
const PHOTOS = Number(process.env.SCALE_PHOTOS || 16);
const skip = (await missingServices()) ?? false;

describe(
  'scaled out: 2 api + 2 worker processes on PostgreSQL, Redis and Azurite',
  { skip },
  () => {
    let cluster: Cluster;
    let api: VeilProcess;
    let api2: VeilProcess;
    let workers: VeilProcess[];
    let key: string;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'veil-scale-files-'));
      cluster = await startCluster({ VEIL_DELETE_RATE_PER_MIN: '5' });
      api = await cluster.startApi();
      assert.ok(api.demoKey, 'the first api process creates the demo key');
      key = api.demoKey;
      // The second api starts on the same database: no second demo key, same data.
      [api2, ...workers] = await Promise.all([
        cluster.startApi(),
        cluster.startWorker(),
        cluster.startWorker(),
      ]);
      assert.equal(api2.demoKey, undefined);
    });
    after(async () => {
      await cluster?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    const charges = async () =>
      cluster.query<{ job_id: string; amount: number }>(
        `select job_id, amount from credit_entries where kind = 'charge'`,
      );
    const balance = async (url: string) => {
      const res = await fetch(`${url}/credits`, { headers: { access_token: key } });
      return ((await res.json()) as { balance: number }).balance;
    };
    const approve = async (url: string, jobId: string) => {
      const res = await fetch(`${url}/approve_job/${jobId}`, {
        method: 'POST',
        headers: { access_token: key },
      });
      assert.equal(res.status, 200, `approve ${jobId}`);
    };

    it('limits delete_job across both api processes', async () => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 6; i++) {
        const url = i % 2 ? api2.url : api.url;
        const res = await fetch(`${url}/delete_job/00000000-0000-4000-8000-00000000000${i}`, {
          method: 'DELETE',
          headers: { access_token: key },
        });
        statuses.push(res.status);
        retryAfter = res.headers.get('retry-after');
      }
      assert.deepEqual(statuses.slice(0, 5), [404, 404, 404, 404, 404]);
      assert.equal(statuses[5], 429, 'the sixth request is over the shared limit of 5');
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
    });

    it(`runs ${PHOTOS} photo jobs across both workers, each once, credits exact`, async (t) => {
      // Small distinct photos: the point is the distribution, not the engine.
      const source = fixturePath('group-3-faces.jpg')!;
      const files = await Promise.all(
        Array.from({ length: PHOTOS }, async (_, i) => {
          const file = path.join(dir, `photo-${i}.jpg`);
          await sharp(source)
            .resize(480 + i * 8)
            .jpeg()
            .toFile(file);
          return file;
        }),
      );
      const before = await balance(api.url);
      const started = Date.now();
      const jobIds = await Promise.all(
        files.map((f, i) => directUpload(i % 2 ? api2.url : api.url, key, f, `p${i}.jpg`)),
      );
      const costed = await waitAll(api.url, key, jobIds, [2], 30_000);
      assert.ok(costed.every((r) => r.job_total_credit_cost === 1));
      await Promise.all(jobIds.map((id, i) => approve(i % 2 ? api2.url : api.url, id)));
      const done = await waitAll(api2.url, key, jobIds, [5, 6], 60_000);
      const seconds = (Date.now() - started) / 1000;
      t.diagnostic(`${PHOTOS} photo jobs done in ${seconds.toFixed(1)} s with 2 workers`);
      for (const r of done) {
        assert.equal(r.job_status, 5, JSON.stringify(r.tasks));
        assert.equal(r.tasks.length, 1);
        assert.equal(r.tasks[0].status, 'completed');
      }
      const one = await fetch(done[0].tasks[0].download_link!);
      assert.equal(one.status, 200);
      assert.equal((await sharp(Buffer.from(await one.arrayBuffer())).metadata()).format, 'jpeg');

      // Both workers took part, and each job was processed by exactly one of them.
      const processed = workers.map((w) =>
        w
          .output()
          .split('\n')
          .filter((l) => l.includes('"job processed"'))
          .map((l) => (JSON.parse(l) as { jobId: string }).jobId)
          .filter((id) => jobIds.includes(id)),
      );
      t.diagnostic(`jobs per worker: ${processed.map((p) => p.length).join(' + ')}`);
      assert.ok(
        processed.every((p) => p.length > 0),
        'both workers processed jobs',
      );
      assert.deepEqual(processed.flat().sort(), [...jobIds].sort());

      // Exactly once: one charge row and one output blob per job, balance down by the count.
      const rows = (await charges()).filter((c) => jobIds.includes(c.job_id));
      assert.equal(rows.length, PHOTOS);
      assert.equal(new Set(rows.map((r) => r.job_id)).size, PHOTOS);
      for (const id of jobIds) {
        const outputs = (await cluster.blobs.list(`jobs/${id}/`)).filter(
          (b) => !b.includes('/input/'),
        );
        assert.equal(outputs.length, 1, `one output for ${id}: ${outputs.join()}`);
      }
      assert.equal(await balance(api2.url), before - PHOTOS);
    });

    it('completes a video whose worker was killed mid-task, one output, one charge', async () => {
      const clip = path.join(dir, 'clip.mp4');
      await run(ffmpegPaths().ffmpeg, [
        ...['-v', 'error', '-loop', '1', '-i', fixturePath('astronaut.jpg')!],
        ...['-t', '6', '-r', '10', '-c:v', 'libx264', '-preset', 'ultrafast'],
        ...['-pix_fmt', 'yuv420p', '-y', clip],
      ]);
      // Only worker 0 may take it: worker 1 leaves gracefully and a fresh one starts later.
      workers[1].child.kill('SIGTERM');
      await workers[1].exited;
      const before = await balance(api.url);
      const jobId = await directUpload(api.url, key, clip, 'clip.mp4');
      const [costed] = await waitAll(api.url, key, [jobId], [2], 30_000);
      assert.equal(costed.job_total_credit_cost, 6);
      await approve(api.url, jobId);
      const standby = cluster.startWorker();
      await waitAll(api.url, key, [jobId], [4, 5, 6], 30_000);
      // Wait until real work happened (some progress), then kill the worker outright.
      const deadline = Date.now() + 30_000;
      let midway = await report(api.url, key, jobId);
      const progressed = (r: typeof midway) => (r.tasks[0]?.progress?.done ?? 0) > 0;
      while (midway.job_status === 4 && !progressed(midway) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        midway = await report(api.url, key, jobId);
      }
      assert.equal(midway.job_status, 4, 'still processing when killed');
      workers[0].child.kill('SIGKILL');
      await workers[0].exited;
      workers = [await standby];

      const [done] = await waitAll(api2.url, key, [jobId], [5, 6], 60_000);
      assert.equal(done.job_status, 5, JSON.stringify(done.tasks));
      assert.equal(done.tasks.length, 1);
      assert.equal(done.tasks[0].status, 'completed');
      const video = await fetch(done.tasks[0].download_link!);
      assert.equal(video.status, 200);
      const outputs = (await cluster.blobs.list(`jobs/${jobId}/`)).filter(
        (b) => !b.includes('/input/'),
      );
      assert.equal(outputs.length, 1, outputs.join());
      const rows = (await charges()).filter((c) => c.job_id === jobId);
      assert.equal(rows.length, 1);
      assert.equal(await balance(api.url), before - 6);
    });
  },
);
