/**
 * Crash safety: Veil is SIGKILLed while it processes a video; after a restart on the same data
 * the job completes, the credits are charged once, and the embedded Azurite did not outlive
 * the killed process.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ffmpegPaths } from '../../src/media/ffmpeg.runtime.ts';
import type { JobReport } from '../../src/services/types.ts';
import { fixturePath } from '../fixtures/images/fixtures.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-crash-'));
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

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

async function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/veil-process.ts'], {
    cwd: root,
    env: { ...process.env, ...env, VEIL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`Veil exited ${code}`)));
  });
  return { child, ...(JSON.parse(line) as { url: string; demoKey: string | null }) };
}

async function report(url: string, key: string, jobId: string): Promise<JobReport> {
  const res = await fetch(`${url}/get_job_result/${jobId}`, { headers: { access_token: key } });
  assert.equal(res.status, 200);
  return (await res.json()) as JobReport;
}

async function until(url: string, key: string, jobId: string, ok: (r: JobReport) => boolean) {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const r = await report(url, key, jobId);
    if (ok(r)) return r;
    assert.ok(Date.now() < deadline, `job stuck at ${r.job_status_description}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('finishes a job whose process was killed mid-video, charging it once', async () => {
  const env = { PORT: String(await freePort()), VEIL_AZURITE_PORT: String(await freePort()) };
  const clip = path.join(dataDir, 'clip.mp4');
  await run(ffmpegPaths().ffmpeg, [
    '-v',
    'error',
    '-loop',
    '1',
    '-i',
    fixturePath('astronaut.jpg')!,
    '-t',
    '6',
    '-r',
    '10',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-y',
    clip,
  ]);

  const first = await startChild(env);
  const key = first.demoKey!;
  assert.ok(key);
  const { stdout } = await run('curl', [
    '-sS',
    '-L',
    '-T',
    clip,
    '-H',
    'x-ms-blob-type: BlockBlob',
    '-H',
    `access_token: ${key}`,
    '-D',
    '-',
    '-o',
    '/dev/null',
    `${first.url}/direct_upload/clip.mp4?model=blur`,
  ]);
  const jobId = /^job_id: (\S+)\r?$/m.exec(stdout)![1];
  const waiting = await until(first.url, key, jobId, (r) => r.job_status >= 2);
  assert.equal(waiting.job_total_credit_cost, 6);
  const approve = await fetch(`${first.url}/approve_job/${jobId}`, {
    method: 'POST',
    headers: { access_token: key },
  });
  assert.equal(approve.status, 200);
  const midway = await until(first.url, key, jobId, (r) => r.job_status === 4 || r.job_status >= 5);
  assert.equal(midway.job_status, 4, 'killed while processing');

  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const azuritePort = Number(env.VEIL_AZURITE_PORT);
  for (let i = 0; i < 50 && (await canConnect(azuritePort)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(await canConnect(azuritePort), false, 'Azurite went down with its parent');

  const second = await startChild(env);
  assert.equal(second.demoKey, null, 'the demo key is not created twice');
  const done = await until(second.url, key, jobId, (r) => r.job_status >= 5);
  assert.equal(done.job_status, 5, JSON.stringify(done.tasks));
  assert.equal(done.tasks[0].status, 'completed');
  const video = await fetch(done.tasks[0].download_link!);
  assert.equal(video.status, 200);

  const credits = await fetch(`${second.url}/credits`, { headers: { access_token: key } });
  const { balance } = (await credits.json()) as { balance: number };
  assert.equal(balance, 994, '1000 demo credits minus 6 seconds, once');
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
});
