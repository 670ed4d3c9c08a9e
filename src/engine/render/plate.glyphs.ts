/**
 * The vector glyphs of synthetic plates (`lp_syntonymize` / `lp_syn`) and the text they carry.
 * Glyphs are stroked polylines on a 4 x 7 grid (y down), drawn by distance to their segments:
 * no font is needed, so every machine renders the same pixels. Pure.
 *
 * The text can never be a real registration: every synthetic plate carries `#`, a character
 * that no registration alphabet has (plates use Latin or national letters, digits and at most
 * a hyphen, dot or space as separators), between a letter group and a digit group, e.g.
 * `KM#4821`. Letters I, O and Q are left out (easily taken for 1 and 0).
 */
import { createHash } from 'node:crypto';

/** Grid size of a glyph: 4 units wide, 7 tall. */
export const GLYPH_W = 4;
export const GLYPH_H = 7;
/** Advance from one character to the next, in grid units (glyph plus gap). */
export const GLYPH_ADVANCE = 5.6;
/** Stroke width in grid units. */
export const GLYPH_STROKE = 0.9;
/** The character every synthetic plate carries (no registration has it). */
export const FAKE_MARKER = '#';

/** Polylines per character as flat [x0, y0, x1, y1, ...] lists. */
export const GLYPHS: Readonly<Record<string, readonly (readonly number[])[]>> = {
  '0': [[0, 0, 4, 0, 4, 7, 0, 7, 0, 0]],
  '1': [
    [1, 1.2, 2, 0, 2, 7],
    [1, 7, 3, 7],
  ],
  '2': [[0, 0, 4, 0, 4, 3.5, 0, 3.5, 0, 7, 4, 7]],
  '3': [
    [0, 0, 4, 0, 4, 7, 0, 7],
    [0.8, 3.5, 4, 3.5],
  ],
  '4': [
    [0, 0, 0, 4.2, 4, 4.2],
    [3, 1.5, 3, 7],
  ],
  '5': [[4, 0, 0, 0, 0, 3.5, 4, 3.5, 4, 7, 0, 7]],
  '6': [[4, 0, 0, 0, 0, 7, 4, 7, 4, 3.5, 0, 3.5]],
  '7': [[0, 0, 4, 0, 1.5, 7]],
  '8': [
    [0, 0, 4, 0, 4, 7, 0, 7, 0, 0],
    [0, 3.5, 4, 3.5],
  ],
  '9': [[4, 3.5, 0, 3.5, 0, 0, 4, 0, 4, 7, 0, 7]],
  A: [
    [0, 7, 2, 0, 4, 7],
    [0.8, 4.5, 3.2, 4.5],
  ],
  B: [
    [0, 0, 3, 0, 4, 1.6, 3, 3.5, 0, 3.5],
    [3, 3.5, 4, 5.3, 3, 7, 0, 7, 0, 0],
  ],
  C: [[4, 0, 0, 0, 0, 7, 4, 7]],
  D: [[0, 0, 2.5, 0, 4, 2, 4, 5, 2.5, 7, 0, 7, 0, 0]],
  E: [
    [4, 0, 0, 0, 0, 7, 4, 7],
    [0, 3.5, 3, 3.5],
  ],
  F: [
    [4, 0, 0, 0, 0, 7],
    [0, 3.5, 3, 3.5],
  ],
  G: [[4, 0, 0, 0, 0, 7, 4, 7, 4, 3.5, 2, 3.5]],
  H: [
    [0, 0, 0, 7],
    [4, 0, 4, 7],
    [0, 3.5, 4, 3.5],
  ],
  J: [[4, 0, 4, 7, 0, 7, 0, 5]],
  K: [
    [0, 0, 0, 7],
    [4, 0, 0, 4],
    [1.5, 2.5, 4, 7],
  ],
  L: [[0, 0, 0, 7, 4, 7]],
  M: [[0, 7, 0, 0, 2, 3.5, 4, 0, 4, 7]],
  N: [[0, 7, 0, 0, 4, 7, 4, 0]],
  P: [[0, 7, 0, 0, 4, 0, 4, 3.5, 0, 3.5]],
  R: [
    [0, 7, 0, 0, 4, 0, 4, 3.5, 0, 3.5],
    [1.5, 3.5, 4, 7],
  ],
  S: [[4, 0.6, 3.4, 0, 0.6, 0, 0, 0.6, 0, 2.9, 0.6, 3.5, 3.4, 3.5, 4, 4.1, 4, 6.4, 3.4, 7, 0, 7]],
  T: [
    [0, 0, 4, 0],
    [2, 0, 2, 7],
  ],
  U: [[0, 0, 0, 7, 4, 7, 4, 0]],
  V: [[0, 0, 2, 7, 4, 0]],
  W: [[0, 0, 1, 7, 2, 3, 3, 7, 4, 0]],
  X: [
    [0, 0, 4, 7],
    [4, 0, 0, 7],
  ],
  Y: [
    [0, 0, 2, 3.5, 4, 0],
    [2, 3.5, 2, 7],
  ],
  Z: [[0, 0, 4, 0, 0, 7, 4, 7]],
  '#': [
    [1.4, 0.6, 0.8, 6.4],
    [3.2, 0.6, 2.6, 6.4],
    [0, 2.4, 4, 2.4],
    [0, 4.6, 4, 4.6],
  ],
};

