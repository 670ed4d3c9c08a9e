import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { call, startApiHarness, type ApiHarness } from './api-harness.ts';

let h: ApiHarness;
before(async () => {
  h = await startApiHarness();
});
after(() => h.stop());

it('serves 200 concurrent upload sessions and their uploads without an error', async (t) => {
  const key = await h.newKey();
  const body = randomBytes(64 * 1024);
  const n = 200;
  const started = performance.now();
  const sessions = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await call(h.base, key, '/create_upload_session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          file_name: `photo-${i}.jpg`,
          file_size: body.length,
          model: 'blur',
          model_config: {},
        }),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { job_id: string; session_uri: string };
    }),
  );
  const created = performance.now();
  const uploads = await Promise.all(
    sessions.map((s) =>
      fetch(s.session_uri, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body }),
    ),
  );
  const uploaded = performance.now();
  assert.deepEqual(new Set(uploads.map((r) => r.status)), new Set([201]));
  assert.equal(new Set(sessions.map((s) => s.job_id)).size, n, 'distinct jobs');
  assert.equal((await h.blobs.store.list('jobs/')).length, n);
  t.diagnostic(
    `${n} sessions in ${(created - started).toFixed(0)} ms ` +
      `(${((n * 1000) / (created - started)).toFixed(0)}/s); ` +
      `${n} x 64 KB uploads in ${(uploaded - created).toFixed(0)} ms`,
  );
});
