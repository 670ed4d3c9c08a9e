/**
 * Segmented video processing on this machine: one generated 2-minute 1080p clip (two faces
 * moving over testsrc2, AAC audio) processed as a job by worker processes on SQLite and the
 * embedded Azurite: 1 worker without segments (VEIL_SEGMENT_SECONDS=0), 1 worker with
 * segments, 2 workers with segments. Prints wall times, worker CPU, the ratios (all measured
 * in this one run), the split/join/transfer costs and a model for more machines.
 *
 * Run: node --import tsx scripts/segment-bench.ts [seconds=120] [segmentSeconds=60] [runs]
 * runs: comma list of plain1,seg1,seg2 (default all three). The clip is cached in /tmp.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { countFrames, splitVideo } from '../src/media/video/segment.split.ts';
import { azuriteConnectionString } from '../src/storage/azurite.runtime.ts';
import { startHarness, until } from '../test/integration/services/harness.ts';
import { faceCrops, synthClip } from '../test/integration/video/synth-clip.ts';
import { uploadVideo } from '../test/integration/worker/segments.fixture.ts';

const SECONDS = Number(process.argv[2] || 120);
const SEGMENT_S = Number(process.argv[3] || 60);
const RUNS = (process.argv[4] || 'plain1,seg1,seg2').split(',');
const FPS = 25;

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

async function makeClip(): Promise<string> {
  const file = path.join(tmpdir(), `veil-segment-bench-${SECONDS}s-1080p.mp4`);
  if (existsSync(file)) return file;
  const dir = await mkdtemp(path.join(tmpdir(), 'veil-segbench-crops-'));
  const [a, b] = await faceCrops(dir, 2, 160);
  const started = Date.now();
  synthClip({
    output: file,
    width: 1920,
    height: 1080,
    fps: String(FPS),
    frames: SECONDS * FPS,
    audio: true,
    // A camera-like GOP (2 s): the split cuts at keyframes.
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-g', String(2 * FPS)],
    objects: [
      { crop: a, x0: 100, y0: 200, vx: 0.5, vy: 0.05 },
      { crop: b, x0: 1500, y0: 600, vx: -0.4, vy: -0.03 },
    ],
  });
  console.log(`clip generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await rm(dir, { recursive: true, force: true });
  return file;
}

async function startWorkers(n: number, dataDir: string, conn: string, segmentS: number) {
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/integration/worker/worker.child.ts', dataDir, conn],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, VEIL_SEGMENT_SECONDS: String(segmentS) },
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.includes('worker ready') && resolve());
      child.once('exit', () => reject(new Error('worker exited')));
    });
    children.push(child);
  }
  return children;
}

const clip = await makeClip();
const frames = await countFrames([{ file: clip }]);
const sizeMb = statSync(clip).size / 1e6;
console.log(`clip: ${SECONDS} s, 1920x1080, ${frames} frames, ${sizeMb.toFixed(0)} MB`);

const results: Record<string, { wall: number; cpu: number }> = {};
for (const run of RUNS) {
  const workers = Number(run.slice(-1));
  const segmentS = run.startsWith('seg') ? SEGMENT_S : 0;
  const h = await startHarness({ segmentSeconds: segmentS });
  const conn = azuriteConnectionString(h.blobs.endpoint);
  const children = await startWorkers(workers, h.dataDir, conn, segmentS);
  try {
    const key = await h.services.keys.create({ name: 'bench', credits: 10_000 });
    const who = { keyId: key.keyId, name: 'bench' };
    const jobId = await uploadVideo(h, who, clip);
    // Models are loaded by the inspection; CPU counted from the approval on.
    const cpu0 = children.reduce((s, c) => s + cpuSeconds(c.pid!), 0);
    const started = Date.now();
    await h.services.jobs.approve(who, jobId);
    const [task] = await h.services.lifecycle.tasks(jobId);
    const ended = async () => (await h.services.lifecycle.get(jobId))!.status >= 5;
    const segments = () => h.services.segments.list(task.id);
    // Phases, polled: approval -> segments stored (download, split, upload); every segment
    // done -> job completed (downloads, join, upload, completion).
    await until(async () => (await segments()).length > 0 || (await ended()), 3_600_000);
    const splitAt = Date.now();
    const allDone = async () => (await segments()).every((s) => s.status === 'completed');
    await until(async () => (await allDone()) || (await ended()), 3_600_000);
    const segmentsDoneAt = Date.now();
    await until(ended, 3_600_000);
    const endedAt = Date.now();
    const wall = (endedAt - started) / 1000;
    const job = await h.services.lifecycle.get(jobId);
    if (job!.status !== 5) throw new Error(`job ended ${job!.status}: ${job!.status_description}`);
    const cpu = children.reduce((s, c) => s + cpuSeconds(c.pid!), 0) - cpu0;
    const segs = await segments();
    results[run] = { wall, cpu };
    console.log(
      `${run}: ${wall.toFixed(1)} s wall (${(frames / wall).toFixed(1)} fps), worker CPU ${cpu.toFixed(0)} s, segments ${segs.length}, load ${loadavg()[0].toFixed(1)}`,
    );
    if (segs.length > 0) {
      const split = (splitAt - started) / 1000;
      const join = (endedAt - segmentsDoneAt) / 1000;
      console.log(`  split phase ${split.toFixed(1)} s, join phase ~${join.toFixed(1)} s`);
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await h.close();
  }
}

// Fixed costs of segmenting, measured alone: split (stream copy + frame counts), the join's
// stream copy, and moving the bytes through blob storage (embedded Azurite on this machine).
const work = await mkdtemp(path.join(tmpdir(), 'veil-segbench-'));
try {
  let t = Date.now();
  const parts = await splitVideo(clip, work, {
    segmentSeconds: SEGMENT_S,
    overlapSeconds: 2,
    durationSeconds: SECONDS,
  });
  const splitS = (Date.now() - t) / 1000;
  const h = await startHarness();
  try {
    t = Date.now();
    await h.blobs.store.putFile('bench/clip.mp4', clip);
    const upS = (Date.now() - t) / 1000;
    t = Date.now();
    await mkdir(path.join(work, 'down'), { recursive: true });
    await h.blobs.store.downloadToFile('bench/clip.mp4', path.join(work, 'down', 'clip.mp4'));
    const downS = (Date.now() - t) / 1000;
    console.log(
      `split into ${parts.length}: ${splitS.toFixed(1)} s; blob up ${(sizeMb / upS).toFixed(0)} MB/s, down ${(sizeMb / downS).toFixed(0)} MB/s`,
    );
  } finally {
    await h.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const r = (a: string, b: string) =>
  results[a] && results[b] ? (results[a].wall / results[b].wall).toFixed(2) : 'n/a';
console.log(`ratio 1 worker / 2 workers (segments): ${r('seg1', 'seg2')}x`);
console.log(`ratio no segments / segments (1 worker): ${r('plain1', 'seg1')}x`);
