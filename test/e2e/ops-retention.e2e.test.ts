/**
 * Retention on a real Veil with a tiny retention period: inputs go when the job ends,
 * download links expire no later than the outputs, outputs go after the period and the job
 * then reads as expired; with VEIL_DELETE_INPUTS=false inputs stay.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { AnonymousCredential, BlockBlobClient } from '@azure/storage-blob';
import { fixturePath } from '../fixtures/images/fixtures.ts';
import { startE2E, type E2E } from './e2e-harness.ts';
import { until } from './kit.ts';

const RETENTION_S = 10;

async function runJob(e: E2E): Promise<string> {
  const photo = await readFile(fixturePath('astronaut.jpg')!);
  const session = await e.createSession('astronaut.jpg', photo.length, {
    content_type: 'image/jpeg',
    model_config: { blur_face: true, enable_lp: false },
  });
  await new BlockBlobClient(session.session_uri, new AnonymousCredential()).uploadData(photo);
  await e.waitFor(session.job_id, [2]);
  assert.equal((await e.api(`/approve_job/${session.job_id}`, { method: 'POST' })).status, 200);
  const done = await e.waitFor(session.job_id, [5, 6], 45_000);
  assert.equal(done.job_status, 5, done.job_status_description);
  return session.job_id;
}

test('inputs deleted at the end, links bounded by retention, outputs expire', async () => {
  const e = await startE2E({ retentionHours: RETENTION_S / 3600 }, { housekeepingMs: 500 });
  try {
    const jobId = await runJob(e);
    const endedAt = Date.now();
    await until(
      'inputs deleted',
      async () =>
        (await e.container.list(`jobs/${jobId}/input/`)).length === 0 ? true : undefined,
      20_000,
      200,
    );
    assert.ok(Date.now() - endedAt < 3000, 'inputs go as soon as the job ends');

    const report = await e.report(jobId);
    const link = report.tasks[0]?.download_link;
    assert.ok(link, 'a download link while the output is kept');
    const se = Date.parse(new URL(link).searchParams.get('se')!);
    assert.ok(se <= endedAt + RETENTION_S * 1000 + 2000, 'the link ends with the output');
    assert.equal((await fetch(link)).status, 200);
    assert.ok((await e.container.list(`jobs/${jobId}/output/`)).length > 0);

    const expired = await e.waitFor(jobId, [7], 40_000);
    assert.match(
      expired.job_status_description,
      /^expired: outputs were deleted after 0\.0028 hours/,
    );
    assert.match(expired.job_status_description, /expired/);
    assert.equal(expired.tasks[0]?.download_link, null, 'no link to a deleted output');
    assert.equal(expired.archive_download_link, null);
    // The status turns EXPIRED first (so no report hands out a link), then the blobs go.
    await until(
      'outputs deleted',
      async () => ((await e.container.list(`jobs/${jobId}/`)).length === 0 ? true : undefined),
      10_000,
      100,
    );
    assert.notEqual((await fetch(link)).status, 200, 'the old link no longer serves the file');
  } finally {
    await e.stop();
  }
});

test('VEIL_DELETE_INPUTS=false keeps inputs after the job ends', async () => {
  const e = await startE2E({ deleteInputs: false }, { housekeepingMs: 300 });
  try {
    const jobId = await runJob(e);
    // Several housekeeping passes later the input is still there.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await e.container.list(`jobs/${jobId}/input/`), [
      `jobs/${jobId}/input/astronaut.jpg`,
    ]);
    assert.equal((await e.report(jobId)).job_status, 5, 'default retention: still completed');
  } finally {
    await e.stop();
  }
});
