/**
 * Sweep of the text plate fallback's reading step on eval-data/plates: every plate-shaped text
 * line is found and read once (PP-OCRv4 recogniser), then each rule variant is applied to the
 * stored readings and scored as the engine would (NMS, IoU >= 0.3, greedy by score). Runs the
 * models in this thread, so the table's ms are detection + reading of every candidate.
 *
 *   node --import tsx scripts/eval/plate-reading.ts [--threshold 0.5] [--dump file.json]
 *        [--min-text-aspect 1.2]
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { nms } from '../../src/engine/nms.ts';
import { npmModelPath } from '../../src/engine/models.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import {
  DEFAULT_PLATE_TEXT_RULES,
  judgePlateText,
  type PlateTextRules,
  type Reading,
} from '../../src/engine/plate-text.rules.ts';
import { openTextLineRecogniser } from '../../src/engine/text-line.recogniser.ts';
import { DEFAULT_TEXT_PLATE, TextPlateDetector } from '../../src/engine/text-plate.detector.ts';
import { absorbSecondaryLines, DEFAULT_PLATE_SHAPE } from '../../src/engine/text-plate.boxes.ts';
import type { Box, Detection } from '../../src/engine/types.ts';
import { evalDataPath, loadEvalSet, type Xyxy } from './dataset.ts';
import { iouXyxy, matchImage, summarize } from './metrics.ts';
import { decodeSet } from './run-set.ts';

const { values } = parseArgs({
  options: {
    threshold: { type: 'string', default: '0.5' },
    dump: { type: 'string' },
    /** Smallest text-line width / height before reading (default: DEFAULT_PLATE_SHAPE's). */
    'min-text-aspect': { type: 'string' },
  },
});
const threshold = Number(values.threshold);

interface Read {
  /** The text line in detector-input pixels. */
  text: Box;
  plate: Detection;
  reading: Reading;
  /** Best IoU with a demanded truth plate (for the dump). */
  iou: number;
}

const cases = await decodeSet(loadEvalSet(evalDataPath('plates/annotations.json')));
const shape = {
  ...DEFAULT_PLATE_SHAPE,
  ...(values['min-text-aspect'] ? { minTextAspect: Number(values['min-text-aspect']) } : {}),
};
const detector = new TextPlateDetector(await openSession(npmModelPath('textDet')), {
  ...DEFAULT_TEXT_PLATE,
  shape,
});
const recogniser = await openTextLineRecogniser();
const perImage: Read[][] = [];
let detectMs = 0;
let readMs = 0;
for (const c of cases) {
  const frame = { data: c.rgb, width: c.width, height: c.height };
  const t0 = performance.now();
  const { input, candidates } = await detector.candidates(frame, threshold);
  const t1 = performance.now();
  const reads: Read[] = [];
  for (const cand of candidates) {
    const reading = await recogniser.read(input, cand.text);
    const b = cand.plate.box;
    const box: Xyxy = [b.x1, b.y1, b.x2, b.y2];
    const iou = Math.max(0, ...c.boxes.filter((t) => !t.ignore).map((t) => iouXyxy(box, t.box)));
    reads.push({ text: cand.text, plate: cand.plate, reading, iou });
  }
  readMs += performance.now() - t1;
  detectMs += t1 - t0;
  perImage.push(reads);
}
await detector.close();
await recogniser.close();

if (values.dump) {
  const rows = perImage.flatMap((reads, i) =>
    reads.map((r) => ({
      image: cases[i].name,
      text: r.reading.text,
      conf: +(r.reading.probs.reduce((a, b) => a + b, 0) / (r.reading.probs.length || 1)).toFixed(
        3,
      ),
      iou: +r.iou.toFixed(2),
      score: +r.plate.score.toFixed(3),
      box: [r.plate.box.x1, r.plate.box.y1, r.plate.box.x2, r.plate.box.y2].map(Math.round),
    })),
  );
  fs.writeFileSync(values.dump, JSON.stringify(rows, null, 1));
}

/** Plates kept by `keep`, smaller lines merged into their neighbours' plates when `absorb`. */
function platesOf(reads: Read[], keep: (r: Read) => boolean, absorb: boolean): Detection[] {
  const kept = reads.filter(keep);
  if (!absorb) return kept.map((r) => r.plate);
  const { owner, plates } = absorbSecondaryLines(
    kept.map((r) => ({ text: r.text, plate: r.plate.box })),
  );
  return kept.flatMap((r, i) => (owner[i] === i ? [{ ...r.plate, box: plates[i] }] : []));
}

function score(keep: (r: Read) => boolean, absorb = false): ReturnType<typeof summarize> {
  return summarize(
    perImage.map((reads, i) => {
      const kept = nms(platesOf(reads, keep, absorb), { iou: 0.5, containment: 0.7 });
      const mine = kept.map((d) => ({
        box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2] as Xyxy,
        score: d.score,
      }));
      return { truth: cases[i].boxes, match: matchImage(mine, cases[i].boxes, 0.3) };
    }),
  );
}

const d = DEFAULT_PLATE_TEXT_RULES;
const variants: Array<[string, ((r: Read) => boolean) | PlateTextRules]> = [
  ['no reading (before)', () => true],
  ['default rules', d],
  ['minConfidence 0.5', { ...d, minConfidence: 0.5 }],
  ['minConfidence 0.7', { ...d, minConfidence: 0.7 }],
  ['minDigits 1', { ...d, minDigits: 1 }],
  ['minChars 3', { ...d, minChars: 3 }],
  ['minChars 4', { ...d, minChars: 4 }],
  ['maxChars 8', { ...d, maxChars: 8 }],
  ['maxChars 10', { ...d, maxChars: 10 }],
  ['maxLowerShare 0', { ...d, maxLowerShare: 0 }],
  ['maxLowerShare 0.34', { ...d, maxLowerShare: 0.34 }],
  ['only confident plate text', (r) => judgePlateText(r.reading) === 'plate'],
  [
    'default rules, score >= 0.9',
    (r) => r.plate.score >= 0.9 && judgePlateText(r.reading) !== 'not-plate',
  ],
];
const n = cases.length;
console.log(
  `plates: ${n} images, threshold ${threshold}, text-line aspect >= ${shape.minTextAspect}, IoU >= 0.3; detection ${(detectMs / n).toFixed(0)} ms/img, reading ${(readMs / n).toFixed(0)} ms/img (${perImage.flat().length} lines read)`,
);
console.log(
  '| rules | recall | precision | false/img | smaller lines merged: recall | precision | false/img |',
);
console.log('|---|---|---|---|---|---|---|');
const cells = (s: ReturnType<typeof summarize>): string =>
  `${s.recall.toFixed(3)} (${s.found}/${s.truth}) | ${s.precision.toFixed(3)} | ${s.falsePositivesPerImage.toFixed(2)}`;
for (const [name, v] of variants) {
  const keep =
    typeof v === 'function' ? v : (r: Read) => judgePlateText(r.reading, v) !== 'not-plate';
  console.log(`| ${name} | ${cells(score(keep))} | ${cells(score(keep, true))} |`);
}
