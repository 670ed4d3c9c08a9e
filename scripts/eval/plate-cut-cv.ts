/**
 * How well a plate cut-off read off eval-data/plates carries to pictures it was not read off.
 *
 * Reads the plate audit's cached detections (eval-data/cache/plate-audit-veil.json, written by
 * `node --import tsx scripts/eval/plate-audit.ts --models veil`; Veil scores down to its floor)
 * and, over random halvings of the photos, picks on one half the highest threshold whose strict
 * recall reaches 0.95 (`matchImage`, IoU >= 0.3, as `npm run eval`), then scores the other half
 * at it. Prints the spread of the chosen threshold and of the other half's recall and
 * precision, and how often both reach the bar (recall 0.95, precision 0.9).
 *
 *   node --import tsx scripts/eval/plate-cut-cv.ts [--rounds 200] [--seed 1]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ModelRun } from './audit.detections.ts';
import { CACHE } from './audit.ts';
import { evalDataPath, loadEvalSet } from './dataset.ts';
import type { TruthBox } from './metrics.ts';
import { auditScore, bothBars, cutsFrom, halvings } from './cut-cv.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
  },
});
const run = JSON.parse(readFileSync(`${CACHE}/plate-audit-veil.json`, 'utf8')) as ModelRun;
const truth = new Map<string, TruthBox[]>(
  loadEvalSet(evalDataPath('plates/annotations.json')).images.map((im) => [im.file, im.boxes]),
);
const names = Object.keys(run.images).sort();

const score = auditScore(truth, (name) => run.images[name].dets);

const all = score(names, 0.5);
console.log(
  `all ${names.length} photos at 0.5: recall ${all.recall.toFixed(3)} precision ${all.precision.toFixed(3)}`,
);
const cuts = cutsFrom(run.floor);
// Seeded, so a halving is the same on every run.
const rows = halvings(names, cuts, score, Number(values.rounds), Number(values.seed));
const labels = ['threshold chosen', 'other half recall', 'other half precision'];
labels.forEach((label, k) => {
  const v = rows.map((row) => row[k]).sort((a, b) => a - b);
  const at = (q: number) => v[Math.floor(q * v.length)].toFixed(3);
  console.log(`${label}: median ${at(0.5)}, 10-90% ${at(0.1)}-${at(0.9)}`);
});
console.log(
  `other half reaching recall 0.95 and precision 0.9: ${bothBars(rows).toFixed(2)} of ${rows.length} halvings`,
);
