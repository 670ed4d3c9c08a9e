import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { call, startApiHarness, type ApiHarness } from './api-harness.ts';

const json = { 'content-type': 'application/json' };
const session = {
  file_name: 'photo.jpg',
  file_size: 5000,
  content_type: 'image/jpeg',
  model: 'blur',
  model_config: { blur_threshold: 0.4, lp_threshold: 0.6, style: 'pixelate' },
};

describe('auth, ownership and errors', () => {
  let h: ApiHarness;
  let alice: string;
  let bob: string;

  before(async () => {
    h = await startApiHarness();
    alice = await h.newKey();
    bob = await h.newKey();
  });
  after(() => h.stop());

  const routes: Array<[string, string]> = [
    ['POST', '/create_upload_session'],
    ['POST', `/notify_on_job_status?job_id=${randomUUID()}&callback_url=https://example.com/`],
    ['POST', `/approve_job/${randomUUID()}`],
    ['GET', `/get_job_result/${randomUUID()}`],
    ['DELETE', `/delete_job/${randomUUID()}`],
    ['POST', `/cancel_job/${randomUUID()}`],
    ['PUT', '/direct_upload/a.jpg?model=blur'],
  ];

  it('answers 401 with a detail on every route, at / and /v1, for a missing or unknown key', async () => {
    for (const [method, route] of routes) {
      for (const prefix of ['', '/v1']) {
        for (const token of [null, 'not-a-key']) {
          const res = await call(h.base, token, prefix + route, { method });
          assert.equal(res.status, 401, `${method} ${prefix}${route}`);
          assert.deepEqual(await res.json(), { detail: 'Missing or unknown access_token' });
        }
      }
    }
  });

  it("creates a session in the seed's shape and hides it from another key (404)", async () => {
    const res = await call(h.base, alice, '/v1/create_upload_session', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(session),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.upload_status, 'waiting for upload');
    assert.equal(body.job_status, 0);
    assert.equal(body.job_status_description, 'initialized');
    assert.equal(body.file_name, 'photo.jpg');
    assert.equal(body.file_size, 5000);
    assert.equal(body.model, 'blur');
    assert.deepEqual(body.model_config, session.model_config);
    assert.equal(new URL(body.session_uri as string).searchParams.get('sp'), 'cw');
    const jobId = body.job_id as string;

    const slash = await call(h.base, alice, `/v1/get_job_result/${jobId}/`);
    assert.equal(slash.status, 200, 'a trailing slash is accepted');
    const mine = await call(h.base, alice, `/get_job_result/${jobId}`);
    assert.equal(mine.status, 200);
    const report = (await mine.json()) as Record<string, unknown>;
    assert.equal(report.job_id, jobId);
    assert.equal(report.job_status, 0);
    assert.deepEqual(report.tasks, []);

    for (const [method, route] of [
      ['GET', `/get_job_result/${jobId}`],
      ['POST', `/approve_job/${jobId}`],
      ['POST', `/cancel_job/${jobId}`],
      ['DELETE', `/delete_job/${jobId}`],
      ['POST', `/notify_on_job_status?job_id=${jobId}&callback_url=https://example.com/`],
    ]) {
      const res = await call(h.base, bob, route, { method });
      assert.equal(res.status, 404, `${method} ${route} as another key`);
      assert.deepEqual(await res.json(), { detail: 'Job not found' });
    }
    assert.equal((await call(h.base, alice, `/get_job_result/${jobId}`)).status, 200);
    // Not uploaded yet: approval is "not ready" (302), never a redirect to follow.
    const approve = await call(h.base, alice, `/approve_job/${jobId}`, { method: 'POST' });
    assert.equal(approve.status, 302);
    assert.match(((await approve.json()) as { detail: string }).detail, /not ready/);
  });

  it('answers 422 naming the field for bad bodies, UUIDs and queries', async () => {
    const bodies: Array<[unknown, string[]]> = [
      [{ ...session, file_name: 'a.jp' }, ['body', 'file_name']],
      [{ ...session, file_size: 999 }, ['body', 'file_size']],
      [{ ...session, file_size: 4294967296 }, ['body', 'file_size']],
      [{ ...session, model: 'paint' }, ['body', 'model']],
      [{ ...session, model_config: undefined }, ['body', 'model_config']],
      [
        { ...session, model_config: { blur_threshold: -0.1 } },
        ['body', 'model_config', 'blur_threshold'],
      ],
      [{ ...session, model_config: { lp_threshold: 2 } }, ['body', 'model_config', 'lp_threshold']],
      [{ ...session, model_config: { style: 'paint' } }, ['body', 'model_config', 'style']],
    ];
    for (const [body, loc] of bodies) {
      const res = await call(h.base, alice, '/create_upload_session', {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 422, JSON.stringify(body));
      const { detail } = (await res.json()) as { detail: Array<{ loc: string[]; msg: string }> };
      assert.deepEqual(detail[0].loc, loc);
      assert.ok(detail[0].msg.startsWith(loc.slice(1).join('.')));
    }
    for (const route of ['/get_job_result/123', `/get_job_result/${randomUUID()}x`]) {
      const res = await call(h.base, alice, route);
      assert.equal(res.status, 422, route);
      const { detail } = (await res.json()) as { detail: Array<{ loc: string[] }> };
      assert.deepEqual(detail[0].loc, ['path', 'job_id']);
    }
    const badCallback = await call(
      h.base,
      alice,
      `/notify_on_job_status?job_id=${randomUUID()}&callback_url=not a url`,
      { method: 'POST' },
    );
    assert.equal(badCallback.status, 422);
    const malformed = await call(h.base, alice, '/create_upload_session', {
      method: 'POST',
      headers: json,
      body: '{"file_name": ',
    });
    assert.equal(malformed.status, 422);
    assert.equal(typeof ((await malformed.json()) as { detail: unknown }).detail, 'string');
  });

  it('refuses a callback to a loopback address', async () => {
    const res = await call(h.base, alice, '/create_upload_session', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(session),
    });
    const { job_id } = (await res.json()) as { job_id: string };
    const hook = await call(
      h.base,
      alice,
      `/notify_on_job_status?job_id=${job_id}&callback_url=http://127.0.0.1:9/hook`,
      { method: 'POST' },
    );
    assert.equal(hook.status, 422);
    const ok = await call(
      h.base,
      alice,
      `/notify_on_job_status?job_id=${job_id}&callback_url=https://1.1.1.1/hook`,
      { method: 'POST' },
    );
    assert.equal(ok.status, 200);
  });

  it('cancels a job that has not started (Veil extension); then 409 and no approval', async () => {
    const res = await call(h.base, alice, '/create_upload_session', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(session),
    });
    const { job_id } = (await res.json()) as { job_id: string };
    const cancel = await call(h.base, alice, `/v1/cancel_job/${job_id}`, { method: 'POST' });
    assert.equal(cancel.status, 200);
    const report = (await cancel.json()) as { job_status: number; job_status_description: string };
    assert.deepEqual([report.job_status, report.job_status_description], [8, 'cancelled']);
    const again = await call(h.base, alice, `/cancel_job/${job_id}`, { method: 'POST' });
    assert.equal(again.status, 409);
    assert.equal(typeof ((await again.json()) as { detail: unknown }).detail, 'string');
    const approve = await call(h.base, alice, `/approve_job/${job_id}`, { method: 'POST' });
    assert.equal(approve.status, 302);
  });

  it('answers unknown paths with 404 and a detail', async () => {
    const res = await call(h.base, alice, '/no_such_endpoint');
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { detail: 'Not Found' });
  });

  // Last: it breaks the harness on purpose.
  it('turns an internal failure into 500 without internals', async () => {
    const jobId = randomUUID();
    await h.db.close(); // the real driver now throws on every query
    const res = await call(h.base, alice, `/get_job_result/${jobId}`);
    assert.equal(res.status, 500);
    assert.equal(await res.text(), '{"detail":"Internal server error"}');
  });
});
