/**
 * Synthetic plates (`lp_syntonymize`, alias `lp_syn`; a Veil extension): a plate is replaced
 * by a rendered plate of the same shape, colours, border, text height, sharpness and noise,
 * whose characters can never be a real registration (see `plate.glyphs.ts`), drawn upright on
 * a canvas and warped onto the plate's quadrilateral. The whole quadrilateral is repainted, so
 * none of the original characters is left. Pure; in place on RGB frames.
 */
import { mulberry32 } from '../mulberry32.ts';
import type { AnonymizeOptions, Detection, Point, RgbFrame } from '../types.ts';
import type { Region } from './mask.geometry.ts';
import {
  layoutText,
  segmentDistance,
  syntheticPlateText,
  type TextLayout,
} from './plate.glyphs.ts';
import {
  BAND_SHARE,
  measurePlate,
  steadyLook,
  type LookMemory,
  type PlateLook,
} from './plate.look.ts';
import {
  canvasToQuad,
  invert,
  plateQuad,
  project,
  quadSize,
  rectify,
  sampleBilinear,
} from './plate.warp.ts';

/** Plates smaller than this (frame pixels) are blurred instead: their text is not legible. */
export const MIN_SYNTH_PLATE = { width: 16, height: 6 };
/** Supersampling of the canvas the plate is drawn on. */
const SUPERSAMPLE = 2;
/**
 * Salt of a plate in a still image (video passes one salt per video): its box in whole pixels,
 * so the same photo gives the same synthetic text on every run (reproducible outputs and
 * tests), while plates at other places and in other photos get other text. The box says
 * nothing about the original characters.
 */
const boxSalt = ({ box }: Detection) =>
  `box:${[box.x1, box.y1, box.x2, box.y2].map(Math.round).join(',')}`;

/** How many characters a plate of this shape carries: about 1.5 per plate height of width. */
export function plateTextLength(width: number, height: number): number {
  return Math.max(3, Math.min(9, Math.round((width / Math.max(1, height)) * 1.5)));
}

/** An upright plate, `width` x `height` pixels: background (and band), border, then the text's strokes. */
export function drawPlateCanvas(
  look: PlateLook,
  layout: TextLayout,
  width: number,
  height: number,
): RgbFrame {
  const ink = new Float32Array(width * height);
  if (look.border) {
    const t = Math.max(1, height * 0.045);
    const inset = height * 0.02;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const edge = Math.min(x + 0.5, y + 0.5, width - x - 0.5, height - y - 0.5) - inset;
        ink[y * width + x] = Math.max(0, Math.min(1, Math.min(edge + 0.5, t - edge + 0.5)));
      }
    }
  }
  const { half } = layout;
  for (const s of layout.segments) {
    const x1 = Math.max(0, Math.floor(Math.min(s.ax, s.bx) - half - 1));
    const x2 = Math.min(width, Math.ceil(Math.max(s.ax, s.bx) + half + 1));
    const y1 = Math.max(0, Math.floor(Math.min(s.ay, s.by) - half - 1));
    const y2 = Math.min(height, Math.ceil(Math.max(s.ay, s.by) + half + 1));
    for (let y = y1; y < y2; y++) {
      for (let x = x1; x < x2; x++) {
        const c = half - segmentDistance(s, x + 0.5, y + 0.5) + 0.5;
        if (c > ink[y * width + x]) ink[y * width + x] = Math.min(1, c);
      }
    }
  }
  const out = new Uint8Array(width * height * 3);
  const { ink: k } = look;
  const bandW = look.band ? Math.round(width * BAND_SHARE) : 0;
  for (let i = 0, o = 0; i < ink.length; i++, o += 3) {
    const a = ink[i];
    const b = look.band && i % width < bandW ? look.band : look.background;
    out[o] = Math.round(b[0] + (k[0] - b[0]) * a);
    out[o + 1] = Math.round(b[1] + (k[1] - b[1]) * a);
    out[o + 2] = Math.round(b[2] + (k[2] - b[2]) * a);
  }
  return { data: out, width, height };
}

