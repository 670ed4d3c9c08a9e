/**
 * ms per network call of `syn`'s networks, TensorFlow.js WASM vs onnxruntime, back to back
 * in one process (alternating, median of `--reps`): Human's blazeface, facemesh and faceres
 * (`execute` on a face crop of group-5-faces.jpg at the model's input size) and face-api's
 * SSD (detectAllFaces on a 300 px crop), 68 landmarks and recognition (1 and 4 chips).
 *
 *   node --import tsx scripts/bench-syn-nets.ts [--reps 15]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { faceApiNetsOnOrt, loadFaceApiNets } from '../src/engine/syn/face-api.runtime.ts';
import { HUMAN_NETS, humanOnOrt, loadHuman } from '../src/engine/syn/human.runtime.ts';
import { fixturePath, truth } from '../test/fixtures/images/fixtures.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '15' } } });
const reps = Number(values.reps);

async function faceCrop(size: number): Promise<Uint8Array> {
  const name = 'group-5-faces.jpg';
  const box = truth(name).faces[2].box;
  const side = Math.round(Math.max(box.x2 - box.x1, box.y2 - box.y1) * 1.6);
  const { data } = await sharp(fixturePath(name)!)
    .extract({
      left: Math.round((box.x1 + box.x2 - side) / 2),
      top: Math.round((box.y1 + box.y2 - side) / 2),
      width: side,
      height: side,
    })
    .resize(size, size)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms of `run` with each runtime, alternating (one warm-up call each). */
async function compare(
  label: string,
  useTf: () => void,
  useOrt: () => void,
  run: () => Promise<unknown>,
) {
  const times = { tf: [] as number[], ort: [] as number[] };
  for (let i = -1; i < reps; i++)
    for (const which of ['tf', 'ort'] as const) {
      (which === 'tf' ? useTf : useOrt)();
      const t = performance.now();
      await run();
      if (i >= 0) times[which].push(performance.now() - t);
    }
  const [a, b] = [median(times.tf), median(times.ort)];
  console.log(
    `${label.padEnd(34)} tfjs ${a.toFixed(1).padStart(7)} ms   ort ${b.toFixed(1).padStart(7)} ms   x${(a / b).toFixed(1)}`,
  );
}

type T = { dataSync(): ArrayLike<number>; dispose(): void };
const human = await loadHuman();
const twins = await humanOnOrt(human);
const sizes = { blazeface: 256, facemesh: 192, faceres: 224 };
for (const name of HUMAN_NETS) {
  const size = sizes[name];
  const x = human.tf.tensor(
    Float32Array.from(await faceCrop(size), (v) => v / 255),
    [1, size, size, 3],
    'float32',
  );
  let run = twins[name].tf;
  await compare(
    `Human ${name} (${size} px)`,
    () => (run = twins[name].tf),
    () => (run = twins[name].ort),
    async () => {
      const out = run(x);
      for (const t of (Array.isArray(out) ? out : [out]) as unknown as T[]) {
        t.dataSync();
        t.dispose();
      }
    },
  );
}

const nets = await loadFaceApiNets();
const sw = faceApiNetsOnOrt(nets);
const crop = faceapi.tf.tensor3d(
  await faceCrop(300),
  [300, 300, 3],
  'int32',
) as faceapi.tf.Tensor3D;
const chips = [0, 1, 2, 3].map(() => crop);
const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 });
const fa = (label: string, run: () => Promise<unknown>) => compare(label, sw.tfjs, sw.ort, run);
await fa('face-api SSD (512 px)', () => nets.ssd.locateFaces(crop, options));
await fa('face-api 68 landmarks (112 px)', () => nets.landmarks.detectLandmarks(crop));
await fa('face-api recognition, 1 chip (150 px)', () =>
  nets.recognition.computeFaceDescriptor(crop),
);
await fa('face-api recognition, batch of 4', () =>
  nets.recognition.computeFaceDescriptor(chips as never),
);
