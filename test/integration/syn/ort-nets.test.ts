/**
 * syn's networks on onnxruntime (converted in memory from the npm packages' weights) against
 * the TensorFlow.js originals, on real face crops of the fixtures: raw outputs, then the
 * libraries' end results (Human's mesh and descriptor, face-api's landmarks and descriptors).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import sharp from 'sharp';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import {
  FaceApiRuntime,
  faceApiNetsOnOrt,
  loadFaceApiNets,
} from '../../../src/engine/syn/face-api.runtime.ts';
import type { FaceApiOriginals } from '../../../src/engine/syn/face-api.onnx.ts';
import {
  HUMAN_NETS,
  humanOnOrt,
  loadHuman,
  type HumanLike,
  type HumanNet,
} from '../../../src/engine/syn/human.runtime.ts';
import type { RgbFrame } from '../../../src/engine/types.ts';
import { fixturePath, hasFixture, loadFixture, truth } from '../../fixtures/images/fixtures.ts';

const FIXTURE = 'group-5-faces.jpg';
const skip = !hasFixture(FIXTURE) && `fixture ${FIXTURE} missing`;

/** Square crops (1.6x the face box) of every face of the fixture, `size` px, RGB 0..255. */
async function faceCrops(size: number): Promise<Uint8Array[]> {
  const file = fixturePath(FIXTURE)!;
  const { width, height, faces } = truth(FIXTURE);
  const out: Uint8Array[] = [];
  for (const { box } of faces) {
    const side = Math.round(Math.max(box.x2 - box.x1, box.y2 - box.y1) * 1.6);
    const left = Math.max(0, Math.min(width - side, Math.round((box.x1 + box.x2 - side) / 2)));
    const top = Math.max(0, Math.min(height - side, Math.round((box.y1 + box.y2 - side) / 2)));
    const { data } = await sharp(file)
      .extract({ left, top, width: side, height: side })
      .resize(size, size)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    out.push(new Uint8Array(data));
  }
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

type Tensor = { shape: number[]; dataSync(): ArrayLike<number>; dispose(): void };

let human: HumanLike;
let originals: Partial<Record<HumanNet, (x: Tensor) => Tensor | Tensor[]>>;
let faceApiSwitch: FaceApiOriginals;

before(async () => {
  if (skip) return;
  human = await loadHuman();
  originals = (await humanOnOrt(human)) as typeof originals;
  await loadFaceApiNets();
  faceApiSwitch = faceApiNetsOnOrt();
});

/** `run` on face-api's TensorFlow.js nets, then on onnxruntime: [tfjs, ort]. */
async function bothFaceApi<T>(run: () => Promise<T>): Promise<[T, T]> {
  faceApiSwitch.restore();
  try {
    const onTf = await run();
    faceApiSwitch.ort();
    return [onTf, await run()];
  } finally {
    faceApiSwitch.ort();
  }
}

/** Square face crops (1.6x the box, 300 px) as face-api tensors. */
async function faceApiCrops(): Promise<faceapi.tf.Tensor3D[]> {
  return (await faceCrops(300)).map(
    (c) => faceapi.tf.tensor3d(c, [300, 300, 3], 'int32') as faceapi.tf.Tensor3D,
  );
}

const list = (t: Tensor | Tensor[]) => (Array.isArray(t) ? t : [t]);

test(
  'Human blazeface, facemesh and faceres on onnxruntime give the TensorFlow.js outputs',
  { skip },
  async () => {
    const sizes: Record<HumanNet, number> = { blazeface: 256, facemesh: 192, faceres: 224 };
    for (const name of HUMAN_NETS) {
      const model = human.models.models[name]!;
      const crops = await faceCrops(sizes[name]);
      for (const crop of crops) {
        const scaled = Float32Array.from(crop, (v) =>
          name === 'blazeface' ? v / 127.5 - 1 : v / 255,
        );
        const x = human.tf.tensor(
          scaled,
          [1, sizes[name], sizes[name], 3],
          'float32',
        ) as unknown as Tensor;
        const want = list(originals[name]!(x));
        const got = list(model.execute(x as never) as unknown as Tensor | Tensor[]);
        assert.equal(got.length, want.length, name);
        for (let i = 0; i < want.length; i++) {
          assert.deepEqual(got[i].shape, want[i].shape, `${name} output ${i} shape`);
          const w = want[i].dataSync();
          const d = maxDiff(got[i].dataSync(), w);
          const scale = Math.max(1, ...Array.from(w, Math.abs));
          // facemesh: points in 192-px units (within 0.1 px); the rest relative to their size.
          assert.ok(
            d / scale < 1e-3 && (name !== 'facemesh' || d < 0.1),
            `${name} output ${i}: ${d} of ${scale}`,
          );
        }
        [...want, ...got, x].forEach((t) => t.dispose());
      }
    }
  },
);

test(
  'Human detect (detector, mesh, faceres) on onnxruntime matches the TensorFlow.js result',
  { skip },
  async () => {
    const frame: RgbFrame = await loadFixture(FIXTURE);
    const detect = async () => {
      const t = human.tf.tensor3d(frame.data, [frame.height, frame.width, 3], 'int32');
      try {
        const r = await (
          human as unknown as { detect(t: unknown, c: object): Promise<{ face: Face[] }> }
        ).detect(t, {
          face: { description: { enabled: true } },
        });
        return r.face;
      } finally {
        t.dispose();
      }
    };
    type Face = { box: number[]; mesh: number[][]; embedding: number[]; score: number };
    const onOrt = await detect();
    const ort: Partial<Record<HumanNet, unknown>> = {};
    for (const n of HUMAN_NETS) {
      ort[n] = human.models.models[n]!.execute;
      human.models.models[n]!.execute = originals[n] as never;
    }
    let onTf: Face[];
    try {
      onTf = await detect();
    } finally {
      for (const n of HUMAN_NETS) human.models.models[n]!.execute = ort[n] as never;
    }
    assert.equal(onOrt.length, onTf.length);
    assert.ok(onTf.length >= 3, `faces found: ${onTf.length}`);
    for (let i = 0; i < onTf.length; i++) {
      const [a, b] = [onOrt[i], onTf[i]];
      assert.ok(maxDiff(a.box, b.box) <= 1, `box ${a.box} vs ${b.box}`);
      // Human truncates mesh points to whole pixels: a point may fall either side of one.
      assert.ok(maxDiff(a.mesh.flat(), b.mesh.flat()) <= 1, `mesh of face ${i}`);
      const sim = (
        human as unknown as { match: { similarity(x: number[], y: number[]): number } }
      ).match.similarity(a.embedding, b.embedding);
      assert.ok(sim > 0.999, `faceres similarity ${sim}`);
      assert.ok(Math.abs(a.score - b.score) < 1e-3);
    }
  },
);

test(
  'face-api recognition, 68 landmarks and SSD on onnxruntime give the TensorFlow.js results',
  { skip },
  async () => {
    const crops = await faceApiCrops();
    try {
      const [tfDesc, ortDesc] = await bothFaceApi(
        () => faceapi.computeFaceDescriptor(crops as never) as Promise<Float32Array[]>,
      );
      assert.equal(ortDesc.length, crops.length);
      for (let i = 0; i < crops.length; i++) {
        const d = faceapi.euclideanDistance(tfDesc[i], ortDesc[i]);
        assert.ok(d < 1e-3, `descriptor ${i}: distance ${d}`);
      }
      let found = 0;
      for (const [i, crop] of crops.entries()) {
        const [a, b] = await bothFaceApi(
          () => faceapi.detectFaceLandmarks(crop) as Promise<faceapi.FaceLandmarks68>,
        );
        const d = maxDiff(
          a.positions.flatMap((p) => [p.x, p.y]),
          b.positions.flatMap((p) => [p.x, p.y]),
        );
        assert.ok(d < 0.1, `landmarks of face ${i}: ${d} px`);
        const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 });
        const [s1, s2] = await bothFaceApi(async () => await faceapi.detectAllFaces(crop, options));
        found += s1.length;
        assert.equal(s2.length, s1.length, `SSD detections of face ${i}`);
        for (let k = 0; k < s1.length; k++) {
          const [p, q] = [s1[k].box, s2[k].box];
          assert.ok(
            maxDiff([p.x, p.y, p.width, p.height], [q.x, q.y, q.width, q.height]) < 0.1,
            `SSD box ${i}/${k}`,
          );
          assert.ok(Math.abs(s1[k].score - s2[k].score) < 1e-3, `SSD score ${i}/${k}`);
        }
      }
      assert.ok(found >= 3, `SSD found ${found} faces in ${crops.length} crops`);
    } finally {
      crops.forEach((c) => c.dispose());
    }
  },
);

