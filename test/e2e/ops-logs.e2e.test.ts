/**
 * Privacy of logs: a full flow (upload session, SAS upload, webhook, approval, processing,
 * download) with every log line captured at debug level; no line may carry the API key, a
 * SAS signature, the webhook secret or file content, and job lines carry the job id.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { AnonymousCredential, BlockBlobClient } from '@azure/storage-blob';
import { pino } from 'pino';
import { openDatabase } from '../../src/db/index.ts';
import type { JobReport } from '../../src/services/types.ts';
import { fixturePath } from '../fixtures/images/fixtures.ts';
import { startE2E, startHookServer } from './e2e-harness.ts';

test('logs of a whole job hold no key, SAS signature, webhook secret or file bytes', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const e = await startE2E({}, { log: pino({ level: 'debug' }, sink) });
  const hooks = await startHookServer();
  try {
    const { key, api, config, veil } = e;
    const photo = await readFile(fixturePath('astronaut.jpg')!);
    const session = await e.createSession('astronaut.jpg', photo.length, {
      content_type: 'image/jpeg',
      model_config: { blur_face: true, enable_lp: true },
    });
    const jobId = session.job_id;
    const cb = encodeURIComponent(hooks.url);
    const sub = await api(`/notify_on_job_status?job_id=${jobId}&callback_url=${cb}`, {
      method: 'POST',
    });
    assert.equal(sub.status, 200);
    // A wrong key is logged as a failed request: its value must not be either.
    const wrongKey = 'wrong-key-0123456789abcdef';
    assert.equal(
      (await fetch(`${veil.url}/credits`, { headers: { access_token: wrongKey } })).status,
      401,
    );

    // A proxy's request id is kept and echoed; otherwise a fresh UUID.
    const traced = await api('/credits', { headers: { 'x-request-id': 'trace-abc-123' } });
    assert.equal(traced.headers.get('x-request-id'), 'trace-abc-123');
    const plain = await api('/credits');
    assert.match(plain.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    await new BlockBlobClient(session.session_uri, new AnonymousCredential()).uploadData(photo);
    await hooks.next((h) => h.report.job_id === jobId && h.report.job_status === 2);
    assert.equal((await api(`/approve_job/${jobId}`, { method: 'POST' })).status, 200);
    const done = await hooks.next((h) => h.report.job_id === jobId && h.report.job_status >= 5);
    assert.equal(done.report.job_status, 5, done.report.job_status_description);
    const report = (await (await api(`/get_job_result/${jobId}`)).json()) as JobReport;
    const link = report.tasks[0]?.download_link;
    assert.ok(link, 'a download link');
    assert.equal((await fetch(link)).status, 200);

    const db = await openDatabase(config);
    const { webhook_secret: secret } = await db.kysely
      .selectFrom('api_keys')
      .select('webhook_secret')
      .executeTakeFirstOrThrow();
    await db.close();
    const sigs = [session.session_uri, link].map((u) => new URL(u).searchParams.get('sig')!);

    const log = lines.join('\n');
    assert.ok(lines.length >= 8, `captured ${lines.length} lines:\n${log}`);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      parsed.some((l) => l.reqId && l.msg === 'request'),
      'request lines carry a request id',
    );
    assert.ok(
      parsed.some((l) => l.reqId === 'trace-abc-123' && l.url === '/credits'),
      'the given request id is the log reqId',
    );
    const jobLines = parsed.filter((l) => JSON.stringify(l).includes(jobId));
    assert.ok(jobLines.length >= 2, 'the job is logged');
    for (const line of parsed.filter((l) =>
      /job (processed|failed)|upload inspected/.test(String(l.msg)),
    )) {
      assert.equal(line.jobId, jobId, `job line "${line.msg}" names its job`);
    }
    for (const [what, secretValue] of [
      ['API key', key],
      ['wrong API key', wrongKey],
      ['webhook secret', secret],
      ['upload SAS signature', sigs[0]!],
      ['download SAS signature', sigs[1]!],
      ['file bytes', photo.subarray(200, 232).toString('base64')],
    ] as const) {
      assert.ok(secretValue.length >= 16, `${what} is long enough to grep`);
      assert.equal(log.includes(secretValue), false, `${what} found in the logs`);
      assert.equal(
        log.includes(encodeURIComponent(secretValue)),
        false,
        `${what} (encoded) in logs`,
      );
    }
  } finally {
    await e.stop();
    await hooks.close();
  }
});
