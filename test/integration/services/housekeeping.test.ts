import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../../../src/services/index.ts';
import { startHarness, type Harness } from './harness.ts';

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('housekeeping repairs', () => {
  let h: Harness;
  let who: Principal;
  before(async () => {
    h = await startHarness();
    const key = await h.services.keys.create({ name: 'hk', credits: 100 });
    who = { keyId: key.keyId, name: 'hk' };
  });
  after(() => h.close());

  async function jobAt(stage: 'uploaded' | 'approved' | 'processing') {
    const s = await h.services.jobs.createUploadSession(who, {
      fileName: 'x.jpg',
      fileSize: 1000,
      contentType: 'image/jpeg',
      model: 'blur',
      modelConfig: {},
    });
    await h.services.lifecycle.markUploaded(s.job_id, 1000);
    if (stage !== 'uploaded') {
      await h.services.lifecycle.recordInspection(s.job_id, 'image', [
        { name: 'x.jpg', kind: 'image' },
      ]);
      await h.services.jobs.approve(who, s.job_id);
    }
    if (stage === 'processing') await h.services.lifecycle.startProcessing(s.job_id);
    return s.job_id;
  }
  const entries = (jobId: string) =>
    h.db.kysely
      .selectFrom('queue_jobs')
      .select('name')
      .where('payload', '=', JSON.stringify({ jobId }))
      .execute();
  const age = async (jobId: string, minutes: number) => {
    await h.db.kysely
      .updateTable('jobs')
      .set({ updated_at: ago(minutes) })
      .where('id', '=', jobId)
      .execute();
    await h.db.kysely
      .updateTable('tasks')
      .set({ updated_at: ago(minutes) })
      .where('job_id', '=', jobId)
      .execute();
  };

  it('requeues uploaded and approved jobs whose queue entry was lost, once', async () => {
    const uploaded = await jobAt('uploaded');
    const approved = await jobAt('approved');
    const fresh = await jobAt('uploaded');
    await h.db.kysely.deleteFrom('queue_jobs').execute(); // as if the queue lost them
    await age(uploaded, 5);
    await age(approved, 5);
    await h.services.housekeeping.requeueLost();
    await h.services.housekeeping.requeueLost();
    assert.deepEqual(await entries(uploaded), [{ name: 'prepare-job' }]);
    assert.deepEqual(await entries(approved), [{ name: 'process-job' }]);
    assert.deepEqual(await entries(fresh), [], 'a job that just moved is left to its own entry');
  });

  it('fails a job whose processing made no progress for an hour, nothing else', async () => {
    const stalled = await jobAt('processing');
    const alive = await jobAt('processing');
    await age(stalled, 90);
    await h.db.kysely
      .updateTable('jobs')
      .set({ updated_at: ago(90) })
      .where('id', '=', alive)
      .execute();
    // `alive` saved task progress a minute ago.
    await h.db.kysely
      .updateTable('tasks')
      .set({ updated_at: ago(1) })
      .where('job_id', '=', alive)
      .execute();
    assert.equal(await h.services.housekeeping.failStalled(), 1);
    const report = await h.services.jobs.report(who, stalled);
    assert.equal(report.job_status, 6);
    assert.match(report.job_status_description, /stalled/);
    assert.equal((await h.services.jobs.report(who, alive)).job_status, 4);
    const charges = await h.db.kysely
      .selectFrom('credit_entries')
      .selectAll()
      .where('job_id', '=', stalled)
      .execute();
    assert.deepEqual(charges, []);
  });
});
