/**
 * Plate audit (issue #4): what the false positives and misses of a plate model on eval-data/plates
 * are (results: eval-data/README.md, "Plate audit"). Runs each model once per image at a floor
 * threshold (cached in eval-data/cache/plate-audit-<model>.json), then at each threshold classifies
 * every false positive and miss: geometrically, a false positive on an annotated plate that no
 * detection matched is that plate found with its box off (IoU < 0.3), one on a plate already
 * matched is a second box; the rest by our visual labels (eval-data/plate-audit-labels.json).
 * Prints strict and audited recall/precision per threshold and size band, and the counts per class.
 *
 *   node --import tsx scripts/eval/plate-audit.ts [--models veil,text] [--thresholds 0.3,0.4,0.5]
 *        [--floor 0.3] [--sheets] [--label '#3=plate #4=nonplate m0=small']
 *
 * `--sheets`: contact sheets of every false positive and miss per model and threshold
 * (eval-data/cache/plate-audit-<model>-<thr>-{fp,miss}-N.png: red the item, green truth boxes,
 * cyan detections), and of the unlabelled ones of all, numbered (plate-audit-todo-*.png, listed in
 * plate-audit-todo.json). `--label` adds labels by those numbers to the labels copy in
 * eval-data/cache/ (which wins while labelling; copy it to eval-data/ to commit). Label keys: see
 * FP_CLASSES and MISS_CLASSES.
 */
import { parseArgs } from 'node:util';
import type { PlateModel } from '../../src/engine/index.ts';
import { evalDataPath, imagePath, loadEvalSet } from './dataset.ts';
import {
  applyTodoLabels,
  Audit,
  AuditSheets,
  boxSide,
  CACHE,
  UNLABELLED,
  type Outcome,
} from './audit.ts';
import { EVAL_PLATE_CONTEXT, runModel } from './audit.detections.ts';
import type { SizeBucket } from './metrics.ts';
import { decodeSet } from './run-set.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'veil' },
    thresholds: { type: 'string', default: '0.3,0.4,0.5' },
    floor: { type: 'string', default: '0.3' },
    sheets: { type: 'boolean', default: false },
    label: { type: 'string' },
  },
});
const thresholds = values.thresholds.split(',').map(Number);
const floor = Number(values.floor);

/** Visual labels of false positives (as stored) and what each means. */
export const FP_CLASSES = {
  plate: 'real plate, not annotated',
  nonplate: 'non-plate (sticker, badge, sign, text)',
  dup: 'second box on a plate already found',
};

/** Visual labels of misses (as stored) and what each means. */
export const MISS_CLASSES = {
  small: 'small, unreadable (under 20 px wide)',
  occluded: 'occluded or cut by the frame',
  angle: 'steep angle or edge-on',
  dark: 'dark, blurred or glared',
  blank: 'blanked in the photo (no characters left)',
  odd: 'annotation odd (no plate in the box, or box far off)',
  clear: 'clear plate, nothing else wrong',
};

const PLATE_BUCKETS: SizeBucket[] = [
  { name: '<16', min: 0, max: 16 },
  { name: '16-32', min: 16, max: 32 },
  { name: '32-64', min: 32, max: 64 },
  { name: '>64', min: 64, max: Infinity },
];

const audit = new Audit({
  kind: 'plate',
  fpClasses: FP_CLASSES,
  real: 'plate',
  missClasses: MISS_CLASSES,
  dupOnMatched: FP_CLASSES.dup,
  buckets: PLATE_BUCKETS,
  // openimages-<16 hex digits>.jpg: the first 6 digits tell the images apart.
  short: (image) => image.replace(/^openimages-/, '').slice(0, 6),
});

/** Median truth size (longer side, px) of the misses of each class. */
function missSizes(o: Outcome): string {
  const by: Record<string, number[]> = {};
  for (const { c, g, cls } of o.missItems) (by[cls] ??= []).push(boxSide(c.boxes[g].box));
  return Object.entries(by)
    .map(([cls, s]) => `${cls}: ${s.sort((a, b) => a - b).join(' ')}`)
    .join('; ');
}

async function main(): Promise<void> {
  if (values.label) {
    const n = applyTodoLabels('plate', values.label.split(/\s+/).filter(Boolean));
    console.log(
      `labelled ${n.fp} false positives, ${n.miss} misses (${CACHE}/plate-audit-labels.json)`,
    );
  }
  const set = loadEvalSet(evalDataPath('plates/annotations.json'));
  const cases = await decodeSet(set);
  const pathOf = new Map(set.images.map((i) => [i.file, imagePath(set, i)]));
  const sheets = new AuditSheets(audit, pathOf);
  console.log(`Plate audit: strict match IoU >= 0.3; ${cases.length} images.`);
  const table: string[] = [];
  for (const model of values.models.split(',') as PlateModel[]) {
    const run = await runModel(
      { cls: 'plate', model, mirror: false },
      cases,
      floor,
      `${CACHE}/plate-audit-${model}${EVAL_PLATE_CONTEXT === 'none' ? '-nocontext' : ''}.json`,
    );
    if (typeof run === 'string') {
      console.log(`${model}: not available (${run})`);
      continue;
    }
    console.log(`\n${model}:`);
    for (const threshold of thresholds) {
      const o = audit.evaluate(run, cases, threshold);
      console.log(audit.report(`thr ${threshold}`, o));
      console.log(`    false positives: ${JSON.stringify(o.fpClass)}`);
      console.log(`    misses: ${JSON.stringify(o.missClass)}`);
      console.log(`    miss sizes (px) per class: ${missSizes(o)}`);
      const n = audit.numbers(o);
      const p = (v: number) => (100 * v).toFixed(1);
      table.push(
        `| ${model} | ${threshold} | ${p(n.recall)} (${o.found}/${o.truth}) | ${p(n.precision)} ` +
          `(${o.tp}/${o.tp + o.fp}) | ${p(n.auditedRecall)} | ${p(n.auditedPrecision)} | ` +
          `${o.fpClass[UNLABELLED] ?? 0} / ${o.missClass[UNLABELLED] ?? 0} |`,
      );
      if (!values.sheets) continue;
      const files = await sheets.sheets(
        run,
        o,
        threshold,
        `${CACHE}/plate-audit-${model}-${threshold}`,
      );
      console.log(`    sheets: ${files.join(' ')}`);
    }
  }
  console.log(
    '\n| model | threshold | strict recall | strict precision | audited recall | audited precision | unlabelled FP / misses |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of table) console.log(row);
  if (!values.sheets) return;
  console.log(`\nTo label: ${(await sheets.writeTodo(`${CACHE}/plate-audit-todo`)).join(' ')}`);
}

await main();
