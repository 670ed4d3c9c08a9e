/**
 * The square crop `syn` analyses and judges a face on: twice the face's size around its
 * centre, on whole pixels, at the frame's own resolution when the face is 128-256 px (an
 * exact copy of the pixels an attacker sees), resampled to 256 px below and 512 px above
 * (the recognisers' face chips are 150-224 px, so nothing they could use is lost).
 */
import type { Detection, RgbFrame } from '../types.ts';
import { sampleBilinear, type Vec2 } from './mesh.geometry.ts';

export const CROP_MIN = 256;
export const CROP_MAX = 512;

export interface FaceCrop {
  image: RgbFrame;
  /** Frame pixels per crop pixel, and the crop's origin in the frame. */
  scale: number;
  x0: number;
  y0: number;
}

/** Where the crop of `det` lies: the same for the original and the output of one face. */
export function cropGeometry(det: Detection): Omit<FaceCrop, 'image'> & { side: number } {
  const cx = (det.box.x1 + det.box.x2) / 2;
  const cy = (det.box.y1 + det.box.y2) / 2;
  const extent = Math.max(
    8,
    Math.round(2 * Math.max(det.box.x2 - det.box.x1, det.box.y2 - det.box.y1)),
  );
  const side = Math.min(CROP_MAX, Math.max(CROP_MIN, extent));
  return {
    side,
    scale: extent / side,
    x0: Math.round(cx - extent / 2),
    y0: Math.round(cy - extent / 2),
  };
}

/** Cuts the crop of `det` out of `frame` (edges replicated beyond the frame). */
export function cropAround(frame: RgbFrame, det: Detection): FaceCrop {
  const { side, scale, x0, y0 } = cropGeometry(det);
  const data = new Uint8Array(side * side * 3);
  if (scale === 1) {
    // Whole-pixel copy: the very pixels of the frame.
    for (let y = 0; y < side; y++) {
      const fy = Math.min(frame.height - 1, Math.max(0, y0 + y));
      for (let x = 0; x < side; x++) {
        const fx = Math.min(frame.width - 1, Math.max(0, x0 + x));
        const o = (fy * frame.width + fx) * 3;
        data.set(frame.data.subarray(o, o + 3), (y * side + x) * 3);
      }
    }
  } else {
    const px = new Float32Array(3);
    // Downscaling averages a 2x2 footprint so that fine texture does not alias.
    const taps = scale > 1.5 ? [-0.25, 0.25] : [0];
    const w = 1 / (taps.length * taps.length);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const o = (y * side + x) * 3;
        let r = 0;
        let g = 0;
        let b = 0;
        for (const dy of taps)
          for (const dx of taps) {
            sampleBilinear(frame, x0 + (x + 0.5 + dx) * scale, y0 + (y + 0.5 + dy) * scale, px, 0);
            r += px[0];
            g += px[1];
            b += px[2];
          }
        data[o] = Math.round(r * w);
        data[o + 1] = Math.round(g * w);
        data[o + 2] = Math.round(b * w);
      }
  }
  return { image: { data, width: side, height: side }, scale, x0, y0 };
}

/** Crop pixels to frame pixels. */
export function toFrame(crop: Omit<FaceCrop, 'image'>, [x, y]: readonly number[]): Vec2 {
  return [crop.x0 + x * crop.scale, crop.y0 + y * crop.scale];
}
