/**
 * The face-mesh model's input for a tracked face (`FaceMeshRuntime.track`), cut in plain
 * JavaScript: what TensorFlow.js's WASM backend computes for
 * `div(cropAndResize(rotateWithOffset(image, roll, 0, centre), box, [size, size]), 255)`, but
 * only at the size x size samples the model sees instead of rotating the whole crop first.
 * Every step repeats the backend's float32 arithmetic (each operation rounded to float32,
 * `round` half away from zero), so the values are the backend's own, bit for bit
 * (test/integration/syn/tracked-input.test.ts compares them).
 */
import type { RgbFrame } from '../types.ts';
import { ROLL_MIN, type MeshBox } from './mesh.tracking.ts';
import { roundPixel } from '../round.ts';
import { nativeKernels } from '../../native/index.ts';

const f = Math.fround;
/** C's `round`: half away from zero (`roundPixel` is Math.round, half up, for v >= 0). */
const roundC = (v: number) => (v < 0 ? -roundPixel(-v) : roundPixel(v));

/**
 * The offset (RGB) of the image pixel that rotateWithOffset puts at a whole pixel whose offsets
 * from the centre, times cos and sin, are given (x: xCos, xSin; y: yCos, ySin); -1: outside
 * (filled with 0).
 */
function turnedAt(
  xCos: number,
  xSin: number,
  yCos: number,
  ySin: number,
  centreX: number,
  centreY: number,
  w: number,
  h: number,
): number {
  const sx = roundC(f(f(xCos - ySin) + centreX));
  const sy = roundC(f(f(xSin + yCos) + centreY));
  return sx >= 0 && sx < w && sy >= 0 && sy < h ? (sy * w + sx) * 3 : -1;
}

/**
 * The size x size x 3 input (values 0..1) of the face in `box` (image pixels) of `img`, the
 * image turned by `roll` around the box's centre when beyond ROLL_MIN, as Human's tracked mesh
 * cuts it.
 */
export function trackedInput(
  img: RgbFrame,
  box: MeshBox,
  roll: number,
  size: number,
): Float32Array {
  const { width: w, height: h } = img;
  const [bx, by, bw, bh] = box;
  const turn =
    Math.abs(roll) > ROLL_MIN
      ? { radians: roll, centre: [(bx + bw / 2) / w, (by + bh / 2) / h] as const }
      : undefined;
  const cut = [by / h, bx / w, (by + bh) / h, (bx + bw) / w] as const;
  return cutTurned(img.data, w, h, turn, cut, size, 255);
}

/**
 * `div(cropAndResize(rotateWithOffset(image, radians, 0, centre), [cut], [0], [size, size]), 255)`
 * of TensorFlow.js's WASM backend (bilinear, extrapolation 0) for one h x w x 3 image given
 * as `src` (float32 values), without `turn`: the crop alone. `centre` and `cut` as the ops take
 * them: fractions of the image (cut: y1, x1, y2, x2). `divisor` 1: cropAndResize's own output.
 */
