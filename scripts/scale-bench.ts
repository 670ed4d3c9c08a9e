/**
 * Scale-out measurement on this machine: a PostgreSQL + Redis + Azurite cluster (as in the
 * scale-out e2e), N photo jobs with 1 worker, 2 workers, then 1 worker again (load on a shared
 * machine drifts), and the memory and CPU of one worker during a 1080p video job.
 * Needs PostgreSQL and Redis on 127.0.0.1. Run: node --import tsx scripts/scale-bench.ts [N]
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { ffmpegPaths } from '../src/media/ffmpeg.runtime.ts';
import { fixturePath } from '../test/fixtures/images/fixtures.ts';
import { curlUpload } from '../test/e2e/kit.ts';
import { startCluster } from '../test/e2e/scale-out-cluster.ts';

const run = promisify(execFile);
const N = Number(process.argv[2] || 16);
const VIDEO_S = 8;
const FPS = 25;

/** CPU seconds of a process, with its reaped children (ffmpeg) when `children` is set. */
function cpuSeconds(pid: number, children = false): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const own = Number(f[11]) + Number(f[12]);
  return (children ? own + Number(f[13]) + Number(f[14]) : own) / 100;
}
function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  } catch {
    return 0;
  }
}
function childPids(pid: number): number[] {
  try {
    const raw = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return raw ? raw.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

const dir = await mkdtemp(path.join(tmpdir(), 'veil-bench-'));
const cluster = await startCluster();
try {
  const api = await cluster.startApi();
  const key = api.demoKey!;
  const w1 = await cluster.startWorker();
  const approve = (id: string) =>
    fetch(`${api.url}/approve_job/${id}`, { method: 'POST', headers: { access_token: key } });

  const directUpload = async (file: string, name: string) =>
    (await curlUpload(api.url, key, file, `${name}?model=blur`)).jobId;
  const workerPids = [w1.child.pid!];
  const workerCpu = () => workerPids.reduce((sum, pid) => sum + cpuSeconds(pid, true), 0);
  const cpuPerJob: number[] = [];

  /** Seconds from approving N fresh photo jobs to all done. */
  async function batch(tag: string): Promise<number> {
    const files = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const file = path.join(dir, `${tag}-${i}.jpg`);
        await sharp(fixturePath('group-3-faces.jpg')!)
          .resize(1280 + i * 4)
          .jpeg()
          .toFile(file);
        return file;
      }),
    );
    const ids = await Promise.all(files.map((f, i) => directUpload(f, `${tag}${i}.jpg`)));
    await cluster.waitStatuses(ids, [2], 60_000);
    const started = Date.now();
    const cpu0 = workerCpu();
    await Promise.all(ids.map(approve));
    await cluster.waitStatuses(ids, [5, 6], 300_000);
    cpuPerJob.push((workerCpu() - cpu0) / N);
    return (Date.now() - started) / 1000;
  }

  await batch('warm');
  const one = await batch('one');
  const w2 = await cluster.startWorker();
  workerPids.push(w2.child.pid!);
  const two = await batch('two');
  w2.child.kill('SIGTERM');
  await w2.exited;
  workerPids.pop();
  const oneAgain = await batch('one-again');
  const single = (one + oneAgain) / 2;
  console.log(
    `${N} photos (1280 px): 1 worker ${one.toFixed(1)} s and ${oneAgain.toFixed(1)} s, ` +
      `2 workers ${two.toFixed(1)} s: ${(N / single).toFixed(2)} vs ${(N / two).toFixed(2)} ` +
      `jobs/s, speed-up ${(single / two).toFixed(2)}x; worker CPU per photo job ` +
      `${cpuPerJob
        .slice(1)
        .map((c) => c.toFixed(2))
        .join(' / ')} s`,
  );

  const clip = path.join(dir, 'clip.mp4');
  await run(ffmpegPaths().ffmpeg, [
    ...['-v', 'error', '-loop', '1', '-i', fixturePath('group-5-faces.jpg')!],
    ...['-vf', 'scale=1920:1080,setsar=1', '-t', String(VIDEO_S), '-r', String(FPS)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', clip],
  ]);
  const pid = w1.child.pid!;
  const idle = rssMb(pid);
  const id = await directUpload(clip, 'clip.mp4');
  await cluster.waitStatuses([id], [2], 60_000);
  const cpu0 = cpuSeconds(pid);
  const cpuAll0 = cpuSeconds(pid, true);
  const started = Date.now();
  await approve(id);
  let peak = 0;
  let peakTree = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const own = rssMb(pid);
      peak = Math.max(peak, own);
      peakTree = Math.max(peakTree, own + childPids(pid).reduce((s, c) => s + rssMb(c), 0));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await cluster.waitStatuses([id], [5, 6], 300_000);
  done = true;
  await sampler;
  const wall = (Date.now() - started) / 1000;
  const frames = VIDEO_S * FPS;
  const cpu = cpuSeconds(pid) - cpu0;
  const cpuAll = cpuSeconds(pid, true) - cpuAll0;
  console.log(
    `1080p${FPS} video, ${frames} frames: wall ${wall.toFixed(1)} s; CPU ${cpuAll.toFixed(1)} s ` +
      `(${((cpuAll / frames) * 1000).toFixed(0)} ms/frame; worker process alone ` +
      `${((cpu / frames) * 1000).toFixed(0)} ms/frame); worker RSS idle ${idle.toFixed(0)} MB, ` +
      `peak ${peak.toFixed(0)} MB, with ffmpeg children ${peakTree.toFixed(0)} MB`,
  );
} finally {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
}
