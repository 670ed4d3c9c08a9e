/**
 * Plates that Veil's engine finds in the photos of people of eval-data/faces, which hold no
 * plate: every one is a false plate. Kept apart from the plate training's plate-free pictures
 * (scripts/train-plate/README.md, "Third run"), so it checks what they taught.
 *
 *   node --import tsx scripts/eval/plate-free-photos.ts [--thresholds 0.3,0.5] [--list]
 */
import { parseArgs } from 'node:util';
import { createEngine } from '../../src/engine/index.ts';
import { EVAL_PLATE_CONTEXT } from './audit.detections.ts';
import { defaultAnonymizeOptions } from '../../src/engine/types.ts';
import { evalDataPath, loadEvalSet } from './dataset.ts';
import { decodeSet } from './run-set.ts';

const { values } = parseArgs({
  options: {
    thresholds: { type: 'string', default: '0.3,0.4,0.5,0.6' },
    list: { type: 'boolean', default: false },
  },
});
const thresholds = values.thresholds.split(',').map(Number);
const cases = await decodeSet(loadEvalSet(evalDataPath('faces/annotations.json')));
const engine = await createEngine({ plateModel: 'veil', plateContext: EVAL_PLATE_CONTEXT });
const found: Array<{ name: string; score: number; box: unknown }> = [];
try {
  for (const c of cases) {
    const detections = await engine.detect(
      { data: c.rgb, width: c.width, height: c.height },
      { ...defaultAnonymizeOptions, blurFace: false, lpThreshold: Math.min(...thresholds) },
    );
    for (const d of detections) {
      if (d.cls === 'plate') found.push({ name: c.name, score: d.score, box: d.box });
    }
  }
} finally {
  await engine.close();
}
console.log(`false plates in ${cases.length} photos without plates, by lp_threshold:`);
console.log(thresholds.map((t) => `${t}: ${found.filter((f) => f.score >= t).length}`).join('  '));
if (values.list) {
  for (const f of found) console.log(`${f.name} ${f.score.toFixed(2)} ${JSON.stringify(f.box)}`);
}
