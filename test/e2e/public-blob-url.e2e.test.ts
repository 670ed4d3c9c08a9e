/**
 * VEIL_PUBLIC_BLOB_URL over real HTTP: the embedded Azurite listens on 127.0.0.1 only, and a
 * TCP forwarder on 127.0.0.2 stands for the address clients on other machines reach. With
 * the public URL http://veil.example:<port>/devstoreaccount1 (curl --resolve maps the name to
 * the forwarder), the 307 of a direct upload, a session_uri and a download link all carry
 * that base, their signatures hold, and every client byte goes through the forwarder.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { fixturePath } from '../fixtures/images/fixtures.ts';
import { startE2E, type E2E } from './e2e-harness.ts';
import { curlUpload, run } from './kit.ts';

const PUBLIC_HOST = 'veil.example';

/** Forwards 127.0.0.2:<port> to 127.0.0.1:<target>, counting the bytes clients send. */
async function startForwarder() {
  const state = { target: 0, bytesIn: 0, connections: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    const upstream = net.connect(state.target, '127.0.0.1');
    client.on('data', (c: Buffer) => (state.bytesIn += c.length));
    client.pipe(upstream).pipe(client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { state, port, close: () => new Promise((r) => server.close(r)) };
}

describe('SAS URLs on a public blob URL (VEIL_PUBLIC_BLOB_URL)', () => {
  let e: E2E;
  let forwarder: Awaited<ReturnType<typeof startForwarder>>;
  let publicBase: string;
  let resolve: string[];
  let dir: string;

  before(async () => {
    forwarder = await startForwarder();
    publicBase = `http://${PUBLIC_HOST}:${forwarder.port}/devstoreaccount1`;
    resolve = ['--resolve', `${PUBLIC_HOST}:${forwarder.port}:127.0.0.2`];
    e = await startE2E({ publicBlobUrl: publicBase });
    const internal = new URL(e.veil.blobEndpoint);
    assert.equal(internal.hostname, '127.0.0.1', 'Veil itself talks to Azurite on loopback');
    forwarder.state.target = Number(internal.port);
    dir = await mkdtemp(path.join(tmpdir(), 'veil-public-'));
  });
  after(async () => {
    await e?.stop();
    await forwarder?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** curl through the public name; returns the HTTP status (and writes the body to `out`). */
  const curl = async (args: string[], out = '/dev/null') => {
    const { stdout } = await run('curl', [
      '-sS',
      ...resolve,
      '-o',
      out,
      '-w',
      '%{http_code}',
      ...args,
    ]);
    return Number(stdout);
  };

  it('direct upload, upload session and download links all go through the public URL', async () => {
    const photo = fixturePath('astronaut.jpg')!;
    const bytes = (await readFile(photo)).length;

    const direct = await curlUpload(e.veil.url, e.key, photo, 'direct.jpg?model=blur', resolve);
    const location = /^location: (\S+)\r?$/im.exec(direct.headers)?.[1];
    assert.ok(location?.startsWith(`${publicBase}/veil/jobs/${direct.jobId}/`), location);
    assert.match(direct.headers, /^HTTP\/1\.1 201/m, 'Azurite took the upload via the public URL');
    assert.ok(forwarder.state.bytesIn >= bytes, 'the bytes went through the public address');

    const session = await e.createSession('session.jpg', bytes);
    assert.ok(session.session_uri.startsWith(`${publicBase}/veil/jobs/${session.job_id}/`));
    const put = ['-X', 'PUT', '-T', photo, '-H', 'x-ms-blob-type: BlockBlob', session.session_uri];
    assert.equal(await curl(put), 201);
    assert.ok(forwarder.state.bytesIn >= 2 * bytes);

    for (const jobId of [direct.jobId, session.job_id]) {
      const costed = await e.waitFor(jobId, [2, 6]);
      assert.equal(costed.job_status, 2, costed.job_status_description);
      assert.equal((await e.api(`/approve_job/${jobId}`, { method: 'POST' })).status, 200);
      const done = await e.waitFor(jobId, [5, 6], 45_000);
      assert.equal(done.job_status, 5, JSON.stringify(done.tasks));
      const link = done.tasks[0].download_link!;
      assert.ok(link.startsWith(`${publicBase}/veil/jobs/${jobId}/`), link);
      const file = path.join(dir, `${jobId}.jpg`);
      const before = forwarder.state.connections;
      assert.equal(await curl([link], file), 200);
      assert.ok(forwarder.state.connections > before, 'downloaded through the public address');
      const meta = await sharp(file).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 512, 512]);
      // The signature still binds the link to its blob: another blob's path is refused.
      const other = link.replace(/\/output\/[^?]+/, '/output/other.jpg');
      assert.equal(await curl([other]), 403);
    }
  });
});
