/**
 * Settings sweep of the RetinaFace fallback on eval-data/faces (and its 4K mosaics, the only
 * faces under 16 px): each variant runs in this thread through `detectFrame` (the 960 px main
 * pass, no slicing) and prints recall by size, strict and lenient precision, false/img, ms/img.
 *
 *   node --import tsx scripts/eval/face-fallback.ts [--thresholds 0.5] [--variant <name part>]
 */
import { openSession } from '../../src/engine/onnx.runtime.ts';
import {
  DEFAULT_RETINA,
  RetinaFaceDetector,
  retinafaceModel,
  type RetinaSettings,
} from '../../src/engine/retinaface.detector.ts';
import { sweepFaces } from './face-sweep.ts';

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

const model = retinafaceModel();
await sweepFaces({
  model: 'retinaface',
  variants,
  detector: async (settings) =>
    new RetinaFaceDetector(await openSession(model.bytes), settings, model.affine),
  title: 'IoU >= 0.3; lenient: or the detection inside the truth box; 960 px main pass',
});
