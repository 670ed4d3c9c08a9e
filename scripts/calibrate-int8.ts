/**
 * Activation ranges for the 8-bit models (`src/engine/onnx-quantize.ts`), measured by running
 * each float model as Veil feeds it on the six sample photos shipped in the npm package
 * `@vladmandic/face-api` (`demo/sample1-6.jpg`), and written keyed by the weights' SHA-256 (Veil
 * uses the ranges only with those weights). Each range runs from the (100 - p)th to the pth
 * percentile of the tensor's values: p = 99.9999 for RetinaFace, 99.999 for the plate detector
 * (each measured best on the evaluation sets; min and max, up to 3x wider, lost small faces and
 * plates; `models/README.md`).
 *
 * - RetinaFace (npm `retinaface`): each photo at a longer side of 640, 960 and 1680 px (the
 *   video pipeline's coarse copy, detection copy and enlarged small-face pass) ->
 *   `models/retinaface-int8-ranges.json`.
 * - Veil's plate detector (`models/veil-plate`): each photo with a plate drawn on it (EU style,
 *   `test/fixtures/images/drawn-plate.ts`; no npm package ships a real plate photo) at its two
 *   pass sides, 640 and 320 px -> `models/veil-plate/int8-ranges.json`.
 *
 *   The far-plate weights (`models/veil-plate/plate-det-far.onnx`, video frames) the same way ->
 *   `models/veil-plate/far-int8-ranges.json`.
 *
 * - Veil's face detector (`models/veil-face`): each photo at 640 and 960 px (the video's
 *   detection copies) -> `models/veil-face/int8-ranges.json`, at the plate detector's percentile.
 *
 *   node --import tsx scripts/calibrate-int8.ts [--model retinaface|veil-face|veil-plate|veil-plate-far]
 *     [--percentile P]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { modelPath } from '../src/engine/models.ts';
import {
  calibrationModel,
  qdqTensors,
  rangeTensors,
  RangeSampler,
  weightsSha256,
} from '../src/engine/onnx-quantize.ts';
import { openSession } from '../src/engine/onnx.runtime.ts';
import { resizedPlanarTensor } from '../src/engine/preprocess.ts';
import {
  RETINAFACE_RANGES,
  retinafaceModel,
  retinafaceModelPath,
} from '../src/engine/retinaface.detector.ts';
import { VEIL_FACE_RANGES } from '../src/engine/veil-face.detector.ts';
import { VEIL_PLATE_FAR_RANGES, VEIL_PLATE_RANGES } from '../src/engine/veil-plate.detector.ts';
import { runVeilGrid } from '../src/engine/veil-grid.ts';
import { drawPlate } from '../test/fixtures/images/drawn-plate.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
/** Each model's default percentile (see the header), or `--percentile` for both. */
const percentile = (model: 'retinaface' | 'veil-plate') =>
  Number(flag('--percentile') ?? (model === 'retinaface' ? 99.9999 : 99.999));
const only = flag('--model');

const demo = path.dirname(
  createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json'),
);
const pictures = [1, 2, 3, 4, 5, 6].map((k) => path.join(demo, 'demo', `sample${k}.jpg`));
const named = pictures.map((p) => `@vladmandic/face-api/demo/${path.basename(p)}`);

function write(
  file: string,
  weights: string,
  about: string,
  sampler: RangeSampler,
  sides: number[],
  p: number,
) {
  const sha256 = weightsSha256(weights);
  const ranges = sampler.ranges(p);
  const body = { about, sha256, percentile: p, pictures: named, sides, ranges };
  fs.writeFileSync(file, JSON.stringify(body, null, 1) + '\n');
  console.log(`${Object.keys(ranges).length} tensors -> ${file}`);
}

if (!only || only === 'retinaface') {
  const sides = [640, 960, 1680];
  const source = retinafaceModelPath();
  const { bytes, affine } = retinafaceModel(source);
  const names = rangeTensors(bytes);
  const session = await openSession(calibrationModel(bytes, names));
  const sampler = new RangeSampler();
  for (const file of pictures) {
    for (const side of sides) {
      const { data, info } = await sharp(file)
        .removeAlpha()
        .resize(side, side, { fit: 'inside' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
      const input = resizedPlanarTensor(frame, info.width, info.height, 'rgb', undefined, affine);
      const out = await session.run({ data: input.data, dims: input.dims });
      for (const name of names) sampler.add(name, out[name].data);
    }
  }
  await session.close();
  const about =
    'Activation ranges of RetinaFace MobileNet-0.25 (npm retinaface) for its 8-bit model';
  write(
    RETINAFACE_RANGES,
    source,
    `${about}; written by scripts/calibrate-int8.ts`,
    sampler,
    sides,
    percentile('retinaface'),
  );
}

// Veil's face detector (its 8-bit model runs the video frames that ask for both face models):
// the sample photos at the video's detection copies, 640 and 960 px.
if (!only || only === 'veil-face') {
  const sides = [640, 960];
  const source = modelPath('veilFace');
  const bytes = new Uint8Array(fs.readFileSync(source));
  const names = qdqTensors(bytes);
  const session = await openSession(calibrationModel(bytes, names));
  const sampler = new RangeSampler();
  for (const file of pictures) {
    const { data, info } = await sharp(file)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
    for (const side of sides) {
      const run = await runVeilGrid(session, frame, side);
      for (const name of names) sampler.add(name, run.outputs[name]);
    }
  }
  await session.close();
  write(
    VEIL_FACE_RANGES,
    source,
    "Activation ranges of Veil's face detector for its 8-bit model; written by scripts/calibrate-int8.ts",
    sampler,
    sides,
    percentile('veil-plate'),
  );
}

// Veil's plate detector: the photo weights and the far-plate weights that run video frames.
const plateModels = [
  {
    id: 'veil-plate',
    model: 'veilPlate',
    ranges: VEIL_PLATE_RANGES,
    name: "Veil's plate detector",
  },
  {
    id: 'veil-plate-far',
    model: 'veilPlateFar',
    ranges: VEIL_PLATE_FAR_RANGES,
    name: "Veil's far-plate detector",
  },
] as const;
for (const plate of plateModels) {
  if (only && only !== plate.id) continue;
  const sides = [640, 320];
  const source = modelPath(plate.model);
  const bytes = new Uint8Array(fs.readFileSync(source));
  const names = qdqTensors(bytes);
  const session = await openSession(calibrationModel(bytes, names));
  const sampler = new RangeSampler();
  const texts = ['AB 123 CD', 'K 4567 M', '12 EKB 90'];
  for (const [k, file] of pictures.entries()) {
    const { frame } = await drawPlate(file, texts[k % 3], 40 + 30 * k, 60 + 20 * k, 140 + 40 * k);
    for (const side of sides) {
      const run = await runVeilGrid(session, frame, side);
      for (const name of names) sampler.add(name, run.outputs[name]);
    }
  }
  await session.close();
  const about = `Activation ranges of ${plate.name} for its 8-bit model`;
  write(
    plate.ranges,
    source,
    `${about}; written by scripts/calibrate-int8.ts`,
    sampler,
    sides,
    percentile('veil-plate'),
  );
}
