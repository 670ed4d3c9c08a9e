/**
 * Estimates the quality a JPEG was saved at from its luminance quantisation table, so the
 * output is re-encoded near the input's quality (neither bloated nor visibly worse).
 */

// IJG's standard luminance table at quality 50; only its sum matters, so order does not.
const STD_LUMA_SUM = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
].reduce((a, b) => a + b, 0);

/** Sum of the first (luminance, id 0) quantisation table, or undefined if none is found. */
function lumaTableSum(jpeg: Uint8Array): number | undefined {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1];
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI / start of scan
    const len = (jpeg[at + 2] << 8) | jpeg[at + 3];
    if (marker === 0xdb) {
      let p = at + 4;
      while (p < at + 2 + len) {
        const precision = jpeg[p] >> 4;
        const id = jpeg[p] & 15;
        const size = precision ? 128 : 64;
        if (id === 0) {
          let sum = 0;
          for (let k = 0; k < 64; k++) {
            sum += precision ? (jpeg[p + 1 + 2 * k] << 8) | jpeg[p + 2 + 2 * k] : jpeg[p + 1 + k];
          }
          return sum;
        }
        p += 1 + size;
      }
    }
    at += 2 + len;
  }
  return undefined;
}

/** IJG-style quality 1..100 (default 90 when the file has no readable table). */
export function estimateJpegQuality(jpeg: Uint8Array): number {
  const sum = lumaTableSum(jpeg);
  if (!sum) return 90;
  const scale = (sum * 100) / STD_LUMA_SUM;
  const quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
  return Math.max(1, Math.min(100, Math.round(quality)));
}
