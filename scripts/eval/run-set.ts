/** Runs the real engine over decoded evaluation images and scores its detections. */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { Engine } from '../../src/engine/index.ts';
import type { AnonymizeOptions, ObjectClass } from '../../src/engine/types.ts';
import { defaultAnonymizeOptions } from '../../src/engine/types.ts';
import type { GtBox, LoadedSet, Xyxy } from './dataset.ts';
import { imagePath } from './dataset.ts';
import type { Summary } from './metrics.ts';
import { matchImage, summarize } from './metrics.ts';

/** One decoded image with its truth boxes. */
export interface EvalCase {
  name: string;
  width: number;
  height: number;
  rgb: Uint8Array;
  boxes: GtBox[];
}

export async function decodeSet(set: LoadedSet): Promise<EvalCase[]> {
  const cases: EvalCase[] = [];
  for (const image of set.images) {
    const { data, info } = await sharp(imagePath(set, image))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== image.width || info.height !== image.height) {
      throw new Error(
        `${image.file}: ${info.width}x${info.height}, annotations say ${image.width}x${image.height}`,
      );
    }
    cases.push({
      name: image.file,
      width: info.width,
      height: info.height,
      rgb: new Uint8Array(data),
      boxes: image.boxes,
    });
  }
  return cases;
}

export interface RunSettings {
  cls: ObjectClass;
  threshold: number;
  slicing: boolean;
  minIou?: number;
}

/** Options that switch on only the class under test, at the given threshold. */
export function optionsFor(s: RunSettings): AnonymizeOptions {
  return {
    ...defaultAnonymizeOptions,
    blurFace: s.cls === 'face',
    enableLp: s.cls === 'plate',
    blurThreshold: s.cls === 'face' ? s.threshold : defaultAnonymizeOptions.blurThreshold,
    lpThreshold: s.cls === 'plate' ? s.threshold : defaultAnonymizeOptions.lpThreshold,
    slicing: s.slicing,
  };
}

export interface RunResult {
  /** IoU >= 0.3, the headline. */
  summary: Summary;
  /** IoU >= 0.3 or the detection inside the truth box (see MatchRule). */
  lenient: Summary;
  /** Wall time of engine.detect per image (decode excluded), in ms. */
  msMean: number;
  msMedian: number;
  /** Images with a miss or a false positive, for looking at failures. */
  failures: { name: string; missed: number; falsePositives: number }[];
}

export async function runCases(
  engine: Engine,
  cases: EvalCase[],
  s: RunSettings,
): Promise<RunResult> {
  const options = optionsFor(s);
  const scored = [];
  const lenient = [];
  const times: number[] = [];
  const failures: RunResult['failures'] = [];
  for (const c of cases) {
    const t0 = performance.now();
    const dets = await engine.detect({ data: c.rgb, width: c.width, height: c.height }, options);
    times.push(performance.now() - t0);
    const mine = dets
      .filter((d) => d.cls === s.cls)
      .map((d) => ({ box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2] as Xyxy, score: d.score }));
    const match = matchImage(mine, c.boxes, s.minIou ?? 0.3);
    lenient.push({
      truth: c.boxes,
      match: matchImage(mine, c.boxes, s.minIou ?? 0.3, 'iou-or-inside'),
    });
    const missed = c.boxes.filter((b, i) => !b.ignore && !match.matched[i]).length;
    if (missed || match.falsePositives)
      failures.push({ name: c.name, missed, falsePositives: match.falsePositives });
    scored.push({ truth: c.boxes, match });
  }
  times.sort((a, b) => a - b);
  return {
    summary: summarize(scored),
    lenient: summarize(lenient),
    msMean: times.reduce((a, b) => a + b, 0) / times.length,
    msMedian: times[times.length >> 1],
    failures,
  };
}