/** The plate's quadrilateral and its size in frame pixels. */
export function plateShape(det: Detection): { quad: Point[]; width: number; height: number } {
  const quad = plateQuad(det.box, det.polygon);
  return { quad, ...quadSize(quad) };
}

/** The characters of a synthetic plate keyed by `key` for a plate the shape of `det`. */
export function plateTextFor(det: Detection, key: string, salt: string = boxSalt(det)): string {
  const { width, height } = plateShape(det);
  return syntheticPlateText(key, salt, plateTextLength(width, height));
}

/**
 * Replaces the plate `det` of `frame` in place with a synthetic one showing `text` (see
 * `plateTextFor`). With `memory` (one per video track) its look changes slowly from frame to
 * frame. Returns the changed region, or undefined when the plate is too small or degenerate
 * (then the caller covers it as usual).
 */
export function renderSyntheticPlate(
  frame: RgbFrame,
  det: Detection,
  text: string,
  memory?: LookMemory,
): Region | undefined {
  const { quad, ...size } = plateShape(det);
  if (size.width < MIN_SYNTH_PLATE.width || size.height < MIN_SYNTH_PLATE.height) return undefined;
  const W = Math.round(size.width);
  const H = Math.round(size.height);
  const toFrame = canvasToQuad(quad, W, H);
  const toCanvas = toFrame && invert(toFrame);
  if (!toFrame || !toCanvas) return undefined;
  const measured = measurePlate(rectify(frame, toFrame, W, H));
  const look = memory ? steadyLook(memory, measured, H) : measured;
  const cw = W * SUPERSAMPLE;
  const ch = H * SUPERSAMPLE;
  // Text centred right of the band, where the plate has one.
  const bandW = look.band ? Math.round(cw * BAND_SHARE) : 0;
  const layout = shiftLayout(
    layoutText(text, cw - bandW, ch, look.textHeight * SUPERSAMPLE),
    bandW,
  );
  return compositePlate(frame, drawPlateCanvas(look, layout, cw, ch), toCanvas, W, H, look, text);
}

/** `layout` moved right by `dx` canvas pixels. */
function shiftLayout(layout: TextLayout, dx: number): TextLayout {
  if (dx === 0) return layout;
  return {
    ...layout,
    segments: layout.segments.map((g) => ({ ...g, ax: g.ax + dx, bx: g.bx + dx })),
    x1: layout.x1 + dx,
    x2: layout.x2 + dx,
  };
}

/**
 * Warps `canvas` (the plate at SUPERSAMPLE x its W x H size) into `frame` through `toCanvas`,
 * softens it to the plate's blur, adds its noise and blends it in with a one-pixel soft edge.
 */
