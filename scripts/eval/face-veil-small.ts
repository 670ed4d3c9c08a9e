/**
 * Settings sweep of the small-face pass of Veil's face detector on eval-data/faces (and its 4K
 * mosaics with `--mosaics`): each variant runs in this thread through `detectFrame` (the 960 px
 * main pass, no slicing) with the hint video gives when it looks for small faces
 * (`smallObjects: true`; a photo gets no hint and no small-face pass) and prints recall by size,
 * strict and lenient precision, false/img, ms/img.
 *
 *   node --import tsx scripts/eval/face-veil-small.ts [--thresholds 0.5] [--variant <name part>]
 */
import { modelPath } from '../../src/engine/models.ts';
import { openSession } from '../../src/engine/onnx.runtime.ts';
import {
  DEFAULT_VEIL_FACE,
  VeilFaceDetector,
  type VeilFaceSettings,
} from '../../src/engine/veil-face.detector.ts';
import { sweepFaces } from './face-sweep.ts';

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
await sweepFaces({
  model: 'veil',
  variants,
  detector: async (settings) =>
    new VeilFaceDetector(await openSession(model, { threads: 1 }), settings),
  hints: { smallObjects: true },
  title: 'IoU >= 0.3; lenient: or the detection inside the truth box; 960 px main pass',
});