export function cutTurned(
  src: ArrayLike<number>,
  w: number,
  h: number,
  turn: { radians: number; centre: readonly [number, number] } | undefined,
  cut: readonly [number, number, number, number],
  size: number,
  divisor = 255,
): Float32Array {
  // rotateWithOffset: output pixel (x, y) takes the input pixel nearest to it turned back:
  // x' = round(((x - cx) cos - (y - cy) sin) + cx), y' = round(((x - cx) sin + (y - cy) cos) + cy).
  const radians = f(turn?.radians ?? 0);
  const sin = f(Math.sin(radians));
  const cos = f(Math.cos(radians));
  const centreX = f(w * (turn?.centre[0] ?? 0));
  const centreY = f(h * (turn?.centre[1] ?? 0));
  // cropAndResize (bilinear, extrapolation 0) of the box given as fractions of the image.
  const y1 = f(cut[0]);
  const x1 = f(cut[1]);
  const y2 = f(cut[2]);
  const x2 = f(cut[3]);
  const hScale = size > 1 ? f(f(f(y2 - y1) * (h - 1)) / (size - 1)) : 0;
  const wScale = size > 1 ? f(f(f(x2 - x1) * (w - 1)) / (size - 1)) : 0;
  /**
   * Per output column (or row): whether it samples inside the image, the two whole pixels it
   * falls between, its weight, and each pixel's offset from the centre times cos and sin.
   */
  const axis = (n: number, start: number, scale: number, len: number, centre: number) => {
    const inside = new Uint8Array(n);
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const lerp = new Float64Array(n);
    const loCos = new Float64Array(n);
    const loSin = new Float64Array(n);
    const hiCos = new Float64Array(n);
    const hiSin = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const at =
        size > 1
          ? f(f(start * (len - 1)) + f(i * scale))
          : f(f(0.5 * f(start + scale)) * (len - 1));
      if (at < 0 || at > len - 1) continue; // extrapolation value 0
      inside[i] = 1;
      lo[i] = Math.floor(at);
      hi[i] = Math.ceil(at);
      lerp[i] = f(at - lo[i]);
      const dLo = f(lo[i] - centre);
      const dHi = f(hi[i] - centre);
      loCos[i] = f(dLo * cos);
      loSin[i] = f(dLo * sin);
      hiCos[i] = f(dHi * cos);
      hiSin[i] = f(dHi * sin);
    }
    return { inside, lo, hi, lerp, loCos, loSin, hiCos, hiSin };
  };
  // (One box: `scale` carries y2 / x2 for the size-1 case, as cropAndResize's centre sample.)
  const cols = axis(size, x1, size > 1 ? wScale : x2, w, centreX);
  const rows = axis(size, y1, size > 1 ? hScale : y2, h, centreY);
  const turned = turn !== undefined;
  const out = new Float32Array(size * size * 3);
  const native = nativeKernels();
  if (native && (src instanceof Uint8Array || src instanceof Float32Array)) {
    // src/native/syn.c: the loop below, bit for bit.
    const pack = (a: ReturnType<typeof axis>) => {
      const packed = new Float64Array(size * 8);
      for (let i = 0, o = 0; i < size; i++, o += 8) {
        packed[o] = a.inside[i];
        packed[o + 1] = a.lo[i];
        packed[o + 2] = a.hi[i];
        packed[o + 3] = a.lerp[i];
        packed[o + 4] = a.loCos[i];
        packed[o + 5] = a.loSin[i];
        packed[o + 6] = a.hiCos[i];
        packed[o + 7] = a.hiSin[i];
      }
      return packed;
    };
    native.cutTurned(
      src,
      w,
      h,
      turned ? 1 : 0,
      centreX,
      centreY,
      pack(cols),
      pack(rows),
      size,
      divisor,
      out,
    );
    return out;
  }
  for (let y = 0; y < size; y++) {
    if (!rows.inside[y]) continue;
    const top = rows.lo[y];
    const bottom = rows.hi[y];
    const yLerp = rows.lerp[y];
    const tCos = rows.loCos[y];
    const tSin = rows.loSin[y];
    const bCos = rows.hiCos[y];
    const bSin = rows.hiSin[y];
    for (let x = 0; x < size; x++) {
      if (!cols.inside[x]) continue;
      const left = cols.lo[x];
      const right = cols.hi[x];
      const xLerp = cols.lerp[x];
      const lCos = cols.loCos[x];
      const lSin = cols.loSin[x];
      const rCos = cols.hiCos[x];
      const rSin = cols.hiSin[x];
      const tl = turned
        ? turnedAt(lCos, lSin, tCos, tSin, centreX, centreY, w, h)
        : (top * w + left) * 3;
      const tr = turned
        ? turnedAt(rCos, rSin, tCos, tSin, centreX, centreY, w, h)
        : (top * w + right) * 3;
      const bl = turned
        ? turnedAt(lCos, lSin, bCos, bSin, centreX, centreY, w, h)
        : (bottom * w + left) * 3;
      const br = turned
        ? turnedAt(rCos, rSin, bCos, bSin, centreX, centreY, w, h)
        : (bottom * w + right) * 3;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const vtl = tl < 0 ? 0 : src[tl + c];
        const vtr = tr < 0 ? 0 : src[tr + c];
        const vbl = bl < 0 ? 0 : src[bl + c];
        const vbr = br < 0 ? 0 : src[br + c];
        const t = f(vtl + f(f(vtr - vtl) * xLerp));
        const b = f(vbl + f(f(vbr - vbl) * xLerp));
        out[o + c] = f(f(t + f(f(b - t) * yLerp)) / divisor);
      }
    }
  }
  return out;
}