function compositePlate(
  frame: RgbFrame,
  canvas: RgbFrame,
  toCanvas: ReturnType<typeof invert> & object,
  W: number,
  H: number,
  look: PlateLook,
  seed: string,
): Region | undefined {
  const toFrame = invert(toCanvas)!;
  const corners = [
    project(toFrame, 0, 0),
    project(toFrame, W, 0),
    project(toFrame, W, H),
    project(toFrame, 0, H),
  ];
  const pad = Math.ceil(3 * look.blurSigma) + 2;
  const x = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[0]))) - pad);
  const y = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[1]))) - pad);
  const x2 = Math.min(frame.width, Math.ceil(Math.max(...corners.map((p) => p[0]))) + pad);
  const y2 = Math.min(frame.height, Math.ceil(Math.max(...corners.map((p) => p[1]))) + pad);
  const w = x2 - x;
  const h = y2 - y;
  if (w <= 0 || h <= 0) return undefined;
  const alpha = new Float32Array(w * h);
  const comp = new Float32Array(w * h * 3);
  const px = new Float32Array(3);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const m = j * w + i;
      const f = ((y + j) * frame.width + x + i) * 3;
      const [u, v] = project(toCanvas, x + i + 0.5, y + j + 0.5);
      const a = Number.isFinite(u + v)
        ? Math.max(0, Math.min(1, Math.min(u, W - u, v, H - v) + 0.5))
        : 0;
      alpha[m] = a;
      if (a > 0)
        sampleBilinear(
          canvas.data,
          canvas.width,
          canvas.height,
          u * SUPERSAMPLE,
          v * SUPERSAMPLE,
          px,
        );
      for (let c = 0; c < 3; c++)
        comp[m * 3 + c] = frame.data[f + c] + (a > 0 ? (px[c] - frame.data[f + c]) * a : 0);
    }
  }
  if (look.blurSigma >= 0.3) gaussianBlur(comp, w, h, look.blurSigma);
  const rand = gaussianSource(seed);
  for (let m = 0; m < w * h; m++) {
    const a = alpha[m];
    if (a === 0) continue;
    const f = ((y + Math.floor(m / w)) * frame.width + x + (m % w)) * 3;
    const n = look.noise > 0 ? rand() * look.noise : 0;
    for (let c = 0; c < 3; c++) {
      const v = comp[m * 3 + c] + n;
      frame.data[f + c] = Math.max(
        0,
        Math.min(255, Math.round(frame.data[f + c] + (v - frame.data[f + c]) * a)),
      );
    }
  }
  return { x, y, w, h };
}

/** Separable gaussian blur of interleaved RGB floats, in place (edges clamped). */
export function gaussianBlur(data: Float32Array, w: number, h: number, sigma: number): void {
  const r = Math.max(1, Math.ceil(sigma * 2.5));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const line = new Float32Array(Math.max(w, h) * 3);
  const pass = (n: number, count: number, at: (line: number, i: number) => number) => {
    for (let l = 0; l < count; l++) {
      for (let i = 0; i < n; i++) {
        const o = at(l, i);
        line[i * 3] = data[o];
        line[i * 3 + 1] = data[o + 1];
        line[i * 3 + 2] = data[o + 2];
      }
      for (let i = 0; i < n; i++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let t = -r; t <= r; t++) {
          const q = Math.max(0, Math.min(n - 1, i + t)) * 3;
          const kv = k[t + r];
          s0 += line[q] * kv;
          s1 += line[q + 1] * kv;
          s2 += line[q + 2] * kv;
        }
        const o = at(l, i);
        data[o] = s0;
        data[o + 1] = s1;
        data[o + 2] = s2;
      }
    }
  };
  pass(w, h, (row, i) => (row * w + i) * 3);
  pass(h, w, (col, i) => (i * w + col) * 3);
}

/** Standard normal samples from a generator seeded by `seed` (same seed, same noise). */
function gaussianSource(seed: string): () => number {
  let s = 2166136261;
  for (let i = 0; i < seed.length; i++) s = Math.imul(s ^ seed.charCodeAt(i), 16777619) >>> 0;
  const next = mulberry32(s);
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** The key that chooses a plate's characters: its track in video, its index in an image. */
export function plateKey(det: Detection, index: number): string {
  return det.trackId !== undefined ? `track:${det.trackId}` : `plate:${index}`;
}

/**
 * With `lpSyntonymize` (and plates enabled), replaces each plate of `detections` that is large
 * enough by a synthetic plate, in place, and returns the detections still to be covered the
 * usual way (faces, and plates too small to render). Otherwise returns `detections` as given.
 */
export function synthesizePlates(
  frame: RgbFrame,
  detections: Detection[],
  options: Pick<AnonymizeOptions, 'lpSyntonymize' | 'enableLp'>,
  salt?: string,
): Detection[] {
  if (!options.lpSyntonymize || !options.enableLp) return detections;
  let plateIndex = 0;
  return detections.filter((d) => {
    if (d.cls !== 'plate') return true;
    const text = plateTextFor(d, plateKey(d, plateIndex++), salt);
    return renderSyntheticPlate(frame, d, text) === undefined;
  });
}
