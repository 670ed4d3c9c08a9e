/**
 * Video frames travel as planar YUV 4:2:0 (what decoders produce and encoders take): half the
 * bytes of RGB over the pipes and no full-frame colour conversion in ffmpeg. RGB exists only
 * where needed: a reduced copy for the detectors, and the regions a renderer draws on.
 * Conversions use BT.601 limited range, as ffmpeg's scaler does by default.
 */
import type { Box, Detection, RgbFrame } from '../../engine/types.ts';

/** I420: Y plane (width x height), then U and V planes (ceil(width/2) x ceil(height/2)). */
export interface YuvFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

export function yuvFrameSize(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v | 0);

// Fixed-point (x1024) lookup tables for YUV -> RGB: one add and a shift per channel.
const Y_T = new Int32Array(256);
const V_R = new Int32Array(256);
const U_G = new Int32Array(256);
const V_G = new Int32Array(256);
const U_B = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  Y_T[i] = Math.round(1.164 * (i - 16) * 1024) + 512;
  V_R[i] = Math.round(1.596 * (i - 128) * 1024);
  U_G[i] = Math.round(-0.392 * (i - 128) * 1024);
  V_G[i] = Math.round(-0.813 * (i - 128) * 1024);
  U_B[i] = Math.round(2.017 * (i - 128) * 1024);
}

/** Writes the RGB of one pixel at `o`. */
function put(out: Uint8Array, o: number, y: number, u: number, v: number): void {
  const yy = Y_T[y];
  out[o] = clamp((yy + V_R[v]) >> 10);
  out[o + 1] = clamp((yy + U_G[u] + V_G[v]) >> 10);
  out[o + 2] = clamp((yy + U_B[u]) >> 10);
}

function planes(f: YuvFrame) {
  const cw = Math.ceil(f.width / 2);
  const ch = Math.ceil(f.height / 2);
  const uOff = f.width * f.height;
  return { cw, ch, uOff, vOff: uOff + cw * ch };
}

/**
 * An RGB copy of `frame` no larger than `maxSide` on its longer side, for the detectors;
 * luma is averaged over 2x2 source pixels when reducing by 2 or more (less aliasing).
 */
export function reducedRgb(
  frame: YuvFrame,
  maxSide: number,
): { frame: RgbFrame; sx: number; sy: number } {
  const { width: w, height: h, data } = frame;
  const scale = Math.min(1, maxSide / Math.max(w, h));
  const dw = Math.max(1, Math.round(w * scale));
  const dh = Math.max(1, Math.round(h * scale));
  const sx = w / dw;
  const sy = h / dh;
  const { cw, uOff, vOff } = planes(frame);
  const out = new Uint8Array(dw * dh * 3);
  const average = sx >= 2 && sy >= 2;
  let o = 0;
  for (let j = 0; j < dh; j++) {
    const y = Math.min(h - 2, Math.floor(j * sy));
    const row = y * w;
    const crow = (y >> 1) * cw;
    for (let i = 0; i < dw; i++) {
      const x = Math.min(w - 2, Math.floor(i * sx));
      const p = row + x;
      const luma = average
        ? (data[p] + data[p + 1] + data[p + w] + data[p + w + 1]) >> 2
        : data[row + Math.floor(i * sx)];
      const c = crow + (x >> 1);
      put(out, o, luma, data[uOff + c], data[vOff + c]);
      o += 3;
    }
  }
  return { frame: { data: out, width: dw, height: dh }, sx, sy };
}

/** The region of `frame` inside `box` as RGB; box edges on even pixels (whole chroma blocks). */
export function regionToRgb(frame: YuvFrame, box: Box): RgbFrame {
  const { width: w, data } = frame;
  const { cw, uOff, vOff } = planes(frame);
  const rw = box.x2 - box.x1;
  const rh = box.y2 - box.y1;
  const out = new Uint8Array(rw * rh * 3);
  let o = 0;
  for (let y = box.y1; y < box.y2; y++) {
    const crow = (y >> 1) * cw;
    const row = y * w;
    for (let x = box.x1; x < box.x2; x++, o += 3) {
      const c = crow + (x >> 1);
      put(out, o, data[row + x], data[uOff + c], data[vOff + c]);
    }
  }
  return { data: out, width: rw, height: rh };
}

