import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isVeilError } from '../../../src/errors.ts';
import type { Principal } from '../../../src/services/index.ts';
import { azuriteConnectionString } from '../../../src/storage/azurite.runtime.ts';
import { startHarness, type Harness } from './harness.ts';

/** A job brought to "waiting for approval" through the real lifecycle steps. */
async function waitingJob(h: Harness, who: Principal, images: number) {
  const s = await h.services.jobs.createUploadSession(who, {
    fileName: 'set.zip',
    fileSize: 1000,
    contentType: 'application/zip',
    model: 'blur',
    modelConfig: {},
  });
  assert.ok(await h.services.lifecycle.markUploaded(s.job_id, 1000));
  const files = Array.from({ length: images }, (_, i) => ({
    name: `p${i}.jpg`,
    kind: 'image' as const,
  }));
  await h.services.lifecycle.recordInspection(s.job_id, 'archive', files);
  return s.job_id;
}

const code = (c: string) => (e: unknown) => isVeilError(e) && e.code === c;

describe('approval against credits', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  async function newKey(credits: number): Promise<Principal> {
    const k = await h.services.keys.create({ name: 'k', credits });
    return { keyId: k.keyId, name: 'k' };
  }

  it('answers each approval outcome: not ready, approved, already approved, other key', async () => {
    const who = await newKey(10);
    const sut = h.services.jobs;
    const early = await sut.createDirectUpload(who, {
      fileName: 'x.jpg',
      model: 'blur',
      modelConfig: {},
    });
    await assert.rejects(sut.approve(who, early.jobId), code('JOB_NOT_READY'));
    const jobId = await waitingJob(h, who, 3);
    const report = await sut.report(who, jobId);
    assert.equal(report.job_status, 2);
    assert.equal(report.job_total_credit_cost, 3);
    assert.equal(report.tasks.length, 3);
    const other = await newKey(100);
    await assert.rejects(sut.approve(other, jobId), code('JOB_NOT_FOUND'));
    await assert.rejects(sut.report(other, jobId), code('JOB_NOT_FOUND'));
    assert.equal(await sut.approve(who, jobId), 'approved');
    assert.equal(await sut.approve(who, jobId), 'already_approved');
    assert.equal((await sut.report(who, jobId)).job_status, 3);
    assert.equal(await h.services.keys.available(who.keyId), 7);
    assert.equal(await h.services.keys.balance(who.keyId), 10, 'nothing charged before completion');
    const queued = await h.db.kysely
      .selectFrom('queue_jobs')
      .select('name')
      .where('payload', '=', JSON.stringify({ jobId }))
      .execute();
    assert.deepEqual(queued, [{ name: 'process-job' }]);
  });

  it('refuses with 402 when the job costs more than the available credits', async () => {
    const who = await newKey(5);
    const first = await waitingJob(h, who, 4);
    const second = await waitingJob(h, who, 2);
    assert.equal(await h.services.jobs.approve(who, first), 'approved');
    await assert.rejects(h.services.jobs.approve(who, second), (e) => {
      assert.ok(isVeilError(e, 'NOT_ENOUGH_CREDITS'));
      assert.equal(e.status, 402);
      assert.match(e.message, /costs 2, 1 available/);
      return true;
    });
    assert.equal((await h.services.lifecycle.get(second))?.status, 2);
  });

  it('lets exactly 10 of 20 concurrent approvals pass with credits for 10 jobs', async () => {
    const who = await newKey(20);
    const jobs: string[] = [];
    for (let i = 0; i < 20; i++) jobs.push(await waitingJob(h, who, 2));
    const outcomes = await Promise.allSettled(jobs.map((id) => h.services.jobs.approve(who, id)));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter(
      (o) => o.status === 'rejected' && isVeilError(o.reason, 'NOT_ENOUGH_CREDITS'),
    );
    assert.equal(ok.length, 10);
    assert.equal(refused.length, 10);
    assert.equal(await h.services.keys.available(who.keyId), 0);
  });

  it('lets exactly 10 of 20 approvals pass when 4 processes race on the same SQLite file', async () => {
    const who = await newKey(10);
    const jobs: string[] = [];
    for (let i = 0; i < 20; i++) jobs.push(await waitingJob(h, who, 1));
    const connection = azuriteConnectionString(h.blobs.endpoint);
    const children = [0, 1, 2, 3].map((c) =>
      spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(import.meta.dirname, 'approve.child.ts'),
          h.dataDir,
          connection,
          who.keyId,
          ...jobs.slice(c * 5, c * 5 + 5),
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      ),
    );
    const lines = children.map((child) => {
      const out: string[] = [];
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const parts = buf.split('\n');
        buf = parts.pop()!;
        out.push(...parts);
      });
      return out;
    });
    const ready = async (i: number) => {
      while (!lines[i].includes('ready')) await new Promise((r) => setTimeout(r, 20));
    };
    await Promise.all(children.map((_, i) => ready(i)));
    for (const child of children) child.stdin.end('go\n');
    await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
    const outcomes = lines.flatMap(
      (l) => JSON.parse(l.find((x) => x.startsWith('['))!) as string[],
    );
    assert.equal(outcomes.length, 20);
    assert.equal(outcomes.filter((o) => o === 'approved').length, 10, outcomes.join());
    assert.equal(outcomes.filter((o) => o === 'NOT_ENOUGH_CREDITS').length, 10, outcomes.join());
    const approved = await h.db.kysely
      .selectFrom('jobs')
      .select('id')
      .where('key_id', '=', who.keyId)
      .where('status', '=', 3)
      .execute();
    assert.equal(approved.length, 10);
  });

  it('needs no approval (201) for a job that costs nothing', async () => {
    const free = await startHarness({
      pricing: { imageCredits: 0, videoCreditsPerSecond: 0, synMultiplier: 1 },
    });
    try {
      const k = await free.services.keys.create({ name: 'free', credits: 0 });
      const who = { keyId: k.keyId, name: 'free' };
      const jobId = await waitingJob(free, who, 2);
      assert.equal((await free.services.lifecycle.get(jobId))?.status, 3);
      assert.equal(await free.services.jobs.approve(who, jobId), 'no_approval_needed');
    } finally {
      await free.close();
    }
  });
});
