import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { isVeilError } from '../../../src/errors.ts';
import { UnrecoverableJobError } from '../../../src/queue/index.ts';
import { createServices, type Principal } from '../../../src/services/index.ts';
import { quietLog, startHarness, until, type Harness } from './harness.ts';

/** Receivers still open: closed after all tests too, so a failed test cannot keep the file running. */
const receivers = new Set<{ close: () => void }>();
after(() => {
  for (const r of [...receivers]) r.close();
});

/** A full garbage collection, as pressure on a busy worker would bring. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A local receiver whose answer per request is scripted: a status, or 'hang'. */
function receiver(script: Array<number | 'hang'>) {
  const hits: Array<{ at: number; event: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ at: Date.now(), event: String(req.headers['x-veil-event']), body });
      const answer = script[hits.length - 1] ?? 200;
      if (answer === 'hang') return; // never answers: the sender must time out
      res.statusCode = answer;
      res.end();
    });
  });
  const r = {
    hits,
    server,
    url: async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
    },
    close: () => {
      receivers.delete(r);
      server.closeAllConnections();
      server.close();
    },
  };
  receivers.add(r);
  return r;
}

describe('webhook deliveries', () => {
  let h: Harness;
  let who: Principal;
  before(async () => {
    h = await startHarness({
      webhookAllowPrivate: true,
      webhookTimeoutMs: 300,
      webhookAttempts: 3,
    });
    h.queue.process('deliver-webhook', (p, ctx) => h.services.webhooks.deliver(p, ctx.signal), {
      concurrency: 2,
    });
    await h.queue.start();
    const key = await h.services.keys.create({ name: 'hooks', credits: 5 });
    who = { keyId: key.keyId, name: 'hooks' };
  });
  after(() => h.close());

  const newJob = async () =>
    (
      await h.services.jobs.createDirectUpload(who, {
        fileName: 'x.jpg',
        model: 'blur',
        modelConfig: {},
      })
    ).jobId;

  it('retries a failing callback with growing delays until it answers 2xx', async () => {
    const r = receiver([500, 503, 204]);
    const jobId = await newJob();
    await h.services.jobs.subscribe(who, jobId, await r.url());
    await h.services.webhooks.notify(jobId, 'failed');
    await until(async () => r.hits.length === 3);
    const gaps = [r.hits[1].at - r.hits[0].at, r.hits[2].at - r.hits[1].at];
    assert.ok(gaps[0] >= 95 && gaps[1] >= 195, `gaps ${gaps}`);
    assert.equal(JSON.parse(r.hits[2].body).job_id, jobId);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(r.hits.length, 3, 'no delivery after a success');
    r.close();
  });

  it('times out a callback that never answers and tries again', async () => {
    const r = receiver(['hang', 200]);
    const jobId = await newJob();
    await h.services.jobs.subscribe(who, jobId, await r.url());
    await h.services.webhooks.notify(jobId, 'completed');
    await until(async () => r.hits.length === 1);
    // Collected garbage must not take the timeout with it (an AbortSignal.timeout did).
    for (let i = 0; i < 3; i++) collectGarbage();
    await until(async () => r.hits.length === 2);
    const gap = r.hits[1].at - r.hits[0].at;
    assert.ok(gap >= 300, `second try ${gap} ms after the first (timeout 300 + backoff)`);
    r.close();
  });

  it('gives up after the configured number of attempts', async () => {
    const r = receiver([500, 500, 500, 500, 500]);
    const jobId = await newJob();
    await h.services.jobs.subscribe(who, jobId, await r.url());
    await h.services.webhooks.notify(jobId, 'failed');
    await until(async () => r.hits.length === 3);
    await new Promise((res) => setTimeout(res, 1200));
    assert.equal(r.hits.length, 3);
    r.close();
  });

  it('tells a late subscriber the state the job already reached', async () => {
    const r = receiver([]);
    const s = await h.services.jobs.createUploadSession(who, {
      fileName: 'late.jpg',
      fileSize: 1000,
      contentType: 'image/jpeg',
      model: 'blur',
      modelConfig: {},
    });
    await h.services.lifecycle.markUploaded(s.job_id, 1000);
    await h.services.lifecycle.recordInspection(s.job_id, 'image', [
      { name: 'late.jpg', kind: 'image' },
    ]);
    await h.services.jobs.subscribe(who, s.job_id, await r.url());
    await until(async () => r.hits.length === 1);
    assert.equal(r.hits[0].event, 'awaiting_approval');
    assert.equal(JSON.parse(r.hits[0].body).job_status, 2);
    r.close();
  });

  it('refuses private targets at subscription and at delivery unless allowed', async () => {
    const strict = createServices({
      config: { ...h.config, webhookAllowPrivate: false },
      db: h.db,
      store: h.blobs.store,
      queue: h.queue,
      log: quietLog,
    });
    const r = receiver([]);
    const url = await r.url();
    const jobId = await newJob();
    for (const target of [
      url,
      'http://localhost:1/x',
      'http://[::1]:1/x',
      'http://169.254.169.254/',
    ]) {
      await assert.rejects(strict.jobs.subscribe(who, jobId, target), (e) =>
        isVeilError(e, 'CALLBACK_NOT_ALLOWED'),
      );
    }
    // Stored while allowed, then delivered by a strict process: refused, not retried.
    await h.services.jobs.subscribe(who, jobId, url.replace('127.0.0.1', 'localhost'));
    const hook = await h.db.kysely
      .selectFrom('webhooks')
      .select('id')
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    await assert.rejects(
      strict.webhooks.deliver(
        { jobId, callbackId: hook.id, event: 'failed' },
        new AbortController().signal,
      ),
      (e) => e instanceof UnrecoverableJobError,
    );
    assert.equal(r.hits.length, 0);
    const other = await h.services.keys.create({ name: 'other', credits: 0 });
    await assert.rejects(
      h.services.jobs.subscribe({ keyId: other.keyId, name: 'other' }, jobId, url),
      (e) => isVeilError(e, 'JOB_NOT_FOUND'),
    );
    r.close();
  });
});
