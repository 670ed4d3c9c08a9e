/**
 * Face audit (issue #4): what the false positives and misses of each face model on
 * eval-data/faces are (results: eval-data/README.md, "Face audit"). Runs each model once on each
 * image and its mirror (cached in eval-data/cache/), classifies every false positive and miss (a
 * detection on a loosely boxed annotated face geometrically, the rest by the visual labels in
 * eval-data/face-audit-labels.json), prints strict and audited recall/precision per size
 * band, the counts per class, landmark shape per class, and the same with each prototype filter
 * of `face-audit.filters.ts`.
 *
 *   node --import tsx scripts/eval/face-audit.ts [--models yunet,retinaface] [--threshold 0.5]
 *        [--floor 0.3] [--sheets]
 *
 * `--sheets`: contact sheets of every false positive and miss per model
 * (eval-data/cache/audit-<model>-{fp,miss}-N.png), and of the unlabelled ones of all models,
 * numbered (audit-todo-*.png, listed in face-audit-todo.json). Label those in
 * face-audit-labels.json: `{ "fp": [{ "image", "box", "cls": "face" | "head" | "nonface" | "dup" }],
 * "miss": { "<image>#<truth index>": "<class>" } }`. The audit itself is `audit.ts`, shared with
 * `plate-audit.ts`.
 */
import { parseArgs } from 'node:util';
import type { FaceModel } from '../../src/engine/index.ts';
import { evalDataPath, imagePath, loadEvalSet } from './dataset.ts';
import { Audit, AuditSheets, CACHE } from './audit.ts';
import { runModel, type AuditDet } from './audit.detections.ts';
import { FILTERS, shapeStats } from './face-audit.filters.ts';
import { FACE_SIZE_BUCKETS } from './metrics.ts';
import { decodeSet } from './run-set.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'yunet,retinaface' },
    threshold: { type: 'string', default: '0.5' },
    floor: { type: 'string', default: '0.3' },
    sheets: { type: 'boolean', default: false },
  },
});
const threshold = Number(values.threshold);
const floor = Number(values.floor);

const audit = new Audit({
  kind: 'face',
  fpClasses: {
    face: 'real face, not annotated',
    head: 'head seen from behind/above, no face visible',
    nonface: 'non-face',
    dup: 'second box on a face already found',
  },
  real: 'face',
  buckets: FACE_SIZE_BUCKETS,
  short: (image) => image.replace(/\D/g, ''),
});

async function main(): Promise<void> {
  const set = loadEvalSet(evalDataPath('faces/annotations.json'));
  const cases = await decodeSet(set);
  const pathOf = new Map(set.images.map((i) => [i.file, imagePath(set, i)]));
  const sheets = new AuditSheets(audit, pathOf);
  console.log(`Face audit at threshold ${threshold}: strict match IoU >= 0.3.`);
  for (const model of values.models.split(',') as FaceModel[]) {
    const run = await runModel(
      { cls: 'face', model },
      cases,
      floor,
      `${CACHE}/face-audit-${model}.json`,
    );
    if (typeof run === 'string') {
      console.log(`${model}: not available (${run})`);
      continue;
    }
    const base = audit.evaluate(run, cases, threshold);
    console.log(`\n${model}:`);
    console.log(audit.report('no filter', base));
    console.log(`    false positives: ${JSON.stringify(base.fpClass)}`);
    console.log(`    misses: ${JSON.stringify(base.missClass)}`);
    const groups: Record<string, AuditDet[]> = { 'matched (strict)': base.hits };
    for (const { d, cls } of base.fpItems) (groups[cls] ??= []).push(d);
    console.log('    landmark shape per class, 2nd/50th/98th percentile:');
    for (const line of shapeStats(groups)) console.log(`      ${line}`);
    for (const [name, f] of Object.entries(FILTERS))
      console.log(audit.report(name, audit.evaluate(run, cases, threshold, f), base));
    if (!values.sheets) continue;
    const files = await sheets.sheets(run, base, threshold, `${CACHE}/audit-${model}`);
    console.log(`    sheets: ${files.join(' ')}`);
  }
  if (!values.sheets) return;
  // Unlabelled items of all models, each once, numbered for labelling.
  console.log(`\nTo label: ${(await sheets.writeTodo(`${CACHE}/audit-todo`)).join(' ')}`);
}

await main();
