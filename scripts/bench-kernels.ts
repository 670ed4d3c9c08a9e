/**
 * Micro-benchmark of the detector-input pixel kernels, old (the reference copies kept as test
 * oracles) against new (src), in one run, with a check that both give the same elements:
 *   node --import tsx scripts/bench-kernels.ts [--reps N]
 * resizedPlanarTensor: a 960x540 RGB copy to 1440x810 (enlarged small-face pass), 640x360,
 * 960x540 (same size) and 1920x1080; resizeRgb to 640x360; reducedRgb: 1080p and 720p I420 to
 * the 960 and 640 px detection copies.
 */
import { resizeRgb, resizedPlanarTensor, roundUp } from '../src/engine/preprocess.ts';
import type { RgbFrame } from '../src/engine/types.ts';
import { reducedRgb, yuvFrameSize, type YuvFrame } from '../src/media/video/yuv.frame.ts';
import {
  referenceResizeRgb,
  referenceResizedPlanarTensor,
} from '../test/unit/engine/preprocess.reference.ts';
import { referenceReducedRgb } from '../test/unit/video/yuv-frame.reference.ts';

const arg = process.argv.indexOf('--reps');
const reps = arg > 0 ? Number(process.argv[arg + 1]) : 15;

/** Smooth picture with noise (like camera content), deterministic. */
function picture(width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++, o++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const v = 128 + 90 * Math.sin((x * (c + 1)) / 37 + y / 23) + ((seed >>> 24) % 32) - 16;
        data[o] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { data, width, height };
}

function yuv(width: number, height: number): YuvFrame {
  const data = new Uint8Array(yuvFrameSize(width, height));
  let seed = 777;
  const luma = width * height;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = i < luma ? i % width : i;
    data[i] = (128 + 100 * Math.sin(x / 41) + ((seed >>> 24) % 40) - 20) & 255;
  }
  return { data, width, height };
}

/**
 * Old and new timed alternately (the machine is shared: interleaving exposes both to the same
 * load), after 3 warm-up runs each; the minimum of `reps` runs is the least disturbed one.
 */
function time(old: () => void, now: () => void): [number, number] {
  for (let i = 0; i < 3; i++) {
    old();
    now();
  }
  let a = Infinity;
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    old();
    a = Math.min(a, performance.now() - t0);
    t0 = performance.now();
    now();
    b = Math.min(b, performance.now() - t0);
  }
  return [a, b];
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

const rows: string[] = [];
function report(name: string, old: () => ArrayLike<number>, now: () => ArrayLike<number>): void {
  const diff = differing(old(), now());
  const [tOld, tNew] = time(old, now);
  const line =
    `${name.padEnd(44)} old ${tOld.toFixed(1).padStart(6)} ms  new ${tNew.toFixed(1).padStart(6)} ms` +
    `  x${(tOld / tNew).toFixed(2)}  differing ${diff}`;
  rows.push(line);
  console.log(line);
}

const src = picture(960, 540);
for (const [w, h] of [
  [1440, 810],
  [640, 360],
  [960, 540],
  [1920, 1080],
]) {
  const n = 3 * roundUp(w, 32) * roundUp(h, 32);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  report(
    `resizedPlanarTensor 960x540 -> ${w}x${h}`,
    () => referenceResizedPlanarTensor(src, w, h, 'bgr', a).data,
    () => resizedPlanarTensor(src, w, h, 'bgr', b).data,
  );
}
for (const [w, h] of [
  [640, 360],
  [320, 180],
  [1440, 810],
]) {
  report(
    `resizeRgb 960x540 -> ${w}x${h}`,
    () => referenceResizeRgb(src, w, h).data,
    () => resizeRgb(src, w, h).data,
  );
}
for (const [w, h] of [
  [1920, 1080],
  [1280, 720],
]) {
  const f = yuv(w, h);
  for (const side of [960, 640]) {
    const a = new Uint8Array(w * h * 3);
    const b = new Uint8Array(w * h * 3);
    report(
      `reducedRgb ${w}x${h} -> ${side} px`,
      () => referenceReducedRgb(f, side, a).frame.data,
      () => reducedRgb(f, side, b).frame.data,
    );
  }
}
