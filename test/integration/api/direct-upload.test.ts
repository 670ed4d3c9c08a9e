import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { call, startApiHarness, type ApiHarness } from './api-harness.ts';

const run = promisify(execFile);
const MB = 1024 * 1024;

describe('direct upload', () => {
  let h: ApiHarness;
  let key: string;
  let dir: string;
  let bigFile: string;
  let big: Buffer;

  before(async () => {
    h = await startApiHarness();
    key = await h.newKey();
    dir = await mkdtemp(path.join(tmpdir(), 'veil-curl-'));
    big = randomBytes(50 * MB);
    bigFile = path.join(dir, 'big.mp4');
    await writeFile(bigFile, big);
  });
  after(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function curlUpload(url: string, extra: string[] = []) {
    const args = ['-sS', '-L', '-T', bigFile, '-H', 'x-ms-blob-type: BlockBlob'];
    args.push('-H', `access_token: ${key}`, '-D', '-', '-o', '/dev/null', ...extra, url);
    const { stdout } = await run('curl', args, { maxBuffer: 10 * MB });
    return stdout;
  }

  async function inputOf(jobId: string) {
    const [blobKey] = await h.blobs.store.list(`jobs/${jobId}/input/`);
    return { blobKey, props: blobKey ? await h.blobs.store.stat(blobKey) : null };
  }

  it('redirects a 50 MB curl upload to blob storage; the API receives ~0 bytes of it', async (t) => {
    const before = h.bytesReceived();
    const headers = await curlUpload(
      `${h.base}/direct_upload/big.mp4?model=blur&enable_lp=True&blur_threshold=0.5`,
    );
    const toApi = h.bytesReceived() - before;
    assert.match(headers, /^HTTP\/1\.1 307/m);
    assert.match(headers, /^HTTP\/1\.1 201/m, 'blob storage accepted the re-sent body');
    const jobId = /^job_id: ([0-9a-f-]{36})\r?$/m.exec(headers)?.[1];
    assert.ok(jobId, 'job_id header');
    assert.ok(toApi < 4096, `API received ${toApi} bytes`);
    t.diagnostic(`API received ${toApi} bytes (headers only) of a ${big.length}-byte upload`);
    const { blobKey, props } = await inputOf(jobId);
    assert.equal(blobKey, `jobs/${jobId}/input/big.mp4`);
    assert.equal(props?.size, big.length);
    assert.equal(props?.blobType, 'BlockBlob');
    const stored = await h.blobs.store.getStream(blobKey);
    const chunks: Buffer[] = [];
    for await (const c of stored) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(big), 'content intact');
  });

  it('works for a client that sends the body without Expect (body drained, not kept)', async () => {
    const headers = await curlUpload(`${h.base}/v1/direct_upload/big.mp4?model=syn`, [
      '-H',
      'Expect:',
    ]);
    assert.match(headers, /^HTTP\/1\.1 307/m);
    assert.match(headers, /^HTTP\/1\.1 201/m);
    const jobId = /^job_id: (\S+)\r?$/m.exec(headers)![1];
    assert.equal((await inputOf(jobId)).props?.size, big.length);
  });

  it('answers 307 with Location, job_id and the Syntonym body; the SAS is upload-only', async () => {
    const res = await call(h.base, key, '/direct_upload/photo.jpg?model=blur&slicing=False', {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    });
    assert.equal(res.status, 307);
    const location = res.headers.get('location')!;
    const jobId = res.headers.get('job_id')!;
    const body = (await res.json()) as { url: string; status_code: number; headers: object };
    assert.deepEqual(body, {
      url: location,
      status_code: 307,
      headers: { location, job_id: jobId },
    });
    const sas = new URL(location);
    assert.equal(sas.searchParams.get('sp'), 'cw');
    assert.ok(sas.pathname.endsWith(`/jobs/${jobId}/input/photo.jpg`));
    const expiry = Date.parse(sas.searchParams.get('se')!);
    const week = 7 * 24 * 3600_000;
    assert.ok(Math.abs(expiry - Date.now() - week) < 120_000, 'expires in 7 days');
    assert.equal((await fetch(location)).status, 403, 'cannot read through the upload SAS');
  });

  it('keeps a file name with spaces and accents through the redirect', async () => {
    const small = path.join(dir, 'small.jpg');
    await writeFile(small, big.subarray(0, 5000));
    const { stdout } = await run('curl', [
      '-sS',
      '-L',
      '-T',
      small,
      '-H',
      'x-ms-blob-type: BlockBlob',
      '-H',
      `access_token: ${key}`,
      '-D',
      '-',
      '-o',
      '/dev/null',
      `${h.base}/direct_upload/${encodeURIComponent('my photo été.jpg')}?model=blur`,
    ]);
    assert.match(stdout, /^HTTP\/1\.1 201/m);
    const jobId = /^job_id: (\S+)\r?$/m.exec(stdout)![1];
    const { blobKey, props } = await inputOf(jobId);
    assert.equal(blobKey, `jobs/${jobId}/input/my photo été.jpg`);
    assert.equal(props?.size, 5000);
  });

  it('refuses a missing or non-BlockBlob x-ms-blob-type with 400', async () => {
    for (const headers of [{}, { 'x-ms-blob-type': 'AppendBlob' }] as Array<
      Record<string, string>
    >) {
      const res = await call(h.base, key, '/direct_upload/photo.jpg?model=blur', {
        method: 'POST',
        headers,
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { detail: string }).detail, /x-ms-blob-type/);
    }
  });

  it('validates model parameters in the query, naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['model=blur&blur_threshold=1.5', 'blur_threshold'],
      ['model=blur&enable_lp=maybe', 'enable_lp'],
      ['model=other', 'model'],
      ['enable_lp=True', 'model'],
    ];
    for (const [query, field] of cases) {
      const res = await call(h.base, key, `/direct_upload/photo.jpg?${query}`, {
        method: 'PUT',
        headers: { 'x-ms-blob-type': 'BlockBlob' },
      });
      assert.equal(res.status, 422, query);
      const { detail } = (await res.json()) as { detail: Array<{ loc: string[] }> };
      assert.deepEqual(detail[0].loc, ['query', field], query);
    }
  });

  it('refuses an unknown key with 401 before reading anything', async () => {
    const before = h.bytesReceived();
    const { stdout } = await run('curl', [
      '-sS',
      '-T',
      bigFile,
      '-H',
      'x-ms-blob-type: BlockBlob',
      '-H',
      'access_token: nope',
      '-w',
      '%{http_code}',
      '-o',
      '/dev/null',
      `${h.base}/direct_upload/big.mp4?model=blur`,
    ]);
    assert.equal(stdout, '401');
    assert.ok(h.bytesReceived() - before < 4096);
  });
});
