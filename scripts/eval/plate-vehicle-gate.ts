/**
 * Would a vehicle context make Veil's plates more precise? A measurement, not the engine: finds
 * vehicles (car, truck, bus, motorcycle) in eval-data/plates and eval-data/faces with the COCO
 * object detector that ships in `@vladmandic/human` (CenterNet, `models/centernet.json`, on the
 * TensorFlow.js WASM backend; cached in eval-data/cache/vehicles-<set>.json), then scores the plate
 * audit's cached detections (`plate-audit.ts --models veil`) with a gate: a plate under `--keep`
 * counts only if its centre lies in a vehicle box (grown by `--grow` of its size, vehicles from
 * `--vehicle` up). Prints recall / precision with and without the gate, the cut-off
 * cross-validation of plate-cut-cv.ts on both, and how many of the plate-free face photos hold
 * a vehicle at all (on the others every plate under `--keep` would be dropped).
 *
 *   node --import tsx scripts/eval/plate-vehicle-gate.ts [--keep 0.7] [--vehicle 0.2] [--grow 0.1]
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { ModelRun } from './audit.detections.ts';
import { CACHE } from './audit.ts';
import { evalDataPath, loadEvalSet } from './dataset.ts';
import { matchImage, summarize, type TruthBox } from './metrics.ts';
import { bothBars, halvings } from './cut-cv.ts';

const { values } = parseArgs({
  options: {
    keep: { type: 'string', default: '0.7' },
    vehicle: { type: 'string', default: '0.2' },
    grow: { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '200' },
  },
});
const [keep, vehicleMin, grow] = [values.keep, values.vehicle, values.grow].map(Number);
const VEHICLES = new Set(['car', 'truck', 'bus', 'motorcycle']);
type Found = Array<{ label: string; score: number; box: number[] }>;

interface HumanObjects {
  load(): Promise<void>;
  detect(input: unknown): Promise<{ object: Found }>;
  tf: {
    tensor(data: Float32Array, shape: number[], dtype: string): unknown;
    dispose(t: unknown): void;
  };
}

async function human(): Promise<HumanObjects> {
  const require = createRequire(import.meta.url);
  const dir = path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..');
  const { Human } = require(path.join(dir, 'dist/human.node-wasm.js')) as {
    Human: new (config: object) => HumanObjects;
  };
  const off = { enabled: false };
  const h = new Human({
    backend: 'wasm',
    wasmPath: `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`,
    modelBasePath: `file://${dir}/models/`,
    cacheSensitivity: 0,
    debug: false,
    ...{ face: off, body: off, hand: off, gesture: off, segmentation: off },
    object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.15, maxDetected: 30 },
  });
  // Models are read from disk: file:// only, nothing from the network.
  const original = globalThis.fetch;
  globalThis.fetch = (async (url: string | URL | Request) =>
    new Response(
      readFileSync(new URL(url instanceof Request ? url.url : String(url))),
    )) as typeof fetch;
  try {
    await h.load();
  } finally {
    globalThis.fetch = original;
  }
  return h;
}

/** Vehicles found in every picture of eval-data/<set> (cached). */
async function vehicles(set: string): Promise<Record<string, Found>> {
  const file = `${CACHE}/vehicles-${set}.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Found>;
  const h = await human();
  const out: Record<string, Found> = {};
  const dir = evalDataPath(set);
  for (const name of readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f))) {
    const { data, info } = await sharp(path.join(dir, name))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const input = h.tf.tensor(new Float32Array(data), [1, info.height, info.width, 3], 'float32');
    out[name] = (await h.detect(input)).object.filter((o) => VEHICLES.has(o.label));
    h.tf.dispose(input);
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
const run = JSON.parse(readFileSync(`${CACHE}/plate-audit-veil.json`, 'utf8')) as ModelRun;
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
