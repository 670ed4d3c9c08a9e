/**
 * Vehicles (and other COCO objects) with the CenterNet (MobileNetV3) that ships in
 * `@vladmandic/human` (`models/centernet.json`), converted in memory to ONNX by
 * `syn/tfjs-graph.onnx.ts` up to its heatmap and box outputs and run on onnxruntime
 * (about 60 ms per picture at its 512 x 512 input on one core of this machine); peaks and boxes
 * are decoded here. Photos' plates under 0.7 must lie in one of its vehicles
 * (`plate-context.ts`, applied in `frame.detector.ts`; measured in models/README.md).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { openSession, type ModelSession } from './onnx.runtime.ts';
import { resizeRgb } from './preprocess.ts';
import { convertGraphModel } from './syn/tfjs-graph.onnx.ts';
import type { Box, RgbFrame } from './types.ts';

/** COCO class indexes (0-based, as the model's heatmap channels) of road vehicles. */
export const VEHICLE_CLASSES: Readonly<Record<number, string>> = {
  2: 'car',
  3: 'motorcycle',
  5: 'bus',
  7: 'truck',
};
export const PERSON_CLASS = 0;

export interface FoundObject {
  box: Box;
  score: number;
  cls: number;
}

const SIDE = 512;
/** Heatmap cell size in input pixels. */
const STRIDE = 4;

/**
 * Objects of `classes` in CenterNet's outputs: every heatmap cell at or above `minScore` that no
 * neighbour of its 3 x 3 cells beats in its class (the model's own peak rule), its box the cell
 * centre minus / plus the four distances of `wh`, scaled by (sx, sy) to picture pixels.
 * `heat`: [rows, cols, channels] row-major, `wh`: [rows, cols, 4].
 */
export function decodeCenterNet(
  heat: Float32Array,
  wh: Float32Array,
  rows: number,
  cols: number,
  channels: number,
  classes: readonly number[],
  minScore: number,
  sx = 1,
  sy = 1,
): FoundObject[] {
  const out: FoundObject[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      for (const c of classes) {
        const v = heat[(y * cols + x) * channels + c];
        if (v < minScore || !isPeak(heat, rows, cols, channels, x, y, c, v)) continue;
        const o = (y * cols + x) * 4;
        out.push({
          cls: c,
          score: v,
          box: {
            x1: (x * STRIDE - wh[o]) * sx,
            y1: (y * STRIDE - wh[o + 1]) * sy,
            x2: (x * STRIDE + wh[o + 2]) * sx,
            y2: (y * STRIDE + wh[o + 3]) * sy,
          },
        });
      }
    }
  }
  return out;
}

function isPeak(
  heat: Float32Array,
  rows: number,
  cols: number,
  channels: number,
  x: number,
  y: number,
  c: number,
  v: number,
): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || xx < 0 || yy >= rows || xx >= cols) continue;
      if (heat[(yy * cols + xx) * channels + c] > v) return false;
    }
  }
  return true;
}

export interface ObjectDetector {
  /** Objects of `classes` at or above `minScore` in `frame` (frame pixels). */
  detect(frame: RgbFrame, classes?: readonly number[], minScore?: number): Promise<FoundObject[]>;
  close(): Promise<void>;
}

/** CenterNet from the installed `@vladmandic/human`, converted and opened on onnxruntime. */
export async function openObjectDetector(): Promise<ObjectDetector> {
  const require = createRequire(import.meta.url);
  const dir = path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..');
  const graph = await convertGraphModel(path.join(dir, 'models/centernet.json'), {
    outputs: ['tower_0/keypoints', 'tower_0/wh'],
  });
  const session: ModelSession = await openSession(graph.model);
  return {
    async detect(frame, classes = Object.keys(VEHICLE_CLASSES).map(Number), minScore = 0.2) {
      // The model takes the picture stretched to 512 x 512, RGB 0..255, channels last.
      const input = resizeRgb(frame, SIDE, SIDE);
      const r = await session.run({
        data: Float32Array.from(input.data),
        dims: [1, SIDE, SIDE, 3],
      });
      const heat = r['tower_0/keypoints'];
      const [, rows, cols, channels] = heat.dims;
      return decodeCenterNet(
        heat.data,
        r['tower_0/wh'].data,
        rows,
        cols,
        channels,
        classes,
        minScore,
        frame.width / SIDE,
        frame.height / SIDE,
      );
    },
    close: () => session.close(),
  };
}
