/**
 * Graceful shutdown of `veil serve`: SIGTERM while a video is processed stops the process
 * within VEIL_SHUTDOWN_GRACE_MS (plus teardown), the task goes back to the queue, and after a
 * restart on the same data the job completes exactly once (one "job processed", one charge).
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
const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-sigterm-'));
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function serve(port: number, azuritePort: number) {
  const child = spawn(process.execPath, ['bin/veil.js', 'serve', '--port', String(port)], {
    cwd: root,
    env: {
      ...process.env,
      VEIL_DATA_DIR: dataDir,
      VEIL_AZURITE_PORT: String(azuritePort),
      VEIL_HOST: '127.0.0.1',
      VEIL_UPLOAD_POLL_MS: '100',
      VEIL_SHUTDOWN_GRACE_MS: '500',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not started in 45 s:\n${out}`)), 45_000);
    child.stdout!.on('data', () => {
      if (!/^ {2}curl -H .*get_job_result/m.test(out)) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  return { child, output: () => out };
}

it('SIGTERM mid-video: exits within the grace period, the job completes once after restart', async (t) => {
  const [port, azuritePort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const clip = path.join(dataDir, 'clip.mp4');
  const jpg = fixturePath('astronaut.jpg')!;
  await run(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-loop', '1', '-i', jpg, '-t', '10', '-r', '10', '-c:v', 'libx264'],
    ...['-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', clip],
  ]);
  const first = await serve(port, azuritePort);
  const key = /^access_token: (\S+)$/m.exec(first.output())![1]!;
  const headers = { access_token: key };
  const report = async () =>
    (await (await fetch(`${url}/get_job_result/${jobId}`, { headers })).json()) as JobReport;
  const until = async (ok: (r: JobReport) => boolean, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await report();
      if (ok(r)) return r;
      assert.ok(Date.now() < deadline, `stuck at ${r.job_status_description}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const { stdout } = await run('curl', [
    ...['-sS', '-L', '-T', clip, '-H', 'x-ms-blob-type: BlockBlob', '-H', `access_token: ${key}`],
    ...['-D', '-', '-o', '/dev/null', `${url}/direct_upload/clip.mp4?model=blur`],
  ]);
  const jobId = /^job_id: (\S+)\r?$/m.exec(stdout)![1]!;
  await until((r) => r.job_status >= 2);
  assert.equal(
    (await fetch(`${url}/approve_job/${jobId}`, { method: 'POST', headers })).status,
    200,
  );
  // Some frames done, so the task is really running when the signal comes.
  const midway = await until((r) => r.job_status >= 5 || (r.tasks[0]?.progress?.done ?? 0) > 0);
  assert.equal(midway.job_status, 4, 'still processing when SIGTERM arrives');

  const signalled = Date.now();
  const exited = new Promise<number | null>((resolve) => first.child.once('exit', resolve));
  first.child.kill('SIGTERM');
  // The API stops accepting at once, while the worker still uses its grace period.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const late = await fetch(`${url}/healthz`).then(
    (r) => `answered ${r.status}`,
    () => 'refused',
  );
  assert.equal(late, 'refused', 'no new requests once SIGTERM arrived');
  assert.equal(await exited, 0, first.output());
  const stopMs = Date.now() - signalled;
  t.diagnostic(`SIGTERM to exit: ${stopMs} ms`);
  for (const line of first
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"level"'))) {
    const { time, msg } = JSON.parse(line) as { time: number; msg: string };
    if (time >= signalled) t.diagnostic(`+${time - signalled} ms ${msg}`);
  }
  assert.ok(stopMs < 8000, `stopped in ${stopMs} ms (grace 500 ms + teardown)`);
  assert.equal(
    first
      .output()
      .split('\n')
      .filter((l) => l.includes(jobId) && l.includes('job processed')).length,
    0,
    'the first process did not finish the job',
  );

  const second = await serve(port, azuritePort);
  const done = await until((r) => r.job_status >= 5, 90_000);
  assert.equal(done.job_status, 5, done.job_status_description);
  assert.equal(done.tasks[0]!.status, 'completed');
  assert.equal((await fetch(done.tasks[0]!.download_link!)).status, 200);
  const { balance } = (await (await fetch(`${url}/credits`, { headers })).json()) as {
    balance: number;
  };
  assert.equal(balance, 1000 - 10, 'ten seconds of video charged once');
  const processed = second
    .output()
    .split('\n')
    .filter((l) => l.includes(jobId) && l.includes('job processed'));
  assert.equal(processed.length, 1, 'the job ran to its end once');
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
});
