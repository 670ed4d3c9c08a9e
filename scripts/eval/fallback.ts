/**
 * The npm-shipped fallback detectors against the preferred ones on eval-data/ (IoU >= 0.3, no
 * slicing): RetinaFace vs YuNet on the face set, the PP-OCR text plate detector vs HyperLPR3 on
 * the plate set. Each model runs through `createEngine` (1 worker, 1 thread); models whose
 * weights are missing are reported as such.
 *
 *   node --import tsx scripts/eval/fallback.ts [--thresholds 0.5] [--faces yunet,retinaface]
 *        [--plates both,text] [--tune [--variant <name part>]]
 *
 * `--tune` also runs the text plate detector in this thread with a few settings variants.
 */
import { parseArgs } from 'node:util';
import { detectFrame } from '../../src/engine/frame.detector.ts';
import type { Engine, FaceModel, PlateModel } from '../../src/engine/index.ts';
import { createEngine } from '../../src/engine/index.ts';
import { npmModelPath, resolveModels } from '../../src/engine/models.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import { openTextLineRecogniser } from '../../src/engine/text-line.recogniser.ts';
import {
  DEFAULT_TEXT_PLATE,
  TextPlateDetector,
  type TextPlateSettings,
} from '../../src/engine/text-plate.detector.ts';
import { evalDataPath, loadEvalSet } from './dataset.ts';
import { decodeSet, runCases, type EvalCase, type RunResult } from './run-set.ts';

const { values } = parseArgs({
  options: {
    thresholds: { type: 'string', default: '0.5' },
    faces: { type: 'string', default: 'yunet,retinaface' },
    plates: { type: 'string', default: 'both,text' },
    tune: { type: 'boolean', default: false },
    /** With --tune: only the variants whose names contain this. */
    variant: { type: 'string', default: '' },
  },
});
const list = (v: string): string[] => v.split(',').filter(Boolean);
const thresholds = list(values.thresholds).map(Number);

function line(set: string, model: string, threshold: number, r: RunResult): void {
  const s = r.summary;
  console.log(
    [
      set.padEnd(7),
      model.padEnd(30),
      threshold.toFixed(2),
      `recall ${s.recall.toFixed(3)} (${s.found}/${s.truth})`.padEnd(24),
      `precision ${s.precision.toFixed(3)}`,
      `FP/img ${s.falsePositivesPerImage.toFixed(2)}`,
      `ms/img ${r.msMean.toFixed(0)} (median ${r.msMedian.toFixed(0)})`,
    ].join('  '),
  );
}

async function runEngine(
  set: string,
  cases: EvalCase[],
  cls: 'face' | 'plate',
  opts: { faceModel?: FaceModel; plateModel?: PlateModel },
): Promise<void> {
  const label = cls === 'face' ? (opts.faceModel ?? 'auto') : (opts.plateModel ?? 'auto');
  let engine: Engine;
  try {
    engine = await createEngine({ ...opts, workers: 1, threads: 1 });
  } catch (err) {
    console.log(`${set.padEnd(7)}  ${label}: not available (${(err as Error).message})`);
    return;
  }
  try {
    for (const threshold of thresholds) {
      line(
        set,
        label,
        threshold,
        await runCases(engine, cases, { cls, threshold, slicing: false }),
      );
    }
  } finally {
    await engine.close();
  }
}

/** The text plate detector in this thread, as an Engine for `runCases`. */
async function inThread(settings: TextPlateSettings): Promise<Engine> {
  const plate = new TextPlateDetector(
    await openSession(npmModelPath('textDet')),
    settings,
    await openTextLineRecogniser(),
  );
  return {
    detect: (frame, options) => detectFrame(frame, options, { plate }),
    close: () => plate.close(),
    models: resolveModels('auto', 'text'),
  };
}

const faces = await decodeSet(loadEvalSet(evalDataPath('faces/annotations.json')));
const plates = await decodeSet(loadEvalSet(evalDataPath('plates/annotations.json')));
console.log(`faces: ${faces.length} images; plates: ${plates.length} images; IoU >= 0.3`);
for (const m of list(values.faces)) {
  await runEngine('faces', faces, 'face', { faceModel: m as FaceModel });
}
for (const m of list(values.plates)) {
  await runEngine('plates', plates, 'plate', { plateModel: m as PlateModel });
}

if (values.tune) {
  const d = DEFAULT_TEXT_PLATE;
  const variants: Array<[string, TextPlateSettings]> = [
    ['default', d],
    ['minAspect 1.5', { ...d, shape: { ...d.shape, minAspect: 1.5 } }],
    ['minTextAspect 1.0', { ...d, shape: { ...d.shape, minTextAspect: 1 } }],
    ['padX 0.5 padY 0.3', { ...d, shape: { ...d.shape, padX: 0.5, padY: 0.3 } }],
    ['minLongSide 640', { ...d, minLongSide: 640 }],
  ];
  for (const [name, settings] of variants.filter(([n]) => n.includes(values.variant))) {
    const engine = await inThread(settings);
    try {
      for (const threshold of thresholds) {
        const r = await runCases(engine, plates, { cls: 'plate', threshold, slicing: false });
        line('tune', name, threshold, r);
      }
    } finally {
      await engine.close();
    }
  }
}
