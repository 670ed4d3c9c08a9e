import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { jobStatusDescriptions } from '../../../src/services/types.ts';
import { call, startApiHarness, type ApiHarness } from './api-harness.ts';

describe('delete rate limit and OpenAPI', () => {
  let h: ApiHarness;

  before(async () => {
    h = await startApiHarness();
  });
  after(() => h.stop());

  it('allows 100 delete_job requests per minute per key, then 429 with Retry-After', async () => {
    const alice = await h.newKey();
    const bob = await h.newKey();
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await call(h.base, alice, `/delete_job/${randomUUID()}`, { method: 'DELETE' });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(new Set(statuses), new Set([404]), 'unknown jobs, but all within the limit');
    const limited = await call(h.base, alice, `/v1/delete_job/${randomUUID()}`, {
      method: 'DELETE',
    });
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.deepEqual(await limited.json(), { detail: 'Too many requests' });
    const other = await call(h.base, bob, `/delete_job/${randomUUID()}`, { method: 'DELETE' });
    assert.equal(other.status, 404, 'another key has its own budget');
  });

  it('serves an OpenAPI 3 document from the route schemas, with the status table', async () => {
    const res = await fetch(`${h.base}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      info: { description: string };
      paths: Record<
        string,
        Record<string, { operationId: string; responses: object; security?: object }>
      >;
      components: { securitySchemes: Record<string, { type: string; in: string; name: string }> };
    };
    assert.match(doc.openapi, /^3\.0\./);
    const validation = await new Validator().validate(structuredClone(doc));
    assert.equal(validation.valid, true, JSON.stringify(validation.errors, null, 1));
    const expected = [
      ['put', '/direct_upload/{file_name}'],
      ['post', '/direct_upload/{file_name}'],
      ['post', '/create_upload_session'],
      ['post', '/notify_on_job_status'],
      ['post', '/approve_job/{job_id}'],
      ['get', '/get_job_result/{job_id}'],
      ['delete', '/delete_job/{job_id}'],
      ['post', '/cancel_job/{job_id}'],
    ];
    const ids = new Set<string>();
    for (const [method, route] of expected) {
      for (const prefix of ['', '/v1']) {
        const op = doc.paths[prefix + route]?.[method];
        assert.ok(op, `${method} ${prefix}${route} documented`);
        assert.ok(!ids.has(op.operationId), `unique operationId ${op.operationId}`);
        ids.add(op.operationId);
        assert.deepEqual(op.security, [{ APIKeyHeader: [] }]);
      }
    }
    assert.ok(ids.has('notify_on_job_status_v1_notify_on_job_status_post'));
    assert.deepEqual(doc.components.securitySchemes.APIKeyHeader, {
      type: 'apiKey',
      in: 'header',
      name: 'access_token',
    });
    for (const [code, text] of Object.entries(jobStatusDescriptions)) {
      assert.ok(doc.info.description.includes(`| ${code} | ${text} |`), `status ${code}`);
    }
    const approve = doc.paths['/approve_job/{job_id}'].post.responses;
    for (const code of ['200', '201', '202', '302', '401', '402', '404', '422']) {
      assert.ok(code in approve, `approve_job documents ${code}`);
    }
    // Every $ref must resolve inside the document.
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      let node: unknown = doc;
      for (const part of ref.split('/')) node = (node as Record<string, unknown>)?.[part];
      assert.ok(node, `$ref #/${ref} resolves`);
    }
    const docs = await fetch(`${h.base}/docs`);
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    const css = await fetch(`${h.base}/docs/static/swagger-ui.css`);
    assert.equal(css.status, 200, 'the docs page has its assets (served locally)');
  });

  it('answers /healthz without a key', async () => {
    const res = await fetch(`${h.base}/healthz`);
    assert.deepEqual([res.status, await res.json()], [200, { status: 'ok' }]);
  });
});
