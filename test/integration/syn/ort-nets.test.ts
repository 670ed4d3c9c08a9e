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
  type Nets,
} from '../../../src/engine/syn/face-api.runtime.ts';
import type { FaceApiSwitch } from '../../../src/engine/syn/face-api.onnx.ts';
import {
  FaceMeshRuntime,
  HUMAN_NETS,
  humanOnOrt,
  loadHuman,
  type HumanLike,
  type HumanNet,
} from '../../../src/engine/syn/human.runtime.ts';
import { nextBox, rollOf } from '../../../src/engine/syn/mesh.tracking.ts';
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
type Run = (x: Tensor) => Tensor | Tensor[];

let human: HumanLike;
let twins: Record<HumanNet, { tf: Run; ort: Run }>;
let nets: Nets;
let faceApiSwitch: FaceApiSwitch;

before(async () => {
  if (skip) return;
  human = await loadHuman();
  twins = (await humanOnOrt(human)) as unknown as typeof twins;
  nets = await loadFaceApiNets();
  faceApiSwitch = faceApiNetsOnOrt(nets);
});

/** `run` on face-api's TensorFlow.js nets, then on onnxruntime: [tfjs, ort]. */
async function bothFaceApi<T>(run: () => Promise<T>): Promise<[T, T]> {
  faceApiSwitch.tfjs();
  try {
    const onTf = await run();
    faceApiSwitch.ort();
    return [onTf, await run()];
  } finally {
    faceApiSwitch.ort();
  }
}

const list = (t: Tensor | Tensor[]) => (Array.isArray(t) ? t : [t]);

test(
  'Human blazeface, facemesh and faceres on onnxruntime give the TensorFlow.js outputs',
  { skip },
  async () => {
    const sizes: Record<HumanNet, number> = { blazeface: 256, facemesh: 192, faceres: 224 };
    for (const name of HUMAN_NETS) {
      const crops = await faceCrops(sizes[name]);
      for (const crop of crops) {
        const scaled = Float32Array.from(crop, (v) =>
          name === 'blazeface' ? v / 127.5 - 1 : v / 255,
        );
        const x = human.tf.tensor(scaled, [1, sizes[name], sizes[name], 3], 'float32');
        const want = list(twins[name].tf(x));
        const got = list(twins[name].ort(x));
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
  'FaceMeshRuntime on onnxruntime meshes, tracks and describes as on TensorFlow.js',
  { skip },
  async () => {
    const onOrt = await FaceMeshRuntime.load({ onnx: true });
    const onTf = await FaceMeshRuntime.load({ onnx: false });
    const frame: RgbFrame = await loadFixture(FIXTURE);
    const [a, b] = [await onOrt.analyze(frame), await onTf.analyze(frame)];
    assert.equal(a.length, b.length);
    assert.ok(b.length >= 3, `faces found: ${b.length}`);
    for (let i = 0; i < b.length; i++) {
      assert.ok(maxDiff(a[i].box, b[i].box) <= 1, `box ${a[i].box} vs ${b[i].box}`);
      // Human truncates mesh points to whole pixels: a point may fall either side of one.
      assert.ok(maxDiff(a[i].mesh.flat(), b[i].mesh.flat()) <= 1, `mesh of face ${i}`);
      const sim = onTf.similarity(a[i].embedding, b[i].embedding);
      assert.ok(sim > 0.999, `faceres similarity ${sim}`);
      assert.ok(Math.abs(a[i].score - b[i].score) < 1e-3);
      assert.ok(Math.abs(a[i].yaw - b[i].yaw) < 0.01);
      // The tracked mesh (facemesh alone, video frames between checks).
      const side = Math.max(b[i].box[2], b[i].box[3]);
      const box = nextBox(b[i].mesh, [0, 0, side, side]);
      const [ta, tb] = [
        await onOrt.track(frame, box, rollOf(b[i].mesh)),
        await onTf.track(frame, box, rollOf(b[i].mesh)),
      ];
      assert.ok(ta && tb, `face ${i} tracked by both`);
      assert.ok(maxDiff(ta.mesh.flat(), tb.mesh.flat()) <= 1, `tracked mesh of face ${i}`);
    }
  },
);

test(
  'face-api recognition, 68 landmarks and SSD on onnxruntime give the TensorFlow.js results',
  { skip },
  async () => {
    const crops = (await faceCrops(300)).map(
      (c) => faceapi.tf.tensor3d(c, [300, 300, 3], 'int32') as faceapi.tf.Tensor3D,
    );
    try {
      const [tfDesc, ortDesc] = await bothFaceApi(
        () => nets.recognition.computeFaceDescriptor(crops as never) as Promise<Float32Array[]>,
      );
      assert.equal(ortDesc.length, crops.length);
      for (let i = 0; i < crops.length; i++) {
        const d = faceapi.euclideanDistance(tfDesc[i], ortDesc[i]);
        assert.ok(d < 1e-3, `descriptor ${i}: distance ${d}`);
      }
      let found = 0;
      for (const [i, crop] of crops.entries()) {
        const [a, b] = await bothFaceApi(
          () => nets.landmarks.detectLandmarks(crop) as Promise<faceapi.FaceLandmarks68>,
        );
        const d = maxDiff(
          a.positions.flatMap((p) => [p.x, p.y]),
          b.positions.flatMap((p) => [p.x, p.y]),
        );
        assert.ok(d < 0.1, `landmarks of face ${i}: ${d} px`);
        const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 });
        const [s1, s2] = await bothFaceApi(() => nets.ssd.locateFaces(crop, options));
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
    const onOrt = await FaceApiRuntime.load({ onnx: true });
    const onTf = await FaceApiRuntime.load({ onnx: false });
    const file = fixturePath(FIXTURE)!;
    const { faces, height } = truth(FIXTURE);
    for (const [i, { box }] of faces.entries()) {
      const side = Math.round(Math.max(box.x2 - box.x1, box.y2 - box.y1) * 2);
      const left = Math.max(0, Math.round((box.x1 + box.x2 - side) / 2));
      const top = Math.max(0, Math.round((box.y1 + box.y2 - side) / 2));
      const { data, info } = await sharp(file)
        .extract({ left, top, width: side, height: Math.min(side, height - top) })
        .resize(side, side, { fit: 'fill' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const crop: RgbFrame = { data: new Uint8Array(data), width: info.width, height: info.height };
      const [a, b] = [await onTf.describe(crop), await onOrt.describe(crop)];
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
      const [da, db] = [await onTf.closestDistance(crop, a), await onOrt.closestDistance(crop, a)];
      assert.ok(Math.abs(da - db) < 1e-3, `face ${i}: closest distance ${da} vs ${db}`);
    }
  },
);