export const PLATE_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
export const PLATE_DIGITS = '0123456789';

/**
 * The `length` characters (3..9, the marker included) of the synthetic plate keyed by `key`
 * (e.g. a track id) and `salt`: letters, the marker, digits. Same key and salt, same text.
 */
export function syntheticPlateText(key: string, salt: string, length: number): string {
  const n = Math.max(3, Math.min(9, Math.round(length)));
  const bytes = createHash('sha256').update(`${salt}\u0000plate\u0000${key}`).digest();
  const letters = Math.floor((n - 1) / 2);
  let text = '';
  for (let i = 0; i < n - 1; i++) {
    const b = bytes[i];
    text += i < letters ? PLATE_LETTERS[b % PLATE_LETTERS.length] : PLATE_DIGITS[b % 10];
    if (i === letters - 1) text += FAKE_MARKER;
  }
  return text;
}

/** A stroke segment in plate canvas pixels. */
export interface Segment {
  ax: number;
  ay: number;
  bx: number;
  by: number;
}

export interface TextLayout {
  segments: Segment[];
  /** Stroke half width in canvas pixels. */
  half: number;
  /** Where the text sits (canvas pixels), for checks. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * Segments of `text` centred on a `width` x `height` canvas, its ink `textHeight` pixels tall
 * (strokes included; smaller when the line would not fit 92% of the width), strokes
 * GLYPH_STROKE grid units wide.
 */
export function layoutText(
  text: string,
  width: number,
  height: number,
  textHeight: number,
): TextLayout {
  const chars = [...text];
  const span = (chars.length - 1) * GLYPH_ADVANCE + GLYPH_W;
  const u = Math.max(
    0.1,
    Math.min(textHeight / (GLYPH_H + GLYPH_STROKE), (width * 0.92) / (span + GLYPH_STROKE)),
  );
  const x0 = (width - span * u) / 2;
  const y0 = (height - GLYPH_H * u) / 2;
  const segments: Segment[] = [];
  chars.forEach((ch, i) => {
    const lines = GLYPHS[ch];
    if (!lines) throw new RangeError(`no glyph for ${JSON.stringify(ch)}`);
    const ox = x0 + i * GLYPH_ADVANCE * u;
    for (const pts of lines) {
      for (let k = 0; k + 3 < pts.length; k += 2) {
        segments.push({
          ax: ox + pts[k] * u,
          ay: y0 + pts[k + 1] * u,
          bx: ox + pts[k + 2] * u,
          by: y0 + pts[k + 3] * u,
        });
      }
    }
  });
  return {
    segments,
    half: (GLYPH_STROKE / 2) * u,
    x1: x0,
    y1: y0,
    x2: x0 + span * u,
    y2: y0 + GLYPH_H * u,
  };
}

/** Distance from (x, y) to segment `s`. */
export function segmentDistance(s: Segment, x: number, y: number): number {
  const dx = s.bx - s.ax;
  const dy = s.by - s.ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - s.ax) * dx + (y - s.ay) * dy) / len2));
  return Math.hypot(x - (s.ax + t * dx), y - (s.ay + t * dy));
}
