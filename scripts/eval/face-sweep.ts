/**
 * What the face detector settings sweeps share (`face-fallback.ts`, `face-veil-small.ts`): the
 * command line (--thresholds, --variant, --mosaics), eval-data/faces (and its 4K mosaics), each
 * variant run in this thread through `detectFrame` (no slicing) with the given hints, one
 * markdown row per set and threshold: recall by size, strict and lenient precision, false/img,
 * ms/img.
 */
import { parseArgs } from 'node:util';
import { detectFrame } from '../../src/engine/frame.detector.ts';
import type { Engine } from '../../src/engine/index.ts';
import { resolveModels, type FaceModelId } from '../../src/engine/models.ts';
import type { DetectHints, RegionDetector } from '../../src/engine/region.detector.ts';
import { defaultAnonymizeOptions } from '../../src/engine/types.ts';
import { evalDataPath, imagePath, loadEvalSet } from './dataset.ts';
import type { Summary } from './metrics.ts';
import { buildMosaics } from './mosaic.ts';
import { decodeSet, runCases, type EvalCase } from './run-set.ts';

export interface FaceSweep<S> {
  model: FaceModelId;
  variants: Array<[string, S]>;
  detector: (settings: S) => Promise<RegionDetector>;
  /** Hints every detection gets (none: what a photo gets). */
  hints?: DetectHints;
  /** Printed above the table. */
  title: string;
}

export async function sweepFaces<S>(sweep: FaceSweep<S>): Promise<void> {
  const { values } = parseArgs({
    options: {
      thresholds: { type: 'string', default: '0.5' },
      variant: { type: 'string', default: '' },
      /** Also the 4K mosaics (faces under 16 px). */
      mosaics: { type: 'boolean', default: false },
    },
  });
  const thresholds = values.thresholds.split(',').map(Number);
  const inThread = async (settings: S): Promise<Engine> => {
    const face = await sweep.detector(settings);
    return {
      detect: (frame, options) => detectFrame(frame, options, { face }, sweep.hints),
      close: () => face.close(),
      models: resolveModels(sweep.model, 'text'),
    };
  };
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
  console.log(sweep.title);
  console.log(
    '| set | variant | thr | recall | <16 | 16-64 | >64 | precision | lenient recall | lenient precision | false/img | ms/img |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, settings] of sweep.variants.filter(([n]) => n.includes(values.variant))) {
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
}
