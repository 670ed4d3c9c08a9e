/**
 * Reads TensorFlow.js weight files (a manifest of groups, each a list of .bin paths holding
 * its weights back to back) into float32 / int32 arrays, dequantized as TensorFlow.js does on
 * load: uint8 / uint16 as `q * scale + min`, float16 widened exactly.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface Weight {
  dims: number[];
  data: Float32Array | Int32Array;
}

export type WeightMap = Map<string, Weight>;

/** An IEEE half-precision value widened to a double (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let halves: Float32Array | undefined;
/** Every half-precision value widened (a 256 KB table, built on first use). */
function halfTable(): Float32Array {
  if (!halves) {
    halves = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halves[h] = halfToFloat(h);
  }
  return halves;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** The weights of `groups` (file paths relative to `dir`). */
export async function readWeights(dir: string, groups: readonly WeightGroup[]): Promise<WeightMap> {
  const out: WeightMap = new Map();
  for (const group of groups) {
    const parts = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    const buf = Buffer.concat(parts);
    let pos = 0;
    for (const spec of group.weights) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const q = spec.quantization;
      const stored = q?.dtype ?? spec.dtype;
      const size = BYTES[stored];
      if (!size) throw new Error(`weight ${spec.name}: unsupported dtype ${stored}`);
      const bytes = buf.subarray(pos, pos + n * size);
      pos += n * size;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let data: Float32Array | Int32Array;
      if (spec.dtype === 'int32' && !q) {
        data = new Int32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getInt32(i * 4, true);
      } else if (spec.dtype !== 'float32') {
        throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
      } else if (!q) {
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
      } else if (q.dtype === 'float16') {
        const table = halfTable();
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = table[view.getUint16(i * 2, true)];
      } else {
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        data = new Float32Array(n);
        for (let i = 0; i < n; i++)
          data[i] =
            (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true)) * scale + min;
      }
      out.set(spec.name, { dims: spec.shape, data });
    }
  }
  return out;
}
