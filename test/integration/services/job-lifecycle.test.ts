import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isVeilError } from '../../../src/errors.ts';
import type { Principal } from '../../../src/services/index.ts';
import { startHarness, type Harness } from './harness.ts';

describe('job lifecycle: charge, cancel, delete', () => {
  let h: Harness;
  let who: Principal;
  before(async () => {
    h = await startHarness();
    const key = await h.services.keys.create({ name: 'life', credits: 100 });
    who = { keyId: key.keyId, name: 'life' };
  });
  after(() => h.close());

  async function approvedJob(files: string[]) {
    const s = await h.services.jobs.createUploadSession(who, {
      fileName: 'many.zip',
      fileSize: 1000,
      contentType: 'application/zip',
      model: 'syn',
      modelConfig: {},
    });
    await h.services.lifecycle.markUploaded(s.job_id, 1000);
    await h.services.lifecycle.recordInspection(
      s.job_id,
      'archive',
      files.map((name) => ({ name, kind: 'image' as const })),
    );
    assert.equal(await h.services.jobs.approve(who, s.job_id), 'approved');
    return s.job_id;
  }
  const charges = (jobId: string) =>
    h.db.kysely.selectFrom('credit_entries').selectAll().where('job_id', '=', jobId).execute();

  it('charges the completed tasks once, however often the completion is repeated', async () => {
    const l = h.services.lifecycle;
    const before = await h.services.keys.balance(who.keyId);
    const jobId = await approvedJob(['a.jpg', 'b.jpg', 'c.jpg']);
    assert.equal((await l.get(jobId))?.cost, 6, 'syn doubles the price');
    assert.ok(await l.startProcessing(jobId));
    const [a, b, c] = await l.tasks(jobId);
    await l.updateTask(a.id, { status: 'completed' });
    await l.updateTask(c.id, { status: 'completed' });
    await l.updateTask(b.id, { status: 'failed', error: 'broken' });
    const results = await Promise.all([l.finish(jobId), l.finish(jobId), l.finish(jobId)]);
    assert.deepEqual(
      results.filter((r) => r === 5),
      [5],
    );
    assert.equal(await l.finish(jobId), null);
    const report = await h.services.jobs.report(who, jobId);
    assert.equal(report.job_status, 5);
    assert.equal(
      report.job_total_credit_cost,
      4,
      'only completed files are charged (2 x 2 for syn)',
    );
    assert.deepEqual(
      (await charges(jobId)).map((c) => c.amount),
      [-4],
    );
    assert.equal(await h.services.keys.balance(who.keyId), before - 4);
    assert.equal(await h.services.keys.available(who.keyId), before - 4);
  });

  it('fails a job without completed tasks and charges nothing', async () => {
    const l = h.services.lifecycle;
    const jobId = await approvedJob(['z.jpg']);
    await l.startProcessing(jobId);
    const [t] = await l.tasks(jobId);
    await l.updateTask(t.id, { status: 'failed', error: 'could not decode' });
    assert.equal(await l.finish(jobId), 6);
    const report = await h.services.jobs.report(who, jobId);
    assert.equal(report.job_status_description, 'failed: could not decode');
    assert.deepEqual(await charges(jobId), []);
  });

  it('cancels a running job so that its completion can no longer charge', async () => {
    const l = h.services.lifecycle;
    const jobId = await approvedJob(['p.jpg']);
    await l.startProcessing(jobId);
    const report = await h.services.jobs.cancel(who, jobId);
    assert.equal(report.job_status, 8);
    const [t] = await l.tasks(jobId);
    await l.updateTask(t.id, { status: 'completed' });
    assert.equal(await l.finish(jobId), null);
    assert.deepEqual(await charges(jobId), []);
    await assert.rejects(h.services.jobs.cancel(who, jobId), (e) =>
      isVeilError(e, 'JOB_NOT_CANCELLABLE'),
    );
  });

  it('deletes a queued job with its rows and every blob under its prefix', async () => {
    const jobId = await approvedJob(['q.jpg']);
    const store = h.blobs.store;
    await store.put(`jobs/${jobId}/input/many.zip`, Buffer.from('in'));
    await store.put(`jobs/${jobId}/output/q.jpg`, Buffer.from('out'));
    await store.put('jobs/keep-me/input/x.jpg', Buffer.from('other job'));
    const other = await h.services.keys.create({ name: 'o', credits: 0 });
    await assert.rejects(h.services.jobs.delete({ keyId: other.keyId, name: 'o' }, jobId), (e) =>
      isVeilError(e, 'JOB_NOT_FOUND'),
    );
    await h.services.jobs.delete(who, jobId);
    assert.deepEqual(await store.list(`jobs/${jobId}/`), []);
    assert.deepEqual(await store.list('jobs/keep-me/'), ['jobs/keep-me/input/x.jpg']);
    assert.equal(await h.services.lifecycle.get(jobId), undefined);
    assert.deepEqual(await h.services.lifecycle.tasks(jobId), []);
    await assert.rejects(h.services.jobs.report(who, jobId), (e) =>
      isVeilError(e, 'JOB_NOT_FOUND'),
    );
    // Blobs of jobs that no longer exist (e.g. a late upload) are swept by housekeeping.
    assert.equal(await h.services.housekeeping.sweepOrphans(), 1);
    assert.deepEqual(await store.list('jobs/'), []);
  });

  it('refuses file names that would escape the job folder', async () => {
    for (const fileName of ['../x.jpg', 'a/b.jpg', 'a\\b.jpg', '..', '']) {
      await assert.rejects(
        h.services.jobs.createDirectUpload(who, { fileName, model: 'blur', modelConfig: {} }),
        (e) => isVeilError(e, 'VALIDATION'),
      );
    }
  });
});
