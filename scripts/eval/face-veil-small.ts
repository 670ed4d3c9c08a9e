/**
 * Settings sweep of the small-face pass of Veil's face detector on eval-data/faces (and its 4K
 * mosaics with `--mosaics`): each variant runs in this thread through `detectFrame` (the 960 px
 * main pass, no slicing, no hints: what a photo gets) and prints recall by size, strict and
 * lenient precision, false/img, ms/img.
 *
 *   node --import tsx scripts/eval/face-veil-small.ts [--thresholds 0.5] [--variant <name part>]
 */
import { parseArgs } from 'node:util';
import { detectFrame } from '../../src/engine/frame.detector.ts';
import type { Engine } from '../../src/engine/index.ts';
import { modelPath, resolveModels } from '../../src/engine/models.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import { defaultAnonymizeOptions } from '../../src/engine/types.ts';
import {
  DEFAULT_VEIL_FACE,
  VeilFaceDetector,
  type VeilFaceSettings,
} from '../../src/engine/veil-face.detector.ts';
import { evalDataPath, imagePath, loadEvalSet } from './dataset.ts';
import type { Summary } from './metrics.ts';
import { buildMosaics } from './mosaic.ts';
import { decodeSet, runCases, type EvalCase } from './run-set.ts';

const { values } = parseArgs({
  options: {
    thresholds: { type: 'string', default: '0.5' },
    variant: { type: 'string', default: '' },
    /** Also the 4K mosaics (faces under 16 px). */
    mosaics: { type: 'boolean', default: false },
  },
});
const thresholds = values.thresholds.split(',').map(Number);

const one: VeilFaceSettings = { ...DEFAULT_VEIL_FACE, smallSide: 0 };
const pass = (smallSide: number, smallKeepPx: number, smallRaise: number): VeilFaceSettings => ({
  ...one,
  smallSide,
  smallKeepPx,
  smallRaise,
});
const variants: Array<[string, VeilFaceSettings]> = [
  ['one pass (before)', one],
  ['default (1920, keep < 48, raise 0.2)', DEFAULT_VEIL_FACE],
  ['1440, keep < 48, raise 0.2', pass(1440, 48, 0.2)],
  ['1920, keep < 32, raise 0.2', pass(1920, 32, 0.2)],
  ['1920, keep < 48, raise 0', pass(1920, 48, 0)],
  ['1920, keep < 48, raise 0.1', pass(1920, 48, 0.1)],
  ['1920, keep < 48, raise 0.4', pass(1920, 48, 0.4)],
  ['1920, keep < 64, raise 0.2', pass(1920, 64, 0.2)],
  ['2400, keep < 40, raise 0.2', pass(2400, 40, 0.2)],
];

const model = modelPath('veilFace');
async function inThread(settings: VeilFaceSettings): Promise<Engine> {
  const face = new VeilFaceDetector(await openSession(model, { threads: 1 }), settings);
  return {
    detect: (frame, options) => detectFrame(frame, options, { face }),
    close: () => face.close(),
    models: resolveModels('veil', 'veil'),
  };
}

const set = loadEvalSet(evalDataPath('faces/annotations.json'));
const sets: Record<string, EvalCase[]> = { faces: await decodeSet(set) };
if (values.mosaics) {
  const sources = set.images.map((i) => ({ ...i, path: imagePath(set, i) }));
  sets['face-mosaic'] = [
    ...(await buildMosaics(sources, 6, 6)),
    ...(await buildMosaics(sources, 8, 8)),
  ];
}

const r3 = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
const bySize = (s: Summary): string =>
  Object.values(s.bySize)
    .map((b) => `${r3(b.recall)} (${b.truth})`)
    .join(' | ');
console.log('IoU >= 0.3; lenient: or the detection inside the truth box; 960 px main pass');
console.log(
  '| set | variant | thr | recall | <16 | 16-64 | >64 | precision | lenient recall | lenient precision | false/img | ms/img |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [name, settings] of variants.filter(([n]) => n.includes(values.variant))) {
  const engine = await inThread(settings);
  // The first runs at a new input size are slow: warm up on the first image.
  const first = sets.faces[0];
  await engine.detect(
    { data: first.rgb, width: first.width, height: first.height },
    { ...defaultAnonymizeOptions, enableLp: false },
  );
  try {
    for (const [setName, cases] of Object.entries(sets)) {
      for (const threshold of thresholds) {
        const r = await runCases(engine, cases, { cls: 'face', threshold, slicing: false });
        const s = r.summary;
        console.log(
          `| ${setName} | ${name} | ${threshold} | ${r3(s.recall)} (${s.found}/${s.truth}) | ${bySize(s)} | ${r3(s.precision)} | ${r3(r.lenient.recall)} | ${r3(r.lenient.precision)} | ${s.falsePositivesPerImage.toFixed(2)} | ${r.msMean.toFixed(0)} |`,
        );
      }
    }
  } finally {
    await engine.close();
  }
}
