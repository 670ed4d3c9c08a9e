/**
 * A shop sign drawn onto a committed photo: a line of lower-case text on a dark board, the kind
 * of short text line the text plate fallback must not take for a plate. Characters are stroked
 * paths (no fonts needed), like the drawn plates of test/fixtures/images/drawn-plate.ts.
 */
import type { Box, RgbFrame } from '../../../src/engine/types.ts';
import { drawSvg } from '../../fixtures/images/drawn-plate.ts';

/** Strokes per lower-case character on a 4-wide grid: x-height 3..7, ascenders from 0. */
const GLYPHS: Record<string, string> = {
  a: 'M0.5,3 H4 V7 H0 V5 H4',
  b: 'M0,0 V7 H4 V3 H0',
  c: 'M4,3 H0 V7 H4',
  e: 'M0,5 H4 V3 H0 V7 H4',
  f: 'M4,0.5 H2 V7 M0.5,3 H3.5',
  k: 'M0,0 V7 M3.5,3 L0,5.5 M1.5,4.5 L4,7',
  o: 'M0,3 H4 V7 H0 Z',
  r: 'M0,7 V3 M0,4 L1.5,3 H4',
  y: 'M0,3 L2,7 M4,3 L1,9.5',
};

export interface DrawnSign {
  frame: RgbFrame;
  box: Box;
}

/** SVG of a sign `width` px wide showing `text` (characters from GLYPHS). */
export function signSvg(text: string, width: number): string {
  const u = width / (text.length * 5.6 + 3);
  const height = Math.round(13 * u);
  const strokes = [...text].map((ch, i) => {
    const path = GLYPHS[ch];
    if (!path) throw new Error(`no glyph for ${ch}`);
    return `<path transform="translate(${1.5 * u + i * 5.6 * u},${2 * u}) scale(${u})" d="${path}"/>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="#1d3b2a"/>`,
    `<g fill="none" stroke="#f3ead2" stroke-width="0.9" stroke-linecap="round" stroke-linejoin="round">`,
    ...strokes,
    '</g></svg>',
  ].join('');
}

/** `photo` with a sign of `width` px whose top-left corner is at (left, top). */
export function drawSign(
  photo: string,
  text: string,
  left: number,
  top: number,
  width: number,
): Promise<DrawnSign> {
  return drawSvg(photo, signSvg(text, width), left, top);
}
