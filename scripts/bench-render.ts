/**
 * Speed of the I420 renderer (`coverOnYuv`) alone: N faces of one size (and a mixed row of
 * 20-200 px) on a textured 1920x1080 frame, ms per frame (median over all frames drawn).
 *
 *   node --import tsx scripts/bench-render.ts [--faces 12] [--frames 20] [--repeat 5]
 *     [--sizes 20,40,60,100,150,200] [--style blur|pixelate|fill] [--mask]
 *     [--baseline <other checkout>/src/media/video/yuv.render.ts] [--native]
 *
 * With --baseline, that other `yuv.render.ts` (e.g. the parent commit in a `git worktree`) is
 * timed in the same process, interleaved with this one, and the largest pixel difference
 * between the two outputs is printed per row. With --native, this checkout with its native
 * kernels switched off (`baseline`: the JavaScript) and on, the same way.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Detection, RenderStyle } from '../src/engine/types.ts';
import { yuvFrameSize, type YuvFrame } from '../src/media/video/yuv.frame.ts';
import { coverOnYuv } from '../src/media/video/yuv.render.ts';
import { useNativeKernels } from '../src/native/index.ts';

type Cover = typeof coverOnYuv;

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const FACES = Number(opt('--faces', '12'));
const FRAMES = Number(opt('--frames', '20'));
const REPEAT = Number(opt('--repeat', '5'));
const STYLE = opt('--style', 'blur') as RenderStyle;
const MASK = argv.includes('--mask');
const NATIVE = argv.includes('--native');
const BASELINE = opt('--baseline', '') || (NATIVE ? 'native off' : '');
const SIZES = opt('--sizes', '20,40,60,100,150,200').split(',').map(Number);
const W = 1920;
const H = 1080;

/** Smooth gradients plus fixed-seed noise in every plane (a busy street-like background). */
function texturedFrame(seed = 7): YuvFrame {
  const data = new Uint8Array(yuvFrameSize(W, H));
  let s = seed;
  const luma = W * H;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = i < luma ? i % W : 0;
    const base = i < luma ? 40 + (150 * x) / W : 110 + ((i * 7) % 31);
    data[i] = Math.max(0, Math.min(255, Math.round(base + ((s >>> 24) - 128) / 3)));
  }
  return { data, width: W, height: H };
}

/** `n` faces of `size(k)` px (boxes 0.85 wide per height), spread over the frame per frame. */
function faces(frame: number, size: (k: number) => number): Detection[] {
  const out: Detection[] = [];
  for (let k = 0; k < FACES; k++) {
    const s = size(k);
    const w = 0.85 * s;
    const x1 = ((k * 157 + frame * 3.3) % (W - w - 40)) + 20.3;
    const y1 = ((k * 263 + 91 + frame * 1.7) % (H - s - 40)) + 20.6;
    const landmarks: [number, number][] = [
      [x1 + 0.3 * w, y1 + 0.4 * s],
      [x1 + 0.7 * w, y1 + 0.4 * s],
      [x1 + 0.5 * w, y1 + 0.6 * s],
      [x1 + 0.35 * w, y1 + 0.8 * s],
      [x1 + 0.65 * w, y1 + 0.8 * s],
    ];
    out.push({ cls: 'face', score: 0.9, box: { x1, y1, x2: x1 + w, y2: y1 + s }, landmarks });
  }
  return out;
}

/**
 * ms per frame of each implementation, frame by frame in turn (so load from other work hits
 * both alike), each on a fresh copy of the frame (the copy is not timed); keeps the outputs.
 */
function time(
  impls: Cover[],
  base: YuvFrame,
  size: (k: number) => number,
  ms: number[][],
  out: Uint8Array[][],
) {
  for (let f = 0; f < FRAMES; f++) {
    const dets = faces(f, size);
    impls.forEach((cover, i) => {
      const frame = { ...base, data: Uint8Array.from(base.data) };
      const t = performance.now();
      cover(frame, dets, STYLE, MASK);
      ms[i].push(performance.now() - t);
      if (out[i].length < 3) out[i].push(frame.data);
    });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const impls: Array<[string, Cover]> = [['this', coverOnYuv]];
  if (NATIVE) {
    const native =
      (on: boolean): Cover =>
      (...a) => {
        useNativeKernels(on);
        coverOnYuv(...a);
      };
    impls.splice(0, 1, ['js', native(false)], ['native', native(true)]);
  } else if (BASELINE) {
    const mod = (await import(path.resolve(BASELINE))) as { coverOnYuv: Cover };
    impls.unshift(['baseline', mod.coverOnYuv]);
  }
  const base = texturedFrame();
  const rows: Array<[string, (k: number) => number]> = SIZES.map((s) => [`${s} px`, () => s]);
  rows.push(['mixed 20-200', (k) => 20 + ((k * 37) % 181)]);
  console.log(
    `coverOnYuv ${STYLE}${MASK ? ' mask' : ''}, ${FACES} faces per 1920x1080 frame, ` +
      `${FRAMES} frames x ${REPEAT} repeats (median frame), ms per frame`,
  );
  console.log(['faces', ...impls.map(([n]) => n), BASELINE ? 'ratio  max diff' : ''].join('\t'));
  const covers = impls.map(([, cover]) => cover);
  // Warm-up: every implementation on every row once.
  for (const [, size] of rows)
    time(
      covers,
      base,
      size,
      covers.map(() => []),
      covers.map(() => []),
    );
  for (const [name, size] of rows) {
    const ms = impls.map(() => [] as number[]);
    const outs = impls.map(() => [] as Uint8Array[]);
    for (let r = 0; r < REPEAT; r++) time(covers, base, size, ms, outs);
    const med = ms.map(median);
    const cols = [name, ...med.map((m) => m.toFixed(2))];
    if (BASELINE) {
      let worst = 0;
      for (let f = 0; f < outs[0].length; f++) {
        const a = outs[0][f];
        const b = outs[1][f];
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      cols.push(`${(med[0] / med[1]).toFixed(2)}x  ${worst}`);
    }
    console.log(cols.join('\t'));
  }
}

await main();
