/**
 * Crash safety: Veil is SIGKILLed while it processes a video; after a restart on the same data
 * the job completes, the credits are charged once, and the embedded Azurite did not outlive
 * the killed process.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import {
  canConnect,
  curlUpload,
  freePort,
  makeClip,
  spawnVeil,
  until,
  waitForJob,
  type VeilChild,
} from './kit.ts';

const dataDir = await mkdtemp(path.join(tmpdir(), 'veil-crash-'));
const children: VeilChild[] = [];
after(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  await rm(dataDir, { recursive: true, force: true });
});

/** Veil in a child process (veil-process.ts): its first stdout line names url and demo key. */
async function startChild(env: Record<string, string>) {
  const veil = await spawnVeil(
    ['--import', 'tsx', 'test/e2e/veil-process.ts'],
    { ...env, VEIL_DATA_DIR: dataDir },
    (out) => out.includes('\n'),
  );
  children.push(veil);
  const first = JSON.parse(veil.output().split('\n')[0]) as { url: string; demoKey: string | null };
  return { ...veil, ...first };
}

it('finishes a job whose process was killed mid-video, charging it once', async () => {
  const env = { PORT: String(await freePort()), VEIL_AZURITE_PORT: String(await freePort()) };
  // 200 frames: long enough to be caught mid-video by a 100 ms poll on a fast core (~250
  // frames a second here).
  const clip = await makeClip(path.join(dataDir, 'clip.mp4'), { seconds: 20 });

  const first = await startChild(env);
  const key = first.demoKey!;
  assert.ok(key);
  const { jobId } = await curlUpload(first.url, key, clip, 'clip.mp4?model=blur');
  const waiting = await waitForJob(first.url, key, jobId, (r) => r.job_status >= 2, 45_000);
  assert.equal(waiting.job_total_credit_cost, 20);
  const approve = await fetch(`${first.url}/approve_job/${jobId}`, {
    method: 'POST',
    headers: { access_token: key },
  });
  assert.equal(approve.status, 200);
  const midway = await waitForJob(first.url, key, jobId, [4, 5, 6, 7], 45_000);
  assert.equal(midway.job_status, 4, 'killed while processing');

  await first.kill('SIGKILL');
  const azuritePort = Number(env.VEIL_AZURITE_PORT);
  await until(
    'Azurite to go down with its parent',
    async () => ((await canConnect(azuritePort)) ? undefined : true),
    5000,
  );

  const second = await startChild(env);
  assert.equal(second.demoKey, null, 'the demo key is not created twice');
  const done = await waitForJob(second.url, key, jobId, [5, 6, 7], 45_000);
  assert.equal(done.job_status, 5, JSON.stringify(done.tasks));
  assert.equal(done.tasks[0].status, 'completed');
  const video = await fetch(done.tasks[0].download_link!);
  assert.equal(video.status, 200);

  const credits = await fetch(`${second.url}/credits`, { headers: { access_token: key } });
  const { balance } = (await credits.json()) as { balance: number };
  assert.equal(balance, 980, '1000 demo credits minus 20 seconds, once');
  await second.kill('SIGTERM');
});
