import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { AnonymousCredential, AppendBlobClient, BlockBlobClient } from '@azure/storage-blob';
import type { Principal } from '../../../src/services/index.ts';
import { startHarness, type Harness } from './harness.ts';

async function putBlob(url: string, body: Buffer, type = 'BlockBlob') {
  const res = await fetch(url, {
    method: 'PUT',
    body: new Uint8Array(body),
    headers: { 'x-ms-blob-type': type },
  });
  assert.equal(res.status, 201, await res.text());
}

describe('upload watcher against Azurite', () => {
  let h: Harness;
  let who: Principal;
  before(async () => {
    h = await startHarness();
    const key = await h.services.keys.create({ name: 'up', credits: 100 });
    who = { keyId: key.keyId, name: 'up' };
  });
  after(() => h.close());

  const job = (id: string) => h.services.lifecycle.get(id);
  const queued = (id: string) =>
    h.db.kysely
      .selectFrom('queue_jobs')
      .select(['name', 'payload'])
      .where('payload', 'like', `%${id}%`)
      .execute();

  it('moves a direct upload to "uploaded" once its blob is committed and queues prepare-job', async () => {
    const sut = h.services.uploads;
    const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
      fileName: 'photo 1.jpg',
      model: 'blur',
      modelConfig: { enable_lp: true },
    });
    assert.match(uploadUrl, /sp=cw/);
    assert.match(uploadUrl, new RegExp(`jobs/${jobId}/input/photo%201\\.jpg\\?`));
    await sut.poll();
    assert.equal((await job(jobId))?.status, 0, 'nothing uploaded yet');
    await putBlob(uploadUrl, Buffer.alloc(2048, 7));
    await sut.poll();
    const row = await job(jobId);
    assert.equal(row?.status, 1);
    assert.equal(row?.file_size, 2048);
    assert.deepEqual(await queued(jobId), [
      { name: 'prepare-job', payload: JSON.stringify({ jobId }) },
    ]);
    await sut.poll();
    assert.equal((await queued(jobId)).length, 1, 'a second pass queues nothing more');
  });

  it('sees a session upload only when its block list is committed', async () => {
    const data = Buffer.alloc(10_000, 3);
    const session = await h.services.jobs.createUploadSession(who, {
      fileName: 'clip.mp4',
      fileSize: data.length,
      contentType: 'octet-stream',
      model: 'syn',
      modelConfig: {},
    });
    assert.equal(session.upload_status, 'waiting for upload');
    assert.equal(session.job_status, 0);
    const client = new BlockBlobClient(session.session_uri);
    const ids = [0, 1, 2].map((i) => Buffer.from(Uint8Array.of(i, 0, 0, 0)).toString('base64'));
    for (let i = 0; i < 3; i++) {
      await client.stageBlock(
        ids[i],
        data.subarray(i * 4000, Math.min(data.length, (i + 1) * 4000)),
        Math.min(4000, data.length - i * 4000),
      );
    }
    await h.services.uploads.poll();
    assert.equal((await job(session.job_id))?.status, 0, 'staged blocks are not an upload');
    await client.commitBlockList(ids);
    await h.services.uploads.poll();
    assert.equal((await job(session.job_id))?.status, 1);
  });

  it('fails a session whose uploaded size differs from the declared file_size', async () => {
    const session = await h.services.jobs.createUploadSession(who, {
      fileName: 'big.jpg',
      fileSize: 5000,
      contentType: 'image/jpeg',
      model: 'blur',
      modelConfig: {},
    });
    await putBlob(session.session_uri, Buffer.alloc(4000));
    await h.services.uploads.poll();
    const row = await job(session.job_id);
    assert.equal(row?.status, 6);
    assert.match(row!.status_description, /uploaded 4000 bytes .*declared file_size 5000/);
    assert.deepEqual(await queued(session.job_id), []);
    assert.equal(await h.services.keys.balance(who.keyId), 100, 'no credits taken');
  });

  it('refuses an append blob with a clear reason', async () => {
    const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
      fileName: 'log.mp4',
      model: 'blur',
      modelConfig: {},
    });
    const client = new AppendBlobClient(uploadUrl, new AnonymousCredential());
    await client.create();
    await client.appendBlock(Buffer.alloc(1500), 1500);
    await h.services.uploads.poll();
    const row = await job(jobId);
    assert.equal(row?.status, 6);
    assert.match(row!.status_description, /only BlockBlob uploads are supported, got AppendBlob/);
  });

  it('expires a session never used and deletes what lies under its prefix', async () => {
    // 2 s: the used session's upload must land before its SAS expires, on a loaded machine too.
    const short = await startHarness({ uploadTtlSeconds: 2 });
    try {
      const key = await short.services.keys.create({ name: 'ttl', credits: 0 });
      const me = { keyId: key.keyId, name: 'ttl' };
      const used = await short.services.jobs.createDirectUpload(me, {
        fileName: 'a.jpg',
        model: 'blur',
        modelConfig: {},
      });
      const unused = await short.services.jobs.createDirectUpload(me, {
        fileName: 'b.jpg',
        model: 'blur',
        modelConfig: {},
      });
      await putBlob(used.uploadUrl, Buffer.alloc(100));
      await short.services.uploads.poll();
      await sleep(2100);
      // A blob that shows up after the session ended is not picked up, and is cleaned.
      await short.blobs.store.put(`jobs/${unused.jobId}/input/b.jpg`, Buffer.alloc(10));
      await short.services.uploads.poll();
      const result = await short.services.housekeeping.run();
      assert.equal(result.expired, 1);
      assert.equal((await short.services.lifecycle.get(unused.jobId))?.status, 7);
      assert.equal((await short.services.lifecycle.get(used.jobId))?.status, 1);
      assert.deepEqual(await short.blobs.store.list(`jobs/${unused.jobId}/`), []);
      assert.deepEqual(await short.blobs.store.list(`jobs/${used.jobId}/`), [
        `jobs/${used.jobId}/input/a.jpg`,
      ]);
    } finally {
      await short.close();
    }
  });
});