/**
 * Writes `box` of an RGB region (whose top-left is at `origin` in the frame) back into the
 * frame; chroma from the 2x2 average, as a 4:2:0 encoder would. `box` edges on even pixels.
 */
export function rgbToRegion(
  frame: YuvFrame,
  box: Box,
  rgb: RgbFrame,
  origin: { x: number; y: number } = { x: box.x1, y: box.y1 },
): void {
  const { width: w, height: h, data } = frame;
  const { cw, uOff, vOff } = planes(frame);
  const src = rgb.data;
  const rw = rgb.width;
  for (let y = box.y1; y < box.y2; y++) {
    let s = ((y - origin.y) * rw + (box.x1 - origin.x)) * 3;
    for (let x = box.x1; x < box.x2; x++, s += 3) {
      data[y * w + x] = clamp(16.5 + 0.257 * src[s] + 0.504 * src[s + 1] + 0.098 * src[s + 2]);
    }
  }
  for (let y = box.y1; y < box.y2; y += 2) {
    for (let x = box.x1; x < box.x2; x += 2) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = 0; dy < 2 && y + dy < Math.min(box.y2, h); dy++) {
        for (let dx = 0; dx < 2 && x + dx < Math.min(box.x2, w); dx++) {
          const s = ((y + dy - origin.y) * rw + (x + dx - origin.x)) * 3;
          r += src[s];
          g += src[s + 1];
          b += src[s + 2];
          n++;
        }
      }
      r /= n;
      g /= n;
      b /= n;
      const c = (y >> 1) * cw + (x >> 1);
      data[uOff + c] = clamp(128.5 - 0.148 * r - 0.291 * g + 0.439 * b);
      data[vOff + c] = clamp(128.5 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
}

/** Grows a box to even edges (whole chroma blocks), inside the frame. */
function evenBox(b: Box, width: number, height: number): Box {
  const down = (v: number, max: number) => Math.min(max, Math.max(0, 2 * Math.floor(v / 2)));
  // An odd last column/row belongs to the last chroma block: take it in whole.
  const up = (v: number, max: number) => {
    const e = Math.max(0, 2 * Math.ceil(v / 2));
    return e >= max - 1 ? max : e;
  };
  return {
    x1: down(b.x1, width),
    y1: down(b.y1, height),
    x2: up(b.x2, width),
    y2: up(b.y2, height),
  };
}

/**
 * Draws detections on a YUV frame through an RGB renderer, converting only what each object
 * needs: `sourceOf(d)` is the frame area the renderer reads for `d`; `render` draws on that
 * area as an RGB frame (detection in its coordinates) and returns the part it changed.
 */
export function renderOnYuv(
  frame: YuvFrame,
  detections: Detection[],
  sourceOf: (d: Detection) => Box,
  render: (rgb: RgbFrame, d: Detection) => Box | undefined,
): void {
  for (const d of detections) {
    const region = evenBox(sourceOf(d), frame.width, frame.height);
    if (region.x2 <= region.x1 || region.y2 <= region.y1) continue;
    const rgb = regionToRgb(frame, region);
    const dx = region.x1;
    const dy = region.y1;
    const shift = (p: [number, number]): [number, number] => [p[0] - dx, p[1] - dy];
    const local: Detection = {
      ...d,
      box: { x1: d.box.x1 - dx, y1: d.box.y1 - dy, x2: d.box.x2 - dx, y2: d.box.y2 - dy },
      ...(d.landmarks ? { landmarks: d.landmarks.map(shift) } : {}),
      ...(d.polygon ? { polygon: d.polygon.map(shift) } : {}),
    };
    const changed = render(rgb, local);
    if (changed && (changed.x2 <= changed.x1 || changed.y2 <= changed.y1)) continue;
    const back = changed
      ? evenBox(
          { x1: changed.x1 + dx, y1: changed.y1 + dy, x2: changed.x2 + dx, y2: changed.y2 + dy },
          frame.width,
          frame.height,
        )
      : region;
    const clipped = {
      x1: Math.max(back.x1, region.x1),
      y1: Math.max(back.y1, region.y1),
      x2: Math.min(back.x2, region.x2),
      y2: Math.min(back.y2, region.y2),
    };
    rgbToRegion(frame, clipped, rgb, { x: region.x1, y: region.y1 });
  }
}
