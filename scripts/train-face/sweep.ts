/**
 * Picks the input size and score cut of Veil's face detector: runs a face-det.onnx on
 * eval-data/faces (and its mosaics) at several longest sides and thresholds, slicing off, and
 * prints strict recall by size, precision and ms per image (1 thread), like `npm run eval`.
 *
 *   node --import tsx scripts/train-face/sweep.ts [--model models/veil-face/face-det.onnx]
 *        [--sides 640,960,1280] [--thresholds 0.3,0.4,0.5,0.6,0.7] [--mosaic]
 */
import { parseArgs } from 'node:util';
import { detectFrame } from '../../src/engine/frame.detector.ts';
import type { Engine } from '../../src/engine/index.ts';
import { modelPath } from '../../src/engine/models.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import { VeilFaceDetector } from '../../src/engine/veil-face.detector.ts';
import { evalDataPath, imagePath, loadEvalSet } from '../eval/dataset.ts';
import { buildMosaics } from '../eval/mosaic.ts';
import { decodeSet, runCases } from '../eval/run-set.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: modelPath('veilFace') },
    sides: { type: 'string', default: '640,960,1280' },
    thresholds: { type: 'string', default: '0.3,0.4,0.5,0.6,0.7' },
    mosaic: { type: 'boolean', default: false },
  },
});
const pct = (x: number) => (Number.isNaN(x) ? '   -' : (x * 100).toFixed(1).padStart(5));

const faceSet = loadEvalSet(evalDataPath('faces/annotations.json'));
const sets: Record<string, Awaited<ReturnType<typeof decodeSet>>> = {
  faces: await decodeSet(faceSet),
};
if (values.mosaic) {
  const sources = faceSet.images.map((i) => ({ ...i, path: imagePath(faceSet, i) }));
  sets['face-mosaic'] = await buildMosaics(sources, 6, 6);
}
console.log('set          side thr  recall  <16 px   16-64 px  >64 px   precis FP/img ms/img');
for (const side of values.sides.split(',').map(Number)) {
  const face = new VeilFaceDetector(await openSession(values.model, { threads: 1 }), {
    side,
    smallSide: 0,
  });
  const engine = {
    detect: (frame, options) => detectFrame(frame, options, { face }),
  } as Pick<Engine, 'detect'> as Engine;
  for (const [name, cases] of Object.entries(sets)) {
    for (const threshold of values.thresholds.split(',').map(Number)) {
      const r = await runCases(engine, cases, { cls: 'face', threshold, slicing: false });
      const s = r.summary;
      const bands = Object.values(s.bySize).map((b) => `${pct(b.recall)}`.padEnd(9));
      console.log(
        `${name.padEnd(12)} ${String(side).padEnd(4)} ${threshold.toFixed(1)}  ${pct(s.recall)}  ${bands.join('')} ${pct(s.precision)} ${s.falsePositivesPerImage.toFixed(2).padStart(6)} ${r.msMean.toFixed(0).padStart(6)}`,
      );
    }
  }
  await face.close();
}
