/** Boxes and tracked faces for the cover tests (steady and smooth covers). */
import type { Box, Detection } from '../../../src/engine/types.ts';

export const box = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });

export const face = (b: Box, trackId?: number): Detection => ({
  cls: 'face',
  box: b,
  score: 0.9,
  trackId,
});
