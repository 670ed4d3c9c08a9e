/**
 * The vehicle context of photos' plates (src/engine/plate-context.ts), replayed with other
 * settings: finds vehicles (car, truck, bus, motorcycle) in eval-data/plates and eval-data/faces
 * with CenterNet (`src/engine/vehicle.detector.ts`; cached in
 * eval-data/cache/vehicles-ort-boxes-<set>.json) and scores the plate audit's detections made without
 * the engine's context (`VEIL_PLATE_CONTEXT=none node --import tsx scripts/eval/plate-audit.ts
 * --models veil`: eval-data/cache/plate-audit-veil-nocontext.json) with the rule: a plate under
 * `--keep` counts only if its centre lies in a vehicle box (grown by `--grow` of its size,
 * vehicles from `--vehicle` up). Prints recall / precision with and without it, the cut-off
 * cross-validation of plate-cut-cv.ts on both, and how many plate-free face photos hold a
 * vehicle at all.
 *
 *   node --import tsx scripts/eval/plate-vehicle-gate.ts [--keep 0.7] [--vehicle 0.2] [--grow 0.1]
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { ModelRun } from './audit.detections.ts';
import { CACHE } from './audit.ts';
import { evalDataPath, loadEvalSet } from './dataset.ts';
import type { TruthBox } from './metrics.ts';
import { auditScore, bothBars, cutsFrom, halvings } from './cut-cv.ts';
import { inVehicle } from '../../src/engine/plate-context.ts';
import type { Box } from '../../src/engine/types.ts';
import { openObjectDetector, VEHICLE_CLASSES } from '../../src/engine/vehicle.detector.ts';

const { values } = parseArgs({
  options: {
    keep: { type: 'string', default: '0.7' },
    vehicle: { type: 'string', default: '0.2' },
    grow: { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '200' },
  },
});
const [keep, vehicleMin, grow] = [values.keep, values.vehicle, values.grow].map(Number);
type Found = Array<{ label: string; score: number; box: Box }>;

/** Vehicles found in every picture of eval-data/<set> (cached). */
async function vehicles(set: string): Promise<Record<string, Found>> {
  const file = `${CACHE}/vehicles-ort-boxes-${set}.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Found>;
  const detector = await openObjectDetector();
  const out: Record<string, Found> = {};
  const dir = evalDataPath(set);
  try {
    for (const name of readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f))) {
      const { data, info } = await sharp(path.join(dir, name))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const found = await detector.detect({ data, width: info.width, height: info.height });
      out[name] = found.map(({ cls, score, box }) => ({ label: VEHICLE_CLASSES[cls], score, box }));
    }
  } finally {
    await detector.close();
  }
  writeFileSync(file, JSON.stringify(out));
  return out;
}

/** The boxes of the vehicles in `found` that count (scoring at least `--vehicle`). */
const counted = (found: Found = []): Box[] =>
  found.filter((v) => v.score >= vehicleMin).map((v) => v.box);

const plates = await vehicles('plates');
const run = JSON.parse(
  readFileSync(`${CACHE}/plate-audit-veil-nocontext.json`, 'utf8'),
) as ModelRun;
const truth = new Map<string, TruthBox[]>(
  loadEvalSet(evalDataPath('plates/annotations.json')).images.map((im) => [im.file, im.boxes]),
);
const names = Object.keys(run.images).sort();
// The engine's rule (`inVehicle` of plate-context.ts) with this run's settings.
const gated = new Map(
  names.map((n) => [
    n,
    run.images[n].dets.filter(
      ({ score, box: [x1, y1, x2, y2] }) =>
        score >= keep || inVehicle({ x1, y1, x2, y2 }, counted(plates[n]), grow),
    ),
  ]),
);
const plain = auditScore(truth, (name) => run.images[name].dets);
const withGate = auditScore(truth, (name) => gated.get(name)!);
const score = (photos: readonly string[], t: number, gate: boolean) =>
  (gate ? withGate : plain)(photos, t);
console.log(
  `gate: plates under ${keep} kept only inside a vehicle (>= ${vehicleMin}, grown ${grow})`,
);
for (const t of [0.35, 0.4, 0.45, 0.5, 0.55, 0.6]) {
  const [a, b] = [score(names, t, false), score(names, t, true)];
  console.log(
    `  ${t.toFixed(2)}: recall / precision ${a.recall.toFixed(3)} / ${a.precision.toFixed(3)} -> ` +
      `${b.recall.toFixed(3)} / ${b.precision.toFixed(3)}`,
  );
}
// Cut-off cross-validation as plate-cut-cv.ts: pick on one half, score the other.
const cuts = cutsFrom(run.floor);
for (const gate of [false, true]) {
  const rows = halvings(
    names,
    cuts,
    (photos, t) => score(photos, t, gate),
    Number(values.rounds),
    1,
  );
  const median = (k: number) => rows.map((r) => r[k]).sort((a, b) => a - b)[rows.length >> 1];
  console.log(
    `${gate ? 'gated' : 'plain'} cross-validation: other half median recall ` +
      `${median(1).toFixed(3)}, precision ${median(2).toFixed(3)}; both bars in ${(100 * bothBars(rows)).toFixed(0)}%`,
  );
}
const people = await vehicles('faces');
const withVehicle = Object.values(people).filter((v) => counted(v).length > 0);
console.log(
  `plate-free face photos with a vehicle found: ${withVehicle.length} of ${Object.keys(people).length}`,
);
