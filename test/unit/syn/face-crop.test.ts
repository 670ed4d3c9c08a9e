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

/** The sampling `cropAround` documents, one pixel and tap at a time. */
function reference(frame: RgbFrame, det: Detection): Uint8Array {
  const { side, scale, x0, y0 } = cropGeometry(det);
  const { width: fw, height: fh, data: src } = frame;
  const out = new Uint8Array(side * side * 3);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  const taps = scale > 1.5 ? [-0.25, 0.25] : [0];
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      for (let c = 0; c < 3; c++) {
        if (scale === 1) {
          out[(y * side + x) * 3 + c] = src[(clamp(y0 + y, fh) * fw + clamp(x0 + x, fw)) * 3 + c];
          continue;
        }
        let sum = 0;
        for (const dy of taps) {
          const fy = Math.min(Math.max(y0 + (y + 0.5 + dy) * scale - 0.5, 0), fh - 1);
          const [ry0, ay] = [Math.floor(fy), fy - Math.floor(fy)];
          const ry1 = Math.min(ry0 + 1, fh - 1);
          for (const dx of taps) {
            const fx = Math.min(Math.max(x0 + (x + 0.5 + dx) * scale - 0.5, 0), fw - 1);
            const [rx0, ax] = [Math.floor(fx), fx - Math.floor(fx)];
            const rx1 = Math.min(rx0 + 1, fw - 1);
            const at = (yy: number, xx: number) => src[(yy * fw + xx) * 3 + c];
            const top = at(ry0, rx0) + (at(ry0, rx1) - at(ry0, rx0)) * ax;
            const bottom = at(ry1, rx0) + (at(ry1, rx1) - at(ry1, rx0)) * ax;
            sum += top + (bottom - top) * ay;
          }
        }
        out[(y * side + x) * 3 + c] = Math.round(sum * (1 / (taps.length * taps.length)));
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
