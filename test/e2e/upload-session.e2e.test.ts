/**
 * Upload sessions as Azure SDK users and Syntonym's own Python client drive them, with a
 * webhook received by a local server.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { AnonymousCredential, AppendBlobClient, BlockBlobClient } from '@azure/storage-blob';
import sharp from 'sharp';
import { fixturePath, truth } from '../fixtures/images/fixtures.ts';
import { compareRegions, startE2E, startHookServer, type E2E } from './e2e-harness.ts';
import { root, run } from './kit.ts';

const MB = 1024 * 1024;

describe('upload sessions, end to end', () => {
  let e: E2E;
  let hooks: Awaited<ReturnType<typeof startHookServer>>;

  before(async () => {
    [e, hooks] = await Promise.all([startE2E(), startHookServer()]);
  });
  after(async () => {
    await e.stop();
    await hooks.close();
  });

  async function createSession(
    fileName: string,
    fileSize: number,
    extra: Record<string, unknown> = {},
    token?: string,
  ) {
    return e.createSession(
      fileName,
      fileSize,
      {
        content_type: 'application/octet-stream',
        model_config: { blur_face: true, enable_lp: true, blur_threshold: 0.5 },
        ...extra,
      },
      token,
    );
  }

  it('uploads in blocks with the Azure SDK, notifies the webhook, processes, delivers', async (t) => {
    // A key made with the CLI while Veil runs, as an operator would: it prints the secret.
    const { stdout } = await run(
      process.execPath,
      ['bin/veil.js', 'keys', 'create', '--credits', '5'],
      {
        cwd: root,
        env: { ...process.env, VEIL_DATA_DIR: e.config.dataDir },
      },
    );
    const token = stdout.split('\n')[0];
    const secret = /^webhook_secret: (\S+)$/m.exec(stdout)![1];
    const keyId = /^key_id: (\S+)$/m.exec(stdout)![1];
    const photo = fixturePath('astronaut.jpg')!;
    const size = (await stat(photo)).size;
    const session = await createSession('astronaut.jpg', size, {}, token);
    const jobId = session.job_id;
    const sub = await e.api(
      `/notify_on_job_status?job_id=${jobId}&callback_url=${encodeURIComponent(hooks.url)}`,
      { method: 'POST', token },
    );
    assert.equal(sub.status, 200);

    // Small blocks and no single-shot: Put Block x4 + Put Block List.
    const client = new BlockBlobClient(session.session_uri, new AnonymousCredential());
    await client.uploadFile(photo, { blockSize: 16 * 1024, maxSingleShotSize: 16 * 1024 });
    const blocks = await e.container.stat(`jobs/${jobId}/input/astronaut.jpg`);
    assert.equal(blocks?.size, size);

    const awaiting = await hooks.next(
      (h) => h.report.job_id === jobId && h.report.job_status === 2,
    );
    const hmac = createHmac('sha256', secret).update(awaiting.body).digest('hex');
    assert.equal(
      awaiting.headers['x-veil-signature'],
      `sha256=${hmac}`,
      'signed with the key secret',
    );
    assert.equal(awaiting.report.job_total_credit_cost, 1);
    assert.equal((await e.api(`/approve_job/${jobId}`, { method: 'POST', token })).status, 200);

    const ended = await hooks.next(
      (h) => h.report.job_id === jobId && h.report.job_status >= 5,
      45_000,
    );
    assert.equal(ended.report.job_status, 5, JSON.stringify(ended.report));
    const link = ended.report.tasks[0].download_link!;
    const balance = await run(process.execPath, ['bin/veil.js', 'keys', 'list'], {
      cwd: root,
      env: { ...process.env, VEIL_DATA_DIR: e.config.dataDir },
    });
    const row = balance.stdout.split('\n').find((line) => line.startsWith(`${keyId}\t`));
    assert.equal(row?.split('\t')[2], '4', 'the job cost 1 of 5 credits, charged once');
    const output = Buffer.from(await (await fetch(link)).arrayBuffer());
    const diff = await compareRegions(
      await readFile(photo),
      output,
      truth('astronaut.jpg').faces.map((f) => f.box),
      24,
    );
    t.diagnostic(
      `mean abs diff on the face ${diff.perBox[0].toFixed(1)}, elsewhere ${diff.outside.toFixed(2)}`,
    );
    assert.ok(diff.perBox[0] > 8, `face changed (mean diff ${diff.perBox[0].toFixed(1)})`);
    assert.ok(diff.outside < 3, `rest nearly untouched (${diff.outside.toFixed(2)})`);
  });

  it('accepts a single Put Blob', async () => {
    const data = await readFile(fixturePath('group-5-faces.jpg')!);
    const session = await createSession('group.jpg', data.length);
    await new BlockBlobClient(session.session_uri, new AnonymousCredential()).upload(
      data,
      data.length,
    );
    const report = await e.waitFor(session.job_id, [2, 6]);
    assert.equal(report.job_status, 2, report.job_status_description);
  });

  it("works with Syntonym's Python client sequence (4 MB blocks, base64 index ids), via plain fetch", async () => {
    // A real PNG over 4 MB: random pixels do not compress.
    const { data: noise } = { data: Buffer.alloc(1400 * 1100 * 3).map(() => Math.random() * 256) };
    const png = await sharp(noise, { raw: { width: 1400, height: 1100, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    assert.ok(png.length > 4 * MB);
    const session = await createSession('noise.png', png.length, { content_type: 'octet-stream' });
    const ids: string[] = [];
    for (let i = 0, offset = 0; offset < png.length; i++, offset += 4 * MB) {
      const id = Buffer.alloc(4);
      id.writeUInt32BE(i);
      ids.push(id.toString('base64'));
      const put = await fetch(
        `${session.session_uri}&comp=block&blockid=${encodeURIComponent(ids[i])}`,
        { method: 'PUT', body: png.subarray(offset, offset + 4 * MB) },
      );
      assert.equal(put.status, 201, `Put Block ${i}`);
    }
    assert.equal(ids.length, 2);
    const xml = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids
      .map((id) => `<Latest>${id}</Latest>`)
      .join('')}</BlockList>`;
    const commit = await fetch(`${session.session_uri}&comp=blocklist`, {
      method: 'PUT',
      body: xml,
    });
    assert.equal(commit.status, 201);
    const report = await e.waitFor(session.job_id, [2, 6]);
    assert.equal(report.job_status, 2, report.job_status_description);
    const stored = await e.container.getStream(`jobs/${session.job_id}/input/noise.png`);
    const chunks: Buffer[] = [];
    for await (const c of stored) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(png));
  });

  it('fails a job uploaded as an AppendBlob, and one whose size differs from file_size', async () => {
    const append = await createSession('append.jpg', 5000);
    const client = new AppendBlobClient(append.session_uri, new AnonymousCredential());
    await client.create();
    await client.appendBlock(Buffer.alloc(5000), 5000);
    const refused = await e.waitFor(append.job_id, [6]);
    assert.match(refused.job_status_description, /BlockBlob/);

    const data = await readFile(fixturePath('astronaut.jpg')!);
    const wrong = await createSession('wrong.jpg', data.length + 1);
    await new BlockBlobClient(wrong.session_uri, new AnonymousCredential()).upload(
      data,
      data.length,
    );
    const failed = await e.waitFor(wrong.job_id, [6]);
    assert.match(failed.job_status_description, /file_size/);
    assert.equal(failed.job_total_credit_cost, 0);
  });
});
