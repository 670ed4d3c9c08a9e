/**
 * `veil serve` as a user runs it: first start prints the demo key and a curl example; SIGTERM
 * stops everything (Azurite included); a restart keeps keys, jobs and blobs.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AzureBlobStore } from '../../src/storage/azure-blob.store.ts';
import { azuriteConnectionString } from '../../src/storage/azurite.runtime.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-serve-'));
after(() => rm(dataDir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

async function serve(port: number, azuritePort: number) {
  const args = ['bin/veil.js', 'serve', '--port', String(port)];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      VEIL_DATA_DIR: dataDir,
      VEIL_AZURITE_PORT: String(azuritePort),
      VEIL_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The garbage upload fails inspection; its input must survive for the restart check.
      VEIL_DELETE_INPUTS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in 45 s:\n${out}`)), 45_000);
    const check = () => {
      if (/^ {2}curl -H .*get_job_result/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  return { child, output: () => out };
}

async function stopWith(child: ChildProcess, signal: NodeJS.Signals) {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill(signal);
  return exited;
}

it('prints the demo key, stops cleanly on SIGTERM, and keeps everything across a restart', async () => {
  const [port, azuritePort] = [await freePort(), await freePort()];
  const first = await serve(port, azuritePort);
  const url = `http://127.0.0.1:${port}`;
  const key = /^access_token: (\S+)$/m.exec(first.output())?.[1];
  assert.ok(key, first.output());
  assert.ok(first.output().includes(`-H 'access_token: ${key}'`), 'ready-to-paste curl example');
  assert.ok(first.output().includes(`${url}/docs`));
  assert.equal(((await stat(path.join(dataDir, 'demo-key.txt'))).mode & 0o777).toString(8), '600');

  const session = await fetch(`${url}/create_upload_session`, {
    method: 'POST',
    headers: { access_token: key, 'content-type': 'application/json' },
    body: JSON.stringify({ file_name: 'a.jpg', file_size: 1000, model: 'blur', model_config: {} }),
  });
  const { job_id, session_uri } = (await session.json()) as { job_id: string; session_uri: string };
  const put = await fetch(session_uri, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob' },
    body: Buffer.alloc(1000, 1),
  });
  assert.equal(put.status, 201);

  assert.equal(await stopWith(first.child, 'SIGTERM'), 0);
  assert.equal(await canConnect(port), false, 'API closed');
  assert.equal(await canConnect(azuritePort), false, 'Azurite stopped');

  const second = await serve(port, azuritePort);
  try {
    assert.ok(second.output().includes(`access_token: ${key}`), 'the demo key is shown again');
    const report = await fetch(`${url}/get_job_result/${job_id}`, {
      headers: { access_token: key },
    });
    assert.equal(report.status, 200, 'key and job survived');
    const blobs = new AzureBlobStore(
      azuriteConnectionString(`http://127.0.0.1:${azuritePort}/devstoreaccount1`),
      'veil',
    );
    assert.equal((await blobs.stat(`jobs/${job_id}/input/a.jpg`))?.size, 1000, 'blob survived');
  } finally {
    assert.equal(await stopWith(second.child, 'SIGINT'), 0);
  }
});
