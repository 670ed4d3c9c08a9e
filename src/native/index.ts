/**
 * Veil's optional native kernels (`src/native/kernels.c`, an N-API module that `npm ci` builds
 * with node-gyp through `scripts/build-native.mjs`). Each kernel does the same float operations
 * in the same order as the JavaScript it stands in for, so outputs are equal element for
 * element; the JavaScript stays the reference and the fallback. Where the module did not build
 * (no compiler), or with `VEIL_NATIVE=0`, everything runs in JavaScript.
 */
import { createRequire } from 'node:module';

export interface NativeKernels {
  /**
   * `resizedPlanarTensor`'s resampling (preprocess.ts): `src` interleaved RGB, taps per output
   * column (`h*`) and row (`v*`) as `computeTaps` makes them, written into the planes of `out`
   * that start at `first`, `second`, `third`, rows `padW` apart.
   */
  resamplePlanar(
    src: Uint8Array,
    width: number,
    height: number,
    hStart: Int32Array,
    hCount: Int32Array,
    hWeights: Float32Array,
    hStride: number,
    vStart: Int32Array,
    vCount: Int32Array,
    vWeights: Float32Array,
    vStride: number,
    out: Float32Array,
    first: number,
    second: number,
    third: number,
    padW: number,
  ): void;
  /** The same size: interleaved RGB bytes de-interleaved into the planes of `out`. */
  copyPlanar(
    src: Uint8Array,
    width: number,
    height: number,
    out: Float32Array,
    first: number,
    second: number,
    third: number,
    padW: number,
  ): void;
  /** x = (x - sub) * mul for every element, in float32 arithmetic (sub and mul as float32). */
  affineInPlace(x: Float32Array, sub: number, mul: number): void;
  /**
   * A gathered first layer's input (`src/engine/stem-gather.ts`): `planar` [3, h, w] quantized
   * (x / scale, half to even, + zero, saturated) and each 3x3 stride-2 patch as 27 bytes of
   * `out` [oh, ow, 27], outside the picture the zero point.
   */
  gatherStem(
    planar: Float32Array,
    w: number,
    h: number,
    scale: number,
    zero: number,
    padTop: number,
    padLeft: number,
    out: Uint8Array,
    ow: number,
    oh: number,
  ): void;
  /*
   * The video main thread's kernels (src/native/yuv.c), bit for bit their JavaScript.
   */
  /**
   * `blendGrid` of yuv.render.ts: the cell grid (`grid`, gw x gh cells of `cell` px from gx, gy;
   * `smooth`: bilinear) blended into target tx, ty, tw x th of an I420 frame `fw` x `fh` through
   * `shape`'s coverage: a Float64Array [cx, cy, rx, ry, feather] (an ellipse, as
   * `ellipseEdgeRow`) or a tw x th Float32Array (`rasterizeMask`'s).
   */
  blendGrid(
    frame: Uint8Array,
    fw: number,
    fh: number,
    tx: number,
    ty: number,
    tw: number,
    th: number,
    shape: Float64Array | Float32Array,
    grid: Float32Array,
    gw: number,
    gh: number,
    gx: number,
    gy: number,
    cell: number,
    smooth: boolean,
  ): void;
  /**
   * `cellMeans` of yuv.cells.ts for cells of 2 px or more: means of Y, U and V of region rx, ry,
   * rw x rh over the gw x gh grid at gx, gy (luma every `step`-th pixel and row), into `grid`.
   */
  cellSums(
    frame: Uint8Array,
    fw: number,
    fh: number,
    rx: number,
    ry: number,
    rw: number,
    rh: number,
    grid: Float32Array,
    gw: number,
    gh: number,
    gx: number,
    gy: number,
    cell: number,
    step: number,
  ): void;
  /** `gaussianish` of region.filter.ts (integer r and passes), in place. */
  gaussianish(buf: Float32Array, w: number, h: number, r: number, passes: number): void;
  /**
   * Sets the capacity of the pipe behind `fd` (F_SETPIPE_SZ, capped by the kernel's
   * pipe-max-size for unprivileged processes); returns the capacity it has then, -1 if none.
   */
  pipeCapacity(fd: number, bytes: number): number;
  /** A new pipe [readFd, writeFd], blocking and close-on-exec. */
  pipe(): [number, number];
  /**
   * Starts `file` with posix_spawn (no fork): child fd i is our `fds[i]` (-1: /dev/null),
   * signals at their defaults; `onExit` is called once it has exited and been reaped. Returns
   * its pid; throws (code ENOENT, EACCES, ESPAWN) where it cannot start.
   */
  spawn(
    file: string,
    argv: string[],
    env: string[],
    fds: Int32Array,
    onExit: (code: number | null, signal: number | null) => void,
  ): number;
  /** Signals a child started by `spawn` while it runs; false once it has exited. */
  kill(pid: number, signal: number): boolean;
  /** `halveToRgb` of yuv.frame.ts: an even w x h I420 frame to RGB at w/2 x h/2 into `out`. */
  halveToRgb(frame: Uint8Array, w: number, h: number, out: Uint8Array): void;
  /**
   * `reducedRgb`'s general copy (yuv.frame.ts): output pixel (i, j) from luma (xs[i], ys[j])
   * (with `average`, the 2x2 mean from there) and the chroma under it, RGB into `out`.
   */
  reduceToRgb(
    frame: Uint8Array,
    w: number,
    h: number,
    xs: Int32Array,
    ys: Int32Array,
    average: boolean,
    out: Uint8Array,
  ): void;
  /**
   * `rasterizePolygon` of mask.geometry.ts: coverage of the polygon `points` (x0, y0, x1, y1, ...)
   * with feather `f` (at least 1e-6) over region x, y, w x h, into `out` (w x h).
   */
  rasterizePolygon(
    points: Float64Array,
    f: number,
    x: number,
    y: number,
    w: number,
    h: number,
    out: Float32Array,
  ): void;
  /*
   * syn's kernels (src/native/syn.c), bit for bit their JavaScript.
   */
  /**
   * `warpTriangles` of src/engine/syn/mesh.geometry.ts: the triangles (index triples into the
   * points, x0, y0, x1, y1, ...) drawn into the target window tx, ty, tw x th (`rgb`,
   * `covered`), sampled from `src` (sw x sh RGB). Returns the triangles drawn.
   */
  warpTriangles(
    src: Uint8Array,
    sw: number,
    sh: number,
    srcPts: Float64Array,
    dstPts: Float64Array,
    triangles: Int32Array,
    rgb: Float32Array,
    covered: Uint8Array,
    tx: number,
    ty: number,
    tw: number,
    th: number,
  ): number;
  /**
   * `transferLab`'s per-pixel trilinear lookup (src/engine/syn/colour.transfer.ts): the pixels
   * of `rgb` where `mask` is set, through the 17^3 RGB table `lut`, in place.
   */
  lutApply(rgb: Float32Array, mask: Uint8Array, lut: Float32Array): void;
  /**
   * `cropAround`'s resampled crop (src/engine/syn/face.crop.ts) with `taps` 1 or 2 per axis:
   * the axis arrays as its `axis` makes them (byte offsets of the two source pixels of each
   * tap, the upper one's weight), `out` side x side RGB.
   */
  cropBilinear(
    src: Uint8Array,
    taps: number,
    side: number,
    c0: Int32Array,
    c1: Int32Array,
    ax: Float64Array,
    r0: Int32Array,
    r1: Int32Array,
    ay: Float64Array,
    out: Uint8Array,
  ): void;
  /**
   * `cutTurned`'s samples (src/engine/syn/tracked.input.ts): each axis packed as 8 values per
   * entry (inside, lo, hi, lerp, loCos, loSin, hiCos, hiSin); `out` (size x size x 3, zeros)
   * gets the inside samples.
   */
  cutTurned(
    src: Uint8Array | Float32Array,
    w: number,
    h: number,
    turned: number,
    centreX: number,
    centreY: number,
    cols: Float64Array,
    rows: Float64Array,
    size: number,
    divisor: number,
    out: Float32Array,
  ): void;
}

/** Where node-gyp puts the module, from this file (src/native/) or the repository root. */
const MODULE = '../../build/Release/veil_native.node';

let loaded: NativeKernels | null | undefined;
let enabled = process.env.VEIL_NATIVE !== '0';

/** The native kernels, or null: not built, failed to load, or switched off. */
export function nativeKernels(): NativeKernels | null {
  if (!enabled) return null;
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)(MODULE) as NativeKernels;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/** Whether the module is built and loads (whatever `useNativeKernels` says). */
export function nativeKernelsBuilt(): boolean {
  const was = enabled;
  enabled = true;
  try {
    return nativeKernels() !== null;
  } finally {
    enabled = was;
  }
}

/** Switches the native kernels off (false) or back on, for tests and benches in one process. */
export function useNativeKernels(on: boolean): void {
  enabled = on;
}