test(
  'FaceApiRuntime on onnxruntime describes and judges as on TensorFlow.js',
  { skip },
  async () => {
    const runtime = await FaceApiRuntime.load({ onnx: true });
    const file = fixturePath(FIXTURE)!;
    const { faces } = truth(FIXTURE);
    for (const [i, { box }] of faces.entries()) {
      const side = Math.round(Math.max(box.x2 - box.x1, box.y2 - box.y1) * 2);
      const left = Math.max(0, Math.round((box.x1 + box.x2 - side) / 2));
      const top = Math.max(0, Math.round((box.y1 + box.y2 - side) / 2));
      const { data, info } = await sharp(file)
        .extract({ left, top, width: side, height: Math.min(side, truth(FIXTURE).height - top) })
        .resize(side, side, { fit: 'fill' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const crop: RgbFrame = { data: new Uint8Array(data), width: info.width, height: info.height };
      const [a, b] = await bothFaceApi(() => runtime.describe(crop));
      assert.ok(a && b, `face ${i} described by both`);
      assert.equal(b.length, a.length);
      for (let k = 0; k < a.length; k++) {
        const d = faceapi.euclideanDistance(a[k].descriptor, b[k].descriptor);
        assert.ok(d < 1e-3, `face ${i} view ${k}: descriptor distance ${d}`);
        assert.ok(
          maxDiff([a[k].found.x, a[k].found.y], [b[k].found.x, b[k].found.y]) < 0.1,
          `face ${i}: SSD box`,
        );
        assert.ok(Math.abs(a[k].aligned.x - b[k].aligned.x) <= 1, `face ${i}: aligned box`);
      }
      // The judge's verdict: the same views of the same pixels, against the same reference.
      const [da, db] = await bothFaceApi(() => runtime.closestDistance(crop, a));
      assert.ok(Math.abs(da - db) < 1e-3, `face ${i}: closest distance ${da} vs ${db}`);
    }
  },
);
