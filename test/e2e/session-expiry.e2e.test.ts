/** Upload sessions never used expire (TTL shortened here) and their SAS stops working. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { BlockBlobClient, AnonymousCredential, RestError } from '@azure/storage-blob';
import { startE2E, type E2E } from './e2e-harness.ts';

let e: E2E;
before(async () => {
  e = await startE2E({ uploadTtlSeconds: 2 }, { housekeepingMs: 200 });
});
after(() => e.stop());

it('expires an unused session: status 7, no blob kept, upload URL refused', async () => {
  const session = await e.createSession('late.jpg', 2000);
  // Blocks staged but never committed: the upload never completed.
  const client = new BlockBlobClient(session.session_uri, new AnonymousCredential());
  await client.stageBlock(Buffer.alloc(4).toString('base64'), Buffer.alloc(2000), 2000);

  const expired = await e.waitFor(session.job_id, [6, 7], 15_000);
  assert.equal(expired.job_status, 7);
  assert.match(expired.job_status_description, /expired/);
  await assert.rejects(client.upload(Buffer.alloc(2000), 2000), (err: unknown) => {
    assert.ok(err instanceof RestError);
    assert.equal(err.statusCode, 403);
    return true;
  });
  assert.deepEqual(await e.container.list(`jobs/${session.job_id}/`), []);
  const approve = await e.api(`/approve_job/${session.job_id}`, { method: 'POST' });
  assert.equal(approve.status, 302);
});
