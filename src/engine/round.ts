/**
 * `Math.round(v)` for pixel values (0 <= v < 2^31; anything below 0.5, negatives included,
 * gives 0), without calling Math.round: in the per-pixel loops (syn's crops, colour transfer
 * and blend; the blur, pixelation and mask blend of render/) V8's Math.round cost about twice
 * this. Exact for every v >= 0.5: the double sum v + 0.5 never rounds across a whole number
 * there, so truncating it is Math.round's floor(v + 1/2); below 0.5 Math.round gives 0 (or -0)
 * for 0 <= v, and the callers' values are never negative (test/unit/engine/round.test.ts checks
 * the boundaries k + 1/2 and their neighbours).
 */
export function roundPixel(v: number): number {
  return v < 0.5 ? 0 : (v + 0.5) | 0;
}
