/**
 * Texture of a plate candidate (pure): the spread of luma inside its box. Characters make a
 * plate's inside busy, even far and blurred; a flat patch of plate shape (the moving grey bar
 * of ffmpeg's test pattern, a blank panel) is not a plate.
 */
import type { Box, RgbFrame } from './types.ts';

/**
 * Standard deviation of luma (BT.601, 0..255) over the middle of `box` (the inner 70% of its
 * width and 60% of its height, away from the plate's frame and its surroundings), or undefined
 * where that middle holds fewer than `minPixels` pixels or is under 2 pixels either way.
 */
export function innerLumaSpread(image: RgbFrame, box: Box, minPixels = 16): number | undefined {
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const x1 = Math.max(0, Math.round(box.x1 + 0.15 * w));
  const x2 = Math.min(image.width, Math.round(box.x2 - 0.15 * w));
  const y1 = Math.max(0, Math.round(box.y1 + 0.2 * h));
  const y2 = Math.min(image.height, Math.round(box.y2 - 0.2 * h));
  if (x2 - x1 < 2 || y2 - y1 < 2 || (x2 - x1) * (y2 - y1) < minPixels) return undefined;
  let sum = 0;
  let sq = 0;
  const { data, width } = image;
  for (let y = y1; y < y2; y++) {
    for (let i = (y * width + x1) * 3, end = (y * width + x2) * 3; i < end; i += 3) {
      const v = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      sum += v;
      sq += v * v;
    }
  }
  const n = (x2 - x1) * (y2 - y1);
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

/**
 * Luma spread under which a plate candidate is flat: the grey bar of ffmpeg's test pattern
 * (scored 0.55-0.66 by the far-plate weights from 640x360 to 1080p) spreads 0.1-0.8 levels; the
 * plates the detector found on the tuning clips of `npm run eval:plates` 4.6 and up. Blanked
 * plates are flat too (4 of the 142 labelled photo plates, 0.5-2.0): nothing on them to hide.
 */
export const FLAT_PLATE_SPREAD = 2;

/** Whether `box` on `image` is too flat inside to hold characters (too small to tell: no). */
export function flatPlate(image: RgbFrame, box: Box, spread = FLAT_PLATE_SPREAD): boolean {
  const s = innerLumaSpread(image, box);
  return s !== undefined && s < spread;
}
