/**
 * `npm run eval`: face and plate recall/precision of the real engine on eval-data/,
 * per model, slicing on/off and score threshold; prints a table and writes
 * eval-data/last-results.json.
 *
 *   npm run eval -- [--face-models retinaface+veil,yunet+veil,yunet,veil,retinaface] [--plate-models both,640,320,veil,text]
 *                   [--thresholds 0.3,0.5,0.7] [--slicing off,on] [--failures]
 *                   [--int8 all] (the 8-bit RetinaFace and Veil plate detector on photos too;
 *                   by default photos run float)
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Engine, FaceModel, PlateModel } from '../src/engine/index.ts';
import { createEngine } from '../src/engine/index.ts';
import type { Int8Use } from '../src/engine/detectors.factory.ts';
import { imagePath, evalDataPath, loadEvalSet } from './eval/dataset.ts';
import { buildMosaics } from './eval/mosaic.ts';
import type { EvalCase, RunResult, RunSettings } from './eval/run-set.ts';
import { decodeSet, runCases } from './eval/run-set.ts';

interface Row extends RunSettings {
  set: string;
  model: string;
  result: RunResult;
}

const list = (v: string) => v.split(',').map((s) => s.trim());

/** A plate model's name in the tables: HyperLPR3's sizes prefixed, ours and the text one named. */
function plateLabel(m: string): string {
  if (m === 'text') return 'ppocr-text';
  return m === 'veil' || m.startsWith('veil+') ? m : `hyperlpr-${m}`;
}

function parseCli() {
  const { values } = parseArgs({
    options: {
      'face-models': {
        type: 'string',
        default: 'retinaface+veil,yunet+veil,yunet,veil,retinaface',
      },
      'plate-models': { type: 'string', default: 'both,640,320,veil,veil+hyperlpr,text' },
      thresholds: { type: 'string', default: '0.3,0.5,0.7' },
      slicing: { type: 'string', default: 'off,on' },
      failures: { type: 'boolean', default: false },
      int8: { type: 'string' },
    },
  });
  return {
    faceModels: list(values['face-models']) as FaceModel[],
    plateModels: list(values['plate-models']) as PlateModel[],
    thresholds: list(values.thresholds).map(Number),
    slicing: list(values.slicing).map((s) => s === 'on'),
    failures: values.failures,
    int8: values['int8'] as Int8Use | undefined,
  };
}

async function openEngine(opts: Parameters<typeof createEngine>[0]): Promise<Engine | string> {
  try {
    return await createEngine({ ...opts, workers: 1, threads: 1 });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const pct = (x: number) => (Number.isNaN(x) ? '   -' : (x * 100).toFixed(1).padStart(5));

function printRow(r: Row, lenient: boolean): void {
  const s = lenient ? r.result.lenient : r.result.summary;
  const size = Object.values(s.bySize)
    .map((b) => `${pct(b.recall)} (${b.truth})`.padEnd(13))
    .join(' ');
  console.log(
    [
      r.set.padEnd(12),
      r.model.padEnd(14),
      (r.slicing ? 'on' : 'off').padEnd(4),
      r.threshold.toFixed(1),
      `${pct(s.recall)} (${s.found}/${s.truth})`.padEnd(17),
      r.cls === 'face' ? size : ''.padEnd(41),
      pct(s.precision),
      s.falsePositivesPerImage.toFixed(2).padStart(6),
      r.result.msMean.toFixed(0).padStart(6),
    ].join(' '),
  );
}

const HEADER =
  'set          model          slic thr recall            ' +
  '<16 px        16-64 px      >64 px        precis FP/img ms/img';

async function main(): Promise<void> {
  const cli = parseCli();
  const faceSet = loadEvalSet(evalDataPath('faces/annotations.json'));
  const plateSet = loadEvalSet(evalDataPath('plates/annotations.json'));
  const sets: Record<string, EvalCase[]> = {
    faces: await decodeSet(faceSet),
    plates: await decodeSet(plateSet),
  };
  const sources = faceSet.images.map((i) => ({ ...i, path: imagePath(faceSet, i) }));
  sets['face-mosaic'] = [
    ...(await buildMosaics(sources, 6, 6)),
    ...(await buildMosaics(sources, 8, 8)),
  ];

  console.log(`Matching: IoU >= 0.3, greedy by score. Sizes: longer side of the truth box.`);
  console.log(HEADER);
  const rows: Row[] = [];
  const skipped: Record<string, string> = {};
  const jobs: {
    model: string;
    engine: Parameters<typeof createEngine>[0];
    cls: 'face' | 'plate';
    sets: string[];
  }[] = [
    ...cli.faceModels.map((m) => ({
      model: m,
      engine: { faceModel: m, ...(cli.int8 ? { int8: cli.int8 } : {}) },
      cls: 'face' as const,
      sets: ['faces', 'face-mosaic'],
    })),
    ...cli.plateModels.map((m) => ({
      model: plateLabel(m),
      engine: { plateModel: m, ...(cli.int8 ? { int8: cli.int8 } : {}) },
      cls: 'plate' as const,
      sets: ['plates'],
    })),
  ];
  for (const job of jobs) {
    const engine = await openEngine(job.engine);
    if (typeof engine === 'string') {
      skipped[job.model] = engine;
      console.log(`${job.model}: not available (${engine})`);
      continue;
    }
    try {
      for (const set of job.sets) {
        for (const slicing of cli.slicing) {
          for (const threshold of cli.thresholds) {
            const settings = { cls: job.cls, threshold, slicing };
            const row = {
              set,
              model: job.model,
              ...settings,
              result: await runCases(engine, sets[set], settings),
            };
            rows.push(row);
            printRow(row, false);
            if (cli.failures) console.log('   ', JSON.stringify(row.result.failures));
          }
        }
      }
    } finally {
      await engine.close();
    }
  }
  console.log(
    `\nLenient matching: IoU >= 0.3 or the detection lies inside the truth box ` +
      `(the face sets' boxes take in hair and ears; detectors box faces tightly).`,
  );
  console.log(HEADER);
  for (const row of rows) printRow(row, true);
  const report = {
    date: new Date().toISOString(),
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    node: process.version,
    iou: 0.3,
    note: 'ms = engine.detect wall time per image (1 worker, 1 thread), decode excluded',
    sets: Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, { images: v.length }])),
    skipped,
    results: rows.map(({ result, ...r }) => ({
      ...r,
      ...result.summary,
      lenient: result.lenient,
      msMean: result.msMean,
      msMedian: result.msMedian,
    })),
  };
  writeFileSync('eval-data/last-results.json', JSON.stringify(report, null, 1) + '\n');
  console.log('wrote eval-data/last-results.json');
}

await main();
