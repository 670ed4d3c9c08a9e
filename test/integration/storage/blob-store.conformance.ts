/**
 * One conformance suite for every BlobStore adapter. SAS URLs are exercised with the same
 * Azure SDK clients users upload with, so a passing adapter works for real clients.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  AnonymousCredential,
  AppendBlobClient,
  BlockBlobClient,
  RestError,
} from '@azure/storage-blob';
import type { BlobStore } from '../../../src/storage/index.ts';

export interface ConformanceTarget {
  store: BlobStore;
  stop(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function inHours(h: number): Date {
  return new Date(Date.now() + h * 3600_000);
}

async function refusedWith(promise: Promise<unknown>, status: number) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RestError, `expected a RestError, got ${String(err)}`);
    assert.equal(err.statusCode, status);
    return true;
  });
}

export function runBlobStoreConformance(name: string, open: () => Promise<ConformanceTarget>) {
  describe(`BlobStore conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let sut: BlobStore;
    let scratch: string;
    // Every test works under its own prefix so suites can share one container.
    const base = `conformance-${randomUUID()}`;

    before(async () => {
      target = await open();
      sut = target.store;
      await sut.ensureReady();
      scratch = await mkdtemp(path.join(tmpdir(), 'veil-blob-'));
    });
    after(async () => {
      await sut.deletePrefix(base);
      await target.stop();
      await rm(scratch, { recursive: true, force: true });
    });

    it('puts a buffer and a stream and reads both back with their properties', async () => {
      const data = randomBytes(300_000);
      await sut.put(`${base}/a/buf.bin`, data, { contentType: 'application/x-test' });
      await sut.put(
        `${base}/a/stream.bin`,
        Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
      );
      assert.deepEqual(await readAll(await sut.getStream(`${base}/a/buf.bin`)), data);
      assert.deepEqual(await readAll(await sut.getStream(`${base}/a/stream.bin`)), data);
      const props = await sut.stat(`${base}/a/buf.bin`);
      assert.equal(props?.size, data.length);
      assert.equal(props?.blobType, 'BlockBlob');
      assert.equal(props?.contentType, 'application/x-test');
      assert.ok(props!.lastModified.getTime() > Date.now() - 3600_000);
    });

    it('uploads and downloads files', async () => {
      const data = randomBytes(123_457);
      const src = path.join(scratch, 'in.bin');
      const dst = path.join(scratch, 'out.bin');
      await writeFile(src, data);
      await sut.putFile(`${base}/file/x.bin`, src);
      await sut.downloadToFile(`${base}/file/x.bin`, dst);
      assert.deepEqual(await readFile(dst), data);
    });

    it('reports a missing blob as null and deletes idempotently', async () => {
      assert.equal(await sut.stat(`${base}/missing`), null);
      await sut.put(`${base}/del/one`, Buffer.from('x'));
      assert.equal(await sut.delete(`${base}/del/one`), true);
      assert.equal(await sut.delete(`${base}/del/one`), false);
      assert.equal(await sut.stat(`${base}/del/one`), null);
    });

    it('lists and deletes by prefix without touching neighbours', async () => {
      for (const key of ['p/1', 'p/2', 'p/sub/3', 'q/1']) {
        await sut.put(`${base}/${key}`, Buffer.from(key));
      }
      assert.deepEqual((await sut.list(`${base}/p/`)).sort(), [
        `${base}/p/1`,
        `${base}/p/2`,
        `${base}/p/sub/3`,
      ]);
      assert.equal(await sut.deletePrefix(`${base}/p/`), 3);
      assert.deepEqual(await sut.list(`${base}/p/`), []);
      assert.deepEqual(await sut.list(`${base}/q/`), [`${base}/q/1`]);
    });

    it('accepts Put Block + Put Block List through an upload SAS, visible only once committed', async () => {
      const key = `${base}/sas/blocks.bin`;
      const url = await sut.signedUrl(key, 'upload', inHours(1));
      const client = new BlockBlobClient(url);
      const data = randomBytes(3 * 1024 * 1024 + 17);
      const ids = [0, 1, 2, 3].map((i) => Buffer.alloc(4, i).toString('base64'));
      for (const [i, id] of ids.entries()) {
        const part = data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024);
        await client.stageBlock(id, part, part.length);
      }
      assert.equal(await sut.stat(key), null, 'uncommitted blocks must not look like a blob');
      await client.commitBlockList(ids);
      const props = await sut.stat(key);
      assert.equal(props?.size, data.length);
      assert.equal(props?.blobType, 'BlockBlob');
      assert.deepEqual(await readAll(await sut.getStream(key)), data);
    });

    it('scopes an upload SAS to one blob and lets it neither read nor list', async () => {
      const key = `${base}/sas/scoped.bin`;
      const url = await sut.signedUrl(key, 'upload', inHours(1));
      await new BlockBlobClient(url).upload('hello', 5);
      const other = url.replace('scoped.bin', 'other.bin');
      await refusedWith(new BlockBlobClient(other).upload('x', 1), 403);
      await refusedWith(new BlockBlobClient(url).download(), 403);
    });

    it('shows an AppendBlob created through an upload SAS as such', async () => {
      const key = `${base}/sas/append.bin`;
      const url = await sut.signedUrl(key, 'upload', inHours(1));
      const client = new AppendBlobClient(url, new AnonymousCredential());
      await client.create();
      await client.appendBlock('abc', 3);
      const props = await sut.stat(key);
      assert.equal(props?.blobType, 'AppendBlob');
      assert.equal(props?.size, 3);
    });

    it('serves a read SAS that downloads with a file name and refuses writes', async () => {
      const key = `${base}/sas/read.bin`;
      const data = randomBytes(5000);
      await sut.put(key, data);
      const url = await sut.signedUrl(key, 'read', inHours(1), { downloadName: 'photo été.jpg' });
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
      assert.match(
        res.headers.get('content-disposition') ?? '',
        /attachment; filename\*=UTF-8''photo%20%C3%A9t%C3%A9\.jpg/,
      );
      await refusedWith(new BlockBlobClient(url).upload('overwrite', 9), 403);
      await refusedWith(new BlockBlobClient(url).delete(), 403);
      assert.deepEqual(await readAll(await sut.getStream(key)), data);
    });

    it('refuses an expired SAS', async () => {
      const key = `${base}/sas/expired.bin`;
      await sut.put(key, Buffer.from('data'));
      const readUrl = await sut.signedUrl(key, 'read', new Date(Date.now() - 60_000));
      assert.equal((await fetch(readUrl)).status, 403);
      const uploadUrl = await sut.signedUrl(
        `${base}/sas/late.bin`,
        'upload',
        new Date(Date.now() - 60_000),
      );
      await refusedWith(new BlockBlobClient(uploadUrl).upload('x', 1), 403);
      assert.equal(await sut.stat(`${base}/sas/late.bin`), null);
    });

    it('answers ping', async () => {
      await sut.ping();
    });
  });
}
