/**
 * Settings sweep of the RetinaFace fallback on eval-data/faces (and its 4K mosaics, the only
 * faces under 16 px): each variant runs in this thread through `detectFrame` (the 960 px main
 * pass, no slicing) and prints recall by size, strict and lenient precision, false/img, ms/img.
 *
 *   node --import tsx scripts/eval/face-fallback.ts [--thresholds 0.5] [--variant <name part>]
 */
import { parseArgs } from 'node:util';
import { detectFrame } from '../../src/engine/frame.detector.ts';
import type { Engine } from '../../src/engine/index.ts';
import { resolveModels } from '../../src/engine/models.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import {
  DEFAULT_RETINA,
  RetinaFaceDetector,
  retinafaceModelBytes,
  type RetinaSettings,
} from '../../src/engine/retinaface.detector.ts';
import { defaultAnonymizeOptions } from '../../src/engine/types.ts';
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

const one: RetinaSettings = { ...DEFAULT_RETINA, upscale: 1 };
const variants: Array<[string, RetinaSettings]> = [
  ['one pass (before)', one],
  ['one pass, NMS 0.3', { ...one, nmsIou: 0.3 }],
  ['one pass, NMS 0.5', { ...one, nmsIou: 0.5 }],
  ['x1.5 pass, keep < 96 px, raise 0.2 (default)', DEFAULT_RETINA],
  ['x1.5 pass, keep < 96 px', { ...one, upscale: 1.5, upscaleKeepPx: 96 }],
  ['x1.5 pass, keep < 48 px', { ...one, upscale: 1.5, upscaleKeepPx: 48 }],
  [
    'x1.5 pass, keep < 48 px, raise 0.2',
    { ...one, upscale: 1.5, upscaleKeepPx: 48, upscaleRaise: 0.2 },
  ],
  [
    'x1.5 pass, keep < 64 px, raise 0.2',
    { ...one, upscale: 1.5, upscaleKeepPx: 64, upscaleRaise: 0.2 },
  ],
  [
    'x2 pass, keep < 48 px, raise 0.2',
    { ...one, upscale: 2, upscaleKeepPx: 48, upscaleRaise: 0.2 },
  ],
  ['x2 pass, keep < 48 px', { ...one, upscale: 2, upscaleKeepPx: 48 }],
  ['x2 pass, keep < 96 px', { ...one, upscale: 2, upscaleKeepPx: 96 }],
  ['x2 pass, keep all', { ...one, upscale: 2, upscaleKeepPx: Infinity }],
  [
    'x2 pass, keep < 96 px, raise 0.2',
    { ...one, upscale: 2, upscaleKeepPx: 96, upscaleRaise: 0.2 },
  ],
  [
    'x2 pass, keep < 96 px, raise 0.4',
    { ...one, upscale: 2, upscaleKeepPx: 96, upscaleRaise: 0.4 },
  ],
];

const bytes = retinafaceModelBytes();
async function inThread(settings: RetinaSettings): Promise<Engine> {
  const face = new RetinaFaceDetector(await openSession(bytes), settings);
  return {
    detect: (frame, options) => detectFrame(frame, options, { face }),
    close: () => face.close(),
    models: resolveModels('retinaface', 'text'),
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
    {
      ...defaultAnonymizeOptions,
      enableLp: false,
    },
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
