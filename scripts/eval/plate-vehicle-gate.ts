/**
 * The vehicle context of photos' plates (src/engine/plate-context.ts), replayed with other
 * settings: finds vehicles (car, truck, bus, motorcycle) in eval-data/plates and eval-data/faces
 * with CenterNet (`src/engine/vehicle.detector.ts`; cached in
 * eval-data/cache/vehicles-ort-<set>.json) and scores the plate audit's detections made without
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
import { matchImage, summarize, type TruthBox } from './metrics.ts';
import { bothBars, halvings } from './cut-cv.ts';
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
type Found = Array<{ label: string; score: number; box: number[] }>;

/** Vehicles found in every picture of eval-data/<set> (cached), boxes as [x, y, w, h]. */
async function vehicles(set: string): Promise<Record<string, Found>> {
  const file = `${CACHE}/vehicles-ort-${set}.json`;
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
      out[name] = found.map(({ cls, score, box: b }) => ({
        label: VEHICLE_CLASSES[cls],
        score,
        box: [b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1],
      }));
    }
  } finally {
    await detector.close();
  }
  writeFileSync(file, JSON.stringify(out));
  return out;
}

/** Whether the centre of `b` ([x1, y1, x2, y2] or a Box) lies in one of the vehicles. */
function inVehicle(found: Found, b: number[] | { x1: number; y1: number; x2: number; y2: number }) {
  const [x1, y1, x2, y2] = Array.isArray(b) ? b : [b.x1, b.y1, b.x2, b.y2];
  const [cx, cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
  return found.some(
    ({ score, box: [x, y, w, h] }) =>
      score >= vehicleMin &&
      cx >= x - grow * w &&
      cx <= x + w * (1 + grow) &&
      cy >= y - grow * h &&
      cy <= y + h * (1 + grow),
  );
}

const plates = await vehicles('plates');
const run = JSON.parse(
  readFileSync(`${CACHE}/plate-audit-veil-nocontext.json`, 'utf8'),
) as ModelRun;
const truth = new Map<string, TruthBox[]>(
  loadEvalSet(evalDataPath('plates/annotations.json')).images.map((im) => [im.file, im.boxes]),
);
const names = Object.keys(run.images).sort();
const gated = new Map(
  names.map((n) => [
    n,
    run.images[n].dets.filter((d) => d.score >= keep || inVehicle(plates[n] ?? [], d.box)),
  ]),
);
const score = (photos: readonly string[], t: number, gate: boolean) =>
  summarize(
    photos.map((name) => {
      const boxes = truth.get(name) ?? [];
      const dets = (gate ? gated.get(name)! : run.images[name].dets).filter((d) => d.score >= t);
      return { truth: boxes, match: matchImage(dets, boxes, 0.3) };
    }),
  );
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
const cuts = Array.from({ length: 121 }, (_, i) => run.floor + 0.005 * i).filter((t) => t <= 0.9);
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
const withVehicle = Object.values(people).filter((v) => v.some((o) => o.score >= vehicleMin));
console.log(
  `plate-free face photos with a vehicle found: ${withVehicle.length} of ${Object.keys(people).length}`,
);
