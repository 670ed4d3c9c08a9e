/**
 * The README's flow with the real curl binary: direct upload, approve, process with the real
 * engine, download through the SAS link, delete.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fixturePath, truth } from '../fixtures/images/fixtures.ts';
import { compareRegions, startE2E, type E2E } from './e2e-harness.ts';
import { curlUpload } from './kit.ts';

const PHOTO = 'group-3-faces.jpg';

describe('direct upload with curl, end to end', () => {
  let e: E2E;

  before(async () => {
    e = await startE2E();
  });
  after(() => e.stop());

  it('uploads, costs, approves, anonymizes, serves the result and deletes everything', async (t) => {
    const photo = fixturePath(PHOTO)!;
    const { jobId, headers } = await curlUpload(
      e.veil.url,
      e.key,
      photo,
      'photo.jpg?model=blur&enable_lp=True&blur_threshold=0.5',
    );
    assert.match(headers, /^HTTP\/1\.1 307/m);
    assert.match(headers, /^HTTP\/1\.1 201/m);

    const waiting = await e.waitFor(jobId, [2, 6]);
    assert.equal(waiting.job_status_description, 'waiting for approval');
    assert.equal(waiting.job_total_credit_cost, 1, 'one image at the default price');

    const approve = await e.api(`/approve_job/${jobId}`, { method: 'POST' });
    assert.equal(approve.status, 200);
    const again = await e.api(`/v1/approve_job/${jobId}`, { method: 'POST' });
    assert.equal(again.status, 202);

    const done = await e.waitFor(jobId, [5, 6], 45_000);
    assert.equal(done.job_status, 5, JSON.stringify(done));
    assert.equal(done.tasks.length, 1);
    const [task] = done.tasks;
    assert.equal(task.status, 'completed');
    assert.equal(task.kind, 'image');
    assert.deepEqual([task.width, task.height], [1920, 1280]);
    assert.ok((task.faces ?? 0) >= 3, `faces found: ${task.faces}`);
    assert.ok(task.download_link);
    assert.equal(new URL(task.download_link).searchParams.get('sp'), 'r');

    const download = await fetch(task.download_link);
    assert.equal(download.status, 200);
    const output = Buffer.from(await download.arrayBuffer());
    const diff = await compareRegions(
      await readFile(photo),
      output,
      truth(PHOTO).faces.map((f) => f.box),
    );
    for (const [i, d] of diff.perBox.entries()) {
      assert.ok(d > 8, `face ${i} visibly changed (mean diff ${d.toFixed(1)})`);
    }
    t.diagnostic(
      `mean abs diff per face ${diff.perBox.map((d) => d.toFixed(1)).join(', ')}; elsewhere ${diff.outside.toFixed(2)}`,
    );
    assert.ok(diff.outside < 2.5, `rest nearly untouched (mean diff ${diff.outside.toFixed(2)})`);
    assert.ok((await fetch(task.download_link, { method: 'DELETE' })).status >= 400);

    // Inputs go when the job ends (VEIL_DELETE_INPUTS, default true); outputs stay.
    const stored = await e.container.list(`jobs/${jobId}/`);
    assert.ok(
      stored.some((k) => k.includes('/output/')),
      'output stored',
    );
    assert.ok(!stored.some((k) => k.includes('/input/')), 'input deleted once the job ended');
    const del = await e.api(`/delete_job/${jobId}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.deepEqual(await e.container.list(`jobs/${jobId}/`), [], 'no blob left under the job');
    assert.equal((await e.api(`/get_job_result/${jobId}`)).status, 404);
    assert.equal((await fetch(task.download_link)).status, 404, 'the link leads nowhere now');
  });
});
