/**
 * `cropAround` / `cropWide` against a straightforward reference of the same sampling (the
 * implementation before its offsets were precomputed): byte for byte equal, for faces of
 * every size (copy, upsampling, one-tap and two-tap downsampling) inside and across the
 * frame's borders.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropAround, cropGeometry, cropWide } from '../../../src/engine/syn/face.crop.ts';
import type { Detection, RgbFrame } from '../../../src/engine/types.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * The sampling `cropAround` documents, one pixel at a time: each tap's source position worked out
 * per output column and row (the same doubles as per pixel), then read and weighed per channel.
 */
function reference(frame: RgbFrame, det: Detection): Uint8Array {
  const { side, scale, x0, y0 } = cropGeometry(det);
  const { width: fw, height: fh, data: src } = frame;
  const out = new Uint8Array(side * side * 3);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  if (scale === 1) {
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        for (let c = 0; c < 3; c++)
          out[(y * side + x) * 3 + c] = src[(clamp(y0 + y, fh) * fw + clamp(x0 + x, fw)) * 3 + c];
    return out;
  }
  const taps = scale > 1.5 ? [-0.25, 0.25] : [0];
  const n = taps.length;
  // Per output position and tap (index i * n + t): the two source indices and the weight of the
  // second.
  const along = (origin: number, size: number) => {
    const r0 = new Int32Array(side * n);
    const r1 = new Int32Array(side * n);
    const a = new Float64Array(side * n);
    for (let i = 0; i < side; i++)
      for (let t = 0; t < n; t++) {
        const f = Math.min(Math.max(origin + (i + 0.5 + taps[t]) * scale - 0.5, 0), size - 1);
        const lo = Math.floor(f);
        r0[i * n + t] = lo;
        r1[i * n + t] = Math.min(lo + 1, size - 1);
        a[i * n + t] = f - lo;
      }
    return { r0, r1, a };
  };
  const [rows, cols] = [along(y0, fh), along(x0, fw)];
  const norm = 1 / (n * n);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let ty = y * n; ty < y * n + n; ty++) {
          const [top0, bottom0] = [rows.r0[ty] * fw, rows.r1[ty] * fw];
          for (let tx = x * n; tx < x * n + n; tx++) {
            const [rx0, rx1, ax] = [cols.r0[tx], cols.r1[tx], cols.a[tx]];
            const p00 = src[(top0 + rx0) * 3 + c];
            const p01 = src[(top0 + rx1) * 3 + c];
            const p10 = src[(bottom0 + rx0) * 3 + c];
            const p11 = src[(bottom0 + rx1) * 3 + c];
            const top = p00 + (p01 - p00) * ax;
            const bottom = p10 + (p11 - p10) * ax;
            sum += top + (bottom - top) * rows.a[ty];
          }
        }
        out[(y * side + x) * 3 + c] = Math.round(sum * norm);
      }
  return out;
}

test('cropAround and cropWide equal the reference sampling byte for byte', () => {
  const rand = rng(11);
  const frame: RgbFrame = { width: 640, height: 360, data: new Uint8Array(640 * 360 * 3) };
  for (let i = 0; i < frame.data.length; i++) frame.data[i] = Math.floor(rand() * 256);
  const sides = [12, 30, 64, 100, 128, 150, 200, 256, 300, 420];
  for (const s of sides)
    for (let k = 0; k < 3; k++) {
      const x1 = rand() * 700 - 60;
      const y1 = rand() * 420 - 60;
      const det = {
        box: { x1, y1, x2: x1 + s * (0.8 + 0.4 * rand()), y2: y1 + s },
        score: 1,
        cls: 'face',
      } as Detection;
      for (const cut of [cropAround, cropWide]) {
        const got = cut(frame, det).image;
        const want = reference(frame, cut === cropAround ? det : wideDet(det));
        assert.equal(got.data.length, want.length);
        assert.ok(
          got.data.every((v, i) => v === want[i]),
          `${cut.name} side ${s}`,
        );
      }
    }
});

function wideDet(det: Detection): Detection {
  const cx = (det.box.x1 + det.box.x2) / 2;
  const cy = (det.box.y1 + det.box.y2) / 2;
  const w = ((det.box.x2 - det.box.x1) * 1.5) / 2;
  const h = ((det.box.y2 - det.box.y1) * 1.5) / 2;
  return { ...det, box: { ...det.box, x1: cx - w, x2: cx + w, y1: cy - h, y2: cy + h } };
}
