/**
 * Credits under contention over real HTTP: 20 approvals at once against credits for 10 jobs.
 * Also runs the API and the worker as separate roles (sharing SQLite and blob storage).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startVeil, type VeilHandle } from '../../src/app.ts';
import { fixturePath } from '../fixtures/images/fixtures.ts';
import { startE2E, type E2E } from './e2e-harness.ts';
import { root, run } from './kit.ts';

describe('approval race, with API and worker in separate roles', () => {
  let e: E2E;
  let worker: VeilHandle;

  before(async () => {
    e = await startE2E({ role: 'api' });
    // A worker-only Veil on the same data dir, as `veil serve --role worker` beside
    // `veil serve --role api`: it joins the API's embedded Azurite on its port.
    worker = await startVeil(
      { ...e.config, role: 'worker', azuritePort: Number(new URL(e.veil.blobEndpoint).port) },
      { log: pino({ level: 'silent' }), stopGraceMs: 1000 },
    );
  });
  after(async () => {
    await worker.stop();
    await e.stop();
  });

  it('lets exactly 10 of 20 concurrent approvals pass on credits for 10 jobs', async () => {
    const { stdout } = await run(
      process.execPath,
      ['bin/veil.js', 'keys', 'create', '--credits', '10'],
      { cwd: root, env: { ...process.env, VEIL_DATA_DIR: e.config.dataDir } },
    );
    const token = stdout.split('\n')[0];
    const photo = await readFile(fixturePath('astronaut.jpg')!);
    const jobs = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const session = await e.createSession(`face-${i}.jpg`, photo.length, {}, token);
        const put = await fetch(session.session_uri, {
          method: 'PUT',
          headers: { 'x-ms-blob-type': 'BlockBlob' },
          body: photo,
        });
        assert.equal(put.status, 201);
        return session.job_id;
      }),
    );
    for (const jobId of jobs) {
      const report = await e.waitFor(jobId, [2, 6], 30_000, token);
      assert.equal(report.job_total_credit_cost, 1, report.job_status_description);
    }

    const statuses = await Promise.all(
      jobs.map(async (jobId) => {
        const res = await e.api(`/approve_job/${jobId}`, { token, method: 'POST' });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 402).length, 10, statuses.join(','));

    // The worker role processes what the API role approved.
    const approved = jobs.filter((_, i) => statuses[i] === 200);
    const first = await e.waitFor(approved[0], [5, 6], 45_000, token);
    assert.equal(first.job_status, 5, first.job_status_description);
  });
});
