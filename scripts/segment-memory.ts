/**
 * Memory of video work in one worker process: peak RSS of this process and its ffmpeg
 * children (sampled from /proc every 100 ms) while anonymizing one 1080p segment, then two
 * at once (as a worker with a process-job and a process-segment, or two segments, in flight).
 *
 * Run: node --import tsx scripts/segment-memory.ts [seconds=4]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultAnonymizeOptions } from '../src/engine/types.ts';
import { closeSharedEngine, getSharedEngine } from '../src/media/image/shared-engine.ts';
import { anonymizeSegment } from '../src/media/video/segment.anonymize.ts';
import { splitVideo } from '../src/media/video/segment.split.ts';
import { faceCrops, synthClip } from '../test/integration/video/synth-clip.ts';

const SECONDS = Number(process.argv[2] || 4);

/** RSS in MiB of `pid` and every process below it. */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ');
      const parent = Number(stat[1]);
      rss.set(Number(name), (Number(stat[21]) * 4096) / 2 ** 20);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const sum = (p: number): number =>
    (rss.get(p) ?? 0) + (children.get(p) ?? []).reduce((n, c) => n + sum(c), 0);
  return sum(pid);
}

async function peak<T>(fn: () => Promise<T>): Promise<{ mib: number; ms: number }> {
  let max = treeRss(process.pid);
  const timer = setInterval(() => (max = Math.max(max, treeRss(process.pid))), 100);
  const started = Date.now();
  await fn();
  clearInterval(timer);
  return { mib: Math.round(max), ms: Date.now() - started };
}

const dir = await mkdtemp(path.join(tmpdir(), 'veil-segmem-'));
try {
  const [a, b] = await faceCrops(dir, 2, 160);
  const file = path.join(dir, 'clip.mp4');
  synthClip({
    output: file,
    width: 1920,
    height: 1080,
    fps: '25',
    frames: SECONDS * 25,
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-g', '25'],
    objects: [
      { crop: a, x0: 100, y0: 200, vx: 2, vy: 0.2 },
      { crop: b, x0: 1500, y0: 600, vx: -2, vy: -0.1 },
    ],
  });
  const parts = await splitVideo(file, dir, {
    segmentSeconds: SECONDS / 2,
    overlapSeconds: 1,
    durationSeconds: SECONDS,
  });
  const options = { ...defaultAnonymizeOptions, enableLp: false };
  await getSharedEngine();
  const one = (seq: number) =>
    anonymizeSegment(parts[seq].file, path.join(dir, `out-${seq}.mp4`), parts[seq].warmFrames, {
      ...options,
    });
  const idle = Math.round(treeRss(process.pid));
  const single = await peak(() => one(0));
  const double = await peak(() => Promise.all([one(0), one(1)]));
  console.log(`segments: ${parts.map((p) => p.frames).join(' + ')} frames (1080p)`);
  console.log(`idle (engine loaded): ${idle} MiB`);
  console.log(`one segment:  peak ${single.mib} MiB, ${single.ms} ms`);
  console.log(`two at once:  peak ${double.mib} MiB, ${double.ms} ms`);
  console.log(`per video in flight: ~${double.mib - single.mib} MiB`);
} finally {
  await closeSharedEngine();
  await rm(dir, { recursive: true, force: true });
}
