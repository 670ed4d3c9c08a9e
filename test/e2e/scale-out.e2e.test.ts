/**
 * Scaled out: PostgreSQL + Redis (BullMQ) + Azurite as a separate server, api and worker
 * processes apart. 50 photo jobs across two api and two worker processes complete exactly
 * once with exact credits; the delete_job limit holds across both api processes; the api
 * killed with SIGKILL in the middle of uploads (sessions and direct uploads) and restarted
 * loses no job; a worker killed with SIGKILL in the middle of a video leaves the job to
 * another worker, which completes it with one output and one charge.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AnonymousCredential, BlockBlobClient } from '@azure/storage-blob';
import sharp from 'sharp';
import { fixturePath } from '../fixtures/images/fixtures.ts';
import {
  createSession,
  curlUpload,
  freePort,
  getReport,
  makeClip,
  until,
  waitForJob,
} from './kit.ts';
import {
  missingServices,
  startCluster,
  type Cluster,
  type VeilProcess,
} from './scale-out-cluster.ts';

const PHOTOS = Number(process.env.SCALE_PHOTOS || 30);
const skip = (await missingServices()) ?? false;

describe('scaled out: api and worker processes on PostgreSQL, Redis and Azurite', { skip }, () => {
  let cluster: Cluster;
  let api: VeilProcess;
  let api2: VeilProcess;
  let workers: VeilProcess[];
  let key: string;
  let dir: string;
  let apiPort: number;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'veil-scale-files-'));
    cluster = await startCluster({ VEIL_DELETE_RATE_PER_MIN: '5', VEIL_WORKER_CONCURRENCY: '2' });
    apiPort = await freePort();
    api = await cluster.startApi({ port: apiPort });
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

  const chargesOf = async (jobIds: string[]) =>
    cluster.query<{ job_id: string; amount: number }>(
      `select job_id, amount from credit_entries where kind = 'charge' and job_id = any($1)`,
      [jobIds],
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
  const outputsOf = async (jobId: string) =>
    (await cluster.blobs.list(`jobs/${jobId}/`)).filter((b) => !b.includes('/input/'));
  /** Small distinct JPEGs: the point is the distribution, not the engine. */
  const photos = (prefix: string, count: number, width = 200, quality = 80) =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const file = path.join(dir, `${prefix}-${i}.jpg`);
        await sharp(fixturePath('group-3-faces.jpg')!)
          .resize(width + i * 4)
          .jpeg({ quality })
          .toFile(file);
        return file;
      }),
    );
  /** Each job once: completed, one task, one output blob, one charge of `cost`. */
  const assertDoneOnce = async (url: string, jobIds: string[], cost: number) => {
    for (const id of jobIds) {
      const r = await getReport(url, key, id);
      assert.equal(r.job_status, 5, JSON.stringify(r.tasks));
      assert.equal(r.tasks.length, 1);
      assert.equal(r.tasks[0].status, 'completed');
      const outputs = await outputsOf(id);
      assert.equal(outputs.length, 1, `one output for ${id}: ${outputs.join()}`);
    }
    const rows = await chargesOf(jobIds);
    assert.equal(rows.length, jobIds.length, 'one charge per job');
    assert.equal(new Set(rows.map((r) => r.job_id)).size, jobIds.length);
    assert.ok(
      rows.every((r) => r.amount === -cost),
      JSON.stringify(rows),
    );
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
    const files = await photos('p', PHOTOS);
    const before = await balance(api.url);
    const started = Date.now();
    // Half by direct upload with curl, half by upload session; alternating api processes.
    const jobIds = await Promise.all(
      files.map(async (f, i) => {
        const url = i % 2 ? api2.url : api.url;
        if (i % 4 < 2) return (await curlUpload(url, key, f, `p${i}.jpg?model=blur`)).jobId;
        const data = await readFile(f);
        const session = await createSession(url, key, `p${i}.jpg`, data.length);
        await new BlockBlobClient(session.session_uri, new AnonymousCredential()).upload(
          data,
          data.length,
        );
        return session.job_id;
      }),
    );
    await cluster.waitStatuses(jobIds, [2], 60_000);
    const costed = Date.now();
    await Promise.all(jobIds.map((id, i) => approve(i % 2 ? api2.url : api.url, id)));
    await cluster.waitStatuses(jobIds, [5, 6], 90_000);
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(
      `${PHOTOS} photo jobs done in ${seconds.toFixed(1)} s with 2 workers ` +
        `(uploaded and costed in ${((costed - started) / 1000).toFixed(1)} s)`,
    );
    await assertDoneOnce(api2.url, jobIds, 1);
    const [first] = (await getReport(api.url, key, jobIds[0])).tasks;
    const one = await fetch(first.download_link!);
    assert.equal(one.status, 200);
    assert.equal((await sharp(Buffer.from(await one.arrayBuffer())).metadata()).format, 'jpeg');

    // Both workers took part, and each job was processed by exactly one of them.
    const processed = workers.map((w) => w.processed().filter((id) => jobIds.includes(id)));
    t.diagnostic(`jobs per worker: ${processed.map((p) => p.length).join(' + ')}`);
    assert.ok(
      processed.every((p) => p.length > 0),
      'both workers processed jobs',
    );
    assert.deepEqual(processed.flat().sort(), [...jobIds].sort());
    assert.equal(await balance(api2.url), before - PHOTOS);
  });

  it('loses no job when the api is killed during uploads and restarted', async (t) => {
    // api2 leaves for good: the one api process is the one that dies.
    await api2.kill('SIGTERM');
    const url = api.url;
    const before = await balance(url);
    // About 220 kB each: at 50 kB/s a direct upload lasts about 4 s.
    const [small, large] = [await photos('s', 6), await photos('l', 3, 800, 100)];
    const jobsBefore = Number(
      (await cluster.query<{ n: string }>('select count(*) as n from jobs'))[0].n,
    );

    // Sessions 0-3: blocks staged now, committed while the api is down; 4-5: no byte yet.
    const sessions = await Promise.all(
      small.map(async (f, i) => {
        const data = await readFile(f);
        const session = await createSession(url, key, `s${i}.jpg`, data.length);
        const client = new BlockBlobClient(session.session_uri, new AnonymousCredential());
        const half = Math.floor(data.length / 2);
        const blocks = [data.subarray(0, half), data.subarray(half)];
        const ids = blocks.map((_, n) => Buffer.from(`block-${n}`).toString('base64'));
        if (i < 4) await client.stageBlock(ids[0], blocks[0], blocks[0].length);
        return { session, client, data, blocks, ids };
      }),
    );
    // Direct uploads slowed down: curl is still sending to Azurite when the api dies.
    let uploading = large.length;
    const direct = large.map((f, i) =>
      curlUpload(url, key, f, `d${i}.jpg?model=blur`, ['--limit-rate', '50k']).finally(
        () => uploading--,
      ),
    );
    await until('the direct uploads to have their jobs', async () => {
      const [{ n }] = await cluster.query<{ n: string }>(
        `select count(*) as n from jobs where file_name like 'd%'`,
      );
      return Number(n) === large.length ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 700)); // their 307s reach curl
    assert.equal(await api.kill('SIGKILL'), null, 'killed, not exited');
    assert.equal(uploading, large.length, 'every direct upload was in flight at the kill');
    const killedAt = Date.now();

    // With no api running: sessions 0-3 finish, the direct uploads finish.
    await Promise.all(
      sessions.slice(0, 4).map(async ({ client, blocks, ids }) => {
        await client.stageBlock(ids[1], blocks[1], blocks[1].length);
        await client.commitBlockList(ids);
      }),
    );
    const directIds = (await Promise.all(direct)).map((d) => {
      assert.match(d.headers, /^HTTP\/1\.1 307/m);
      assert.match(d.headers, /^HTTP\/1\.1 201/m, 'the bytes reached Azurite');
      return d.jobId;
    });
    t.diagnostic(`direct uploads ended ${Date.now() - killedAt} ms after the api died`);
    // The workers' upload watcher costs them while no api runs.
    const early = [...sessions.slice(0, 4).map((s) => s.session.job_id), ...directIds];
    await cluster.waitStatuses(early, [2], 30_000);

    api = await cluster.startApi({ port: apiPort });
    assert.equal(api.url, url, 'the api is back on its address');
    assert.equal(api.demoKey, undefined, 'no second demo key');
    for (const { client, data } of sessions.slice(4)) await client.upload(data, data.length);
    const jobIds = [...sessions.map((s) => s.session.job_id), ...directIds];
    const jobsAfter = Number(
      (await cluster.query<{ n: string }>('select count(*) as n from jobs'))[0].n,
    );
    assert.equal(jobsAfter - jobsBefore, jobIds.length, 'no extra and no missing job');
    for (const id of jobIds) {
      const r = await waitForJob(url, key, id, [2, 6]);
      assert.equal(r.job_status, 2, r.job_status_description);
      assert.equal(r.job_total_credit_cost, 1);
    }
    await Promise.all(jobIds.map((id) => approve(url, id)));
    await cluster.waitStatuses(jobIds, [5, 6], 60_000);
    await assertDoneOnce(url, jobIds, 1);
    assert.equal(await balance(url), before - jobIds.length);
  });

  it('completes a video whose worker was killed mid-task, one output, one charge', async () => {
    // 200 frames: still running when the poll sees its first progress on a fast core.
    const clip = await makeClip(path.join(dir, 'clip.mp4'), { seconds: 20 });
    // Only worker 0 may take it: worker 1 leaves gracefully and a fresh one starts later.
    await workers[1].kill('SIGTERM');
    const before = await balance(api.url);
    const { jobId } = await curlUpload(api.url, key, clip, 'clip.mp4?model=blur');
    const costed = await waitForJob(api.url, key, jobId, [2]);
    assert.equal(costed.job_total_credit_cost, 20);
    await approve(api.url, jobId);
    const standby = cluster.startWorker();
    // Wait until real work happened (some progress), then kill the worker outright.
    const midway = await waitForJob(
      api.url,
      key,
      jobId,
      (r) => r.job_status >= 5 || (r.tasks[0]?.progress?.done ?? 0) > 0,
      60_000,
    );
    assert.equal(midway.job_status, 4, 'still processing when killed');
    await workers[0].kill('SIGKILL');
    workers = [await standby];

    const done = await waitForJob(api.url, key, jobId, [5, 6], 60_000);
    assert.equal(done.job_status, 5, JSON.stringify(done.tasks));
    assert.equal(done.tasks.length, 1);
    assert.equal(done.tasks[0].status, 'completed');
    const video = await fetch(done.tasks[0].download_link!);
    assert.equal(video.status, 200);
    await assertDoneOnce(api.url, [jobId], 20);
    assert.equal(await balance(api.url), before - 20);
  });
});
