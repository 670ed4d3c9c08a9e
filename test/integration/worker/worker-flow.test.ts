/**
 * The whole service side of a job on real parts: Azurite, a SQLite file, the database queue,
 * the real engine on real photos, and a local webhook receiver.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import yazl from 'yazl';
import type { Principal } from '../../../src/services/index.ts';
import { startWorker } from '../../../src/worker/index.ts';
import { fixturePath, truth } from '../../fixtures/images/fixtures.ts';
import { regionChange } from '../image/region-change.ts';
import { quietLog, startHarness, until, type Harness } from '../services/harness.ts';

const group = fixturePath('group-3-faces.jpg')!;
const astronaut = fixturePath('astronaut.jpg')!;

interface Received {
  event: string;
  signature: string;
  body: string;
}

async function upload(url: string, data: Buffer) {
  const res = await fetch(url, {
    method: 'PUT',
    body: new Uint8Array(data),
    headers: { 'x-ms-blob-type': 'BlockBlob' },
  });
  assert.equal(res.status, 201);
}

async function zipEntries(data: Buffer): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: false }, (err, z) => (err ? reject(err) : resolve(z!))),
  );
  const names: string[] = [];
  zip.on('entry', (e: yauzl.Entry) => names.push(e.fileName));
  await new Promise((r) => zip.on('end', r));
  return names.sort();
}

describe('worker: upload to download on real parts', () => {
  let h: Harness;
  let worker: { stop(graceMs?: number): Promise<void> };
  let who: Principal;
  let secret: string;
  let hookUrl: string;
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        event: String(req.headers['x-veil-event']),
        signature: String(req.headers['x-veil-signature']),
        body: Buffer.concat(chunks).toString(),
      });
      res.end('ok');
    });
  });

  before(async () => {
    h = await startHarness({ webhookAllowPrivate: true });
    worker = await startWorker({
      ...h,
      store: h.blobs.store,
      log: quietLog,
      housekeepingMs: 3_600_000,
    });
    const key = await h.services.keys.create({ name: 'flow', credits: 10 });
    who = { keyId: key.keyId, name: 'flow' };
    secret = key.webhookSecret;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await worker.stop(1000);
    server.close();
    await h.close();
  });

  const status = async (jobId: string) => (await h.services.jobs.report(who, jobId)).job_status;

  it('anonymizes an uploaded photo after approval, charges once and signs its webhooks', async () => {
    const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
      fileName: 'group.jpg',
      model: 'blur',
      modelConfig: { enable_lp: true, detections: true },
    });
    await h.services.jobs.subscribe(who, jobId, hookUrl);
    await upload(uploadUrl, await readFile(group));
    await until(async () => (await status(jobId)) === 2);
    const waiting = await h.services.jobs.report(who, jobId);
    assert.equal(waiting.job_total_credit_cost, 1);
    assert.deepEqual(
      waiting.tasks.map((t) => [t.file_name, t.kind, t.status, t.width, t.height]),
      [['group.jpg', 'image', 'pending', 1920, 1280]],
    );
    await until(async () => received.some((r) => r.event === 'awaiting_approval'));

    assert.equal(await h.services.jobs.approve(who, jobId), 'approved');
    await until(async () => (await status(jobId)) === 5, 60_000);
    const done = await h.services.jobs.report(who, jobId);
    const task = done.tasks[0];
    assert.equal(task.status, 'completed');
    assert.ok((task.faces ?? 0) >= 3, `faces ${task.faces}`);
    assert.match(task.download_link!, /sp=r&/);

    const res = await fetch(task.download_link!);
    assert.equal(res.status, 200);
    const out = path.join(h.dataDir, 'downloaded.jpg');
    await writeFile(out, Buffer.from(await res.arrayBuffer()));
    const change = await regionChange(
      group,
      out,
      truth('group-3-faces.jpg').faces.map((f) => f.box),
    );
    for (const c of change.inside) assert.ok(c.meanAbsDiff > 8, `face changed by ${c.meanAbsDiff}`);
    assert.ok(change.outside.meanAbsDiff < 1.5, `outside changed by ${change.outside.meanAbsDiff}`);
    const detections = await (await fetch(task.detections_link!)).json();
    assert.equal(detections.frames[0].objects.length, (task.faces ?? 0) + (task.plates ?? 0));

    assert.equal(await h.services.keys.balance(who.keyId), 9, 'one credit charged');
    // A stray second run of the same job changes nothing.
    await h.queue.add('process-job', { jobId });
    await until(async () => (await h.queue.stats()).waiting === 0);
    assert.equal(await h.services.keys.balance(who.keyId), 9, 'charged exactly once');

    await until(async () => received.some((r) => r.event === 'completed'));
    for (const r of received) {
      const expected = `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
      assert.equal(r.signature, expected, 'signed with the key secret');
      assert.equal(JSON.parse(r.body).job_id, jobId);
    }
    const completed = JSON.parse(received.find((r) => r.event === 'completed')!.body);
    assert.equal(completed.job_status, 5);

    await h.services.jobs.delete(who, jobId);
    assert.deepEqual(await h.blobs.store.list(`jobs/${jobId}/`), []);
    assert.equal(await h.services.lifecycle.get(jobId), undefined);
  });

  it('processes each archive member as a task, fails bad members alone, zips the outputs', async () => {
    const zipPath = path.join(h.dataDir, 'set.zip');
    const zip = new yazl.ZipFile();
    zip.addFile(group, 'group.jpg');
    zip.addFile(astronaut, 'astronaut.jpg');
    zip.addBuffer(await readFile(astronaut), 'nested/inner.jpg');
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(zipPath));
    const data = await readFile(zipPath);

    const session = await h.services.jobs.createUploadSession(who, {
      fileName: 'set.zip',
      fileSize: data.length,
      contentType: 'application/zip',
      model: 'blur',
      modelConfig: {},
    });
    await upload(session.session_uri, data);
    await until(async () => (await status(session.job_id)) === 2);
    const before = await h.services.jobs.report(who, session.job_id);
    assert.equal(before.job_total_credit_cost, 2, 'only the two usable photos are priced');
    assert.equal(await h.services.jobs.approve(who, session.job_id), 'approved');
    await until(async () => (await status(session.job_id)) === 5, 60_000);

    const report = await h.services.jobs.report(who, session.job_id);
    const byName = Object.fromEntries(report.tasks.map((t) => [t.file_name, t]));
    assert.equal(byName['group.jpg'].status, 'completed');
    assert.equal(byName['astronaut.jpg'].status, 'completed');
    const nested = report.tasks.find((t) => t.file_name.includes('inner'))!;
    assert.equal(nested.status, 'failed');
    assert.ok(nested.error && nested.error.length > 5, `error text: ${nested.error}`);
    const zipRes = await fetch(report.archive_download_link!);
    assert.equal(zipRes.status, 200);
    assert.deepEqual(await zipEntries(Buffer.from(await zipRes.arrayBuffer())), [
      'astronaut.jpg',
      'group.jpg',
    ]);
    assert.equal(await h.services.keys.balance(who.keyId), 7);
  });

  it('fails an upload with an unsupported extension, saying so', async () => {
    const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
      fileName: 'notes.txt',
      model: 'blur',
      modelConfig: {},
    });
    await upload(uploadUrl, Buffer.from('hello'.repeat(300)));
    await until(async () => (await status(jobId)) === 6);
    const report = await h.services.jobs.report(who, jobId);
    assert.match(report.job_status_description, /^failed: .*(unsupported|\.txt)/i);
    assert.deepEqual(report.tasks, []);
  });

  it('fails a file that is not what its extension says, with the reason and no charge', async () => {
    const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
      fileName: 'fake.jpg',
      model: 'blur',
      modelConfig: {},
    });
    await upload(uploadUrl, Buffer.from('this is plain text, not a JPEG at all'.repeat(40)));
    await until(async () => (await status(jobId)) === 6);
    const report = await h.services.jobs.report(who, jobId);
    assert.match(report.job_status_description, /^failed: ./);
    assert.equal(await h.services.keys.balance(who.keyId), 7);
  });

  it('cancels a job waiting for approval: it cannot be approved after, nothing is charged', async () => {
    const { jobId, uploadUrl } = await h.services.jobs.createDirectUpload(who, {
      fileName: 'a.jpg',
      model: 'blur',
      modelConfig: {},
    });
    await upload(uploadUrl, await readFile(astronaut));
    await until(async () => (await status(jobId)) === 2);
    const cancelled = await h.services.jobs.cancel(who, jobId);
    assert.equal(cancelled.job_status, 8);
    assert.deepEqual(
      cancelled.tasks.map((t) => t.status),
      ['cancelled'],
    );
    await assert.rejects(h.services.jobs.approve(who, jobId), /cancelled/);
    await assert.rejects(h.services.jobs.cancel(who, jobId), /no longer|cancelled/i);
    assert.equal(await h.services.keys.available(who.keyId), 7);
  });
});
