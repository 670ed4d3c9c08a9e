/**
 * Covers detections in a frame, in place: per detection, the covering shape (ellipse or the
 * object's own outline), a feathered mask over that shape's region only, and the region's
 * replacement pixels (blur, pixelate or fill) blended in through the mask.
 */
import { roundPixel } from '../round.ts';
import type { AnonymizeOptions, Detection, RenderStyle, RgbFrame } from '../types.ts';
import { coverShape } from './cover.geometry.ts';
import { rasterizeMask, shapeRegion, type Region } from './mask.geometry.ts';
import { blurRegion, fillRegion, pixelateRegion } from './region.filter.ts';

/** Colour of `style: 'fill'`. */
export const FILL_COLOUR: [number, number, number] = [0, 0, 0];

export interface RenderParams {
  /** Blur strength (about the gaussian sigma) in pixels. */
  radius: number;
  /** Pixelation block size in pixels. */
  cell: number;
  /** Width of the soft edge outside the shape, in pixels. */
  feather: number;
}

/**
 * Strength scaled to the object: a face's blur sigma is a fifth of its box's shorter side
 * (a 100 px face becomes a smooth blob, far past what recognition models can match), a
 * plate's a third of its height (characters merge). Pixelation leaves about 6 blocks across.
 */
export function renderParams(det: Detection): RenderParams {
  const w = det.box.x2 - det.box.x1;
  const h = det.box.y2 - det.box.y1;
  const side = Math.max(1, Math.min(w, h));
  const radius = Math.max(2, Math.round(det.cls === 'face' ? side / 5 : side / 3));
  const cell = Math.max(3, Math.round((det.cls === 'face' ? Math.max(w, h) : Math.min(w, h)) / 6));
  const feather = Math.max(1.5, side * 0.12);
  return { radius, cell, feather };
}

/** Replacement pixels for `target` (blur reads the wider `source`). */
function replacement(
  frame: RgbFrame,
  source: Region,
  target: Region,
  det: Detection,
  style: RenderStyle,
  p: RenderParams,
): Uint8Array {
  if (style === 'fill') return fillRegion(target, FILL_COLOUR);
  if (style === 'pixelate') return pixelateRegion(frame, target, p.cell, [det.box.x1, det.box.y1]);
  return blurRegion(frame, source, p.radius, target);
}

/** Covers one detection in place. Returns the region it may have changed. */
export function renderDetection(
  frame: RgbFrame,
  det: Detection,
  style: RenderStyle,
  maskBlur: boolean,
): Region {
  const p = renderParams(det);
  const shape = coverShape(det, maskBlur);
  const target = shapeRegion(shape, p.feather, frame.width, frame.height);
  if (target.w === 0 || target.h === 0) return target;
  // The blur reads a margin around the target so the blurred edge is made of real neighbours.
  const source =
    style === 'blur' ? shapeRegion(shape, p.feather + p.radius, frame.width, frame.height) : target;
  const pixels = replacement(frame, source, target, det, style, p);
  const mask = rasterizeMask(shape, p.feather, target);
  const data = frame.data;
  for (let j = 0; j < target.h; j++) {
    let o = ((target.y + j) * frame.width + target.x) * 3;
    for (let i = 0, m = j * target.w; i < target.w; i++, m++, o += 3) {
      const a = mask[m];
      if (a === 0) continue;
      const s = m * 3;
      if (a === 1) {
        data[o] = pixels[s];
        data[o + 1] = pixels[s + 1];
        data[o + 2] = pixels[s + 2];
      } else {
        data[o] = roundPixel(data[o] + (pixels[s] - data[o]) * a);
        data[o + 1] = roundPixel(data[o + 1] + (pixels[s + 1] - data[o + 1]) * a);
        data[o + 2] = roundPixel(data[o + 2] + (pixels[s + 2] - data[o + 2]) * a);
      }
    }
  }
  return target;
}

/** Covers every detection in the frame, in place, as `options.style` and `options.maskBlur` say. */
export function renderDetections(
  frame: RgbFrame,
  detections: Detection[],
  options: Pick<AnonymizeOptions, 'style' | 'maskBlur'>,
): void {
  for (const det of detections) renderDetection(frame, det, options.style, options.maskBlur);
}
