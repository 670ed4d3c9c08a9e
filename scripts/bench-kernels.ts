/**
 * Micro-benchmark of the detector-input pixel kernels, old (the reference copies kept as test
 * oracles) against new (src), in one run, with a check that both give the same elements:
 *   node --import tsx scripts/bench-kernels.ts [--reps N]
 * resizedPlanarTensor: a 960x540 RGB copy to 1440x810 (enlarged small-face pass), 640x360,
 * 960x540 (same size) and 1920x1080; resizeRgb to 640x360; reducedRgb: 1080p and 720p I420 to
 * the 960 and 640 px detection copies. Then the video main thread's kernels with the native
 * module switched off (old: the JavaScript) and on (new: src/native/yuv.c), same process:
 * reducedRgb's copies, cellMeans and gaussianish of one face's blur grid (60 and 150 px), a
 * face outline's mask (mask blur), coverOnYuv of 12 faces per 1080p frame as fill (the blend
 * alone) and blur (everything).
 */
import { resizeRgb, resizedPlanarTensor, roundUp } from '../src/engine/preprocess.ts';
import { coverShape, renderParams } from '../src/engine/render/index.ts';
import { rasterizeMask, shapeRegion } from '../src/engine/render/mask.geometry.ts';
import { gaussianish } from '../src/engine/render/region.filter.ts';
import type { Detection, RenderStyle, RgbFrame } from '../src/engine/types.ts';
import { cellMeans } from '../src/media/video/yuv.cells.ts';
import { reducedRgb, yuvFrameSize, type YuvFrame } from '../src/media/video/yuv.frame.ts';
import { coverOnYuv } from '../src/media/video/yuv.render.ts';
import { nativeKernelsBuilt, useNativeKernels } from '../src/native/index.ts';
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
    `${name.padEnd(44)} old ${tOld.toFixed(2).padStart(6)} ms  new ${tNew.toFixed(2).padStart(6)} ms` +
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

if (nativeKernelsBuilt()) {
  console.log('video main thread: old = JavaScript (VEIL_NATIVE=0), new = native');
  /** `fn` with the native kernels switched off. */
  const js =
    <T>(fn: () => T) =>
    () => {
      useNativeKernels(false);
      try {
        return fn();
      } finally {
        useNativeKernels(true);
      }
    };
  const native = <T>(fn: () => T) => {
    useNativeKernels(true);
    return fn;
  };
  const both = <T extends ArrayLike<number>>(name: string, fn: () => T) =>
    report(name, js(fn), native(fn));
  const f = yuv(1920, 1080);
  const a = new Uint8Array(960 * 540 * 3);
  both('reducedRgb 1920x1080 -> 960 px (halving)', () => reducedRgb(f, 960, a).frame.data);
  both('reducedRgb 1920x1080 -> 640 px', () => reducedRgb(f, 640, a).frame.data);
  const f720 = yuv(1280, 720);
  both('reducedRgb 1280x720 -> 960 px', () => reducedRgb(f720, 960, a).frame.data);
  const face = (x1: number, y1: number, s: number): Detection => ({
    cls: 'face',
    score: 0.9,
    box: { x1, y1, x2: x1 + 0.85 * s, y2: y1 + s },
  });
  for (const size of [60, 150]) {
    const d = face(600.3, 400.6, size);
    const p = renderParams(d);
    const source = shapeRegion(coverShape(d, false), p.feather + p.radius, 1920, 1080);
    const cell = Math.max(1, Math.floor(p.radius / 4));
    const grid = () => cellMeans(f, source, source.x, source.y, cell, Math.floor(cell / 4), true);
    both(`cellMeans ${size} px face (cell ${cell})`, () => grid().data);
    const g = grid();
    const r = Math.max(1, Math.round(p.radius / cell));
    const buf = new Float32Array(g.data.length);
    both(`gaussianish ${size} px face (${g.w}x${g.h}, r ${r})`, () => {
      buf.set(g.data);
      gaussianish(buf, g.w, g.h, r);
      return buf;
    });
  }
  const outline: Detection = {
    ...face(600.3, 400.6, 150),
    landmarks: [
      [650, 460],
      [700, 461],
      [676, 490],
      [655, 520],
      [697, 519],
    ],
  };
  const shape = coverShape(outline, true);
  const region = shapeRegion(shape, renderParams(outline).feather, 1920, 1080);
  both('rasterizeMask 150 px face outline (mask blur)', () => rasterizeMask(shape, 18, region));
  const faces = Array.from({ length: 12 }, (_, k) =>
    face(((k * 157) % 1700) + 20.3, ((k * 263 + 91) % 880) + 20.6, 150),
  );
  const copy = new Uint8Array(f.data.length);
  for (const style of ['fill', 'blur'] as RenderStyle[]) {
    both(`coverOnYuv ${style}, 12 faces of 150 px, 1080p`, () => {
      copy.set(f.data);
      coverOnYuv({ ...f, data: copy }, faces, style, false);
      return copy;
    });
  }
}
