/**
 * Second recogniser of the `syn` fail-safe: @vladmandic/face-api (MIT, weights inside the
 * package) on the TensorFlow.js WASM backend. Human's faceres alone was fooled on tilted,
 * made-up faces in the wild that face-api still matched (distance 0.33 < 0.6), so an output
 * must look like someone else to both. Descriptors are 128-D; same person below 0.6.
 *
 * An attacker chooses how to crop and align: face-api offers two alignments of its 68
 * landmarks (its default and the dlib-style one that eval and the tests use), and the face
 * may be found afresh in the output or cut at the original's place. Each is a "view"; the
 * fail-safe takes the closest of them all.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { RgbFrame } from '../types.ts';

// face-api's node-wasm build loads its own tfjs and WASM backend; use that very instance.
const tf = faceapi.tf as unknown as {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(data: Int32Array, shape: number[], dtype: string): faceapi.tf.Tensor3D;
};

/** face-api's own same-person threshold (euclidean distance of descriptors). */
export const FACE_API_SAME_PERSON = 0.6;

/** One way of looking at a face: where its aligned chip is cut, and who it is there. */
export interface FaceApiView {
  descriptor: Float32Array;
  aligned: faceapi.Rect;
}

/** The original face as face-api sees it, in both alignments. */
export type FaceApiRef = FaceApiView[];

export class FaceApiRuntime {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly detector: faceapi.SsdMobilenetv1Options) {}

  static async load(): Promise<FaceApiRuntime> {
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs WASM backend unavailable');
    await tf.ready();
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
    return new FaceApiRuntime(new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 }));
  }

  /**
   * The face nearest the centre of `crop` (a crop around one face) in both alignments, or
   * null if face-api finds none there.
   */
  describe(crop: RgbFrame): Promise<FaceApiRef | null> {
    return this.serial(async () => {
      const t = toTensor(crop);
      try {
        const all = await faceapi.detectAllFaces(t, this.detector).withFaceLandmarks();
        let best: (typeof all)[number] | undefined;
        let bestDist = crop.width / 5;
        for (const r of all) {
          const b = r.detection.box;
          const d = Math.hypot(
            b.x + b.width / 2 - crop.width / 2,
            b.y + b.height / 2 - crop.height / 2,
          );
          if (d < bestDist) [best, bestDist] = [r, d];
        }
        if (!best) return null;
        const boxes = [
          best.landmarks.align(),
          best.landmarks.align(null, { useDlibAlignment: true }),
        ];
        return await Promise.all(
          boxes.map(async (aligned) => ({ aligned, descriptor: await descriptorAt(t, aligned) })),
        );
      } finally {
        t.dispose();
      }
    });
  }

  /**
   * The smallest distance between `ref` (the original) and `crop` (the output, same
   * geometry) over every view: the output cut at each of the original's aligned boxes, and
   * the output's own face found afresh (both alignments) against each original view and
   * `others` (the same person's descriptors from other frames).
   */
  closestDistance(
    crop: RgbFrame,
    ref: FaceApiRef,
    others: readonly Float32Array[] = [],
    { atPlace = true } = {},
  ): Promise<number> {
    return this.serial(async () => {
      const t = toTensor(crop);
      try {
        let best = Infinity;
        const take = (d: Float32Array) => {
          for (const o of [...ref.map((r) => r.descriptor), ...others])
            best = Math.min(best, faceapi.euclideanDistance(o, d));
        };
        if (atPlace) for (const r of ref) take(await descriptorAt(t, r.aligned));
        const found = await faceapi.detectAllFaces(t, this.detector).withFaceLandmarks();
        for (const f of found) {
          const b = f.detection.box;
          const c = [b.x + b.width / 2, b.y + b.height / 2];
          if (Math.hypot(c[0] - crop.width / 2, c[1] - crop.height / 2) > crop.width / 4) continue;
          take(await descriptorAt(t, f.landmarks.align()));
          take(await descriptorAt(t, f.landmarks.align(null, { useDlibAlignment: true })));
        }
        return best;
      } finally {
        t.dispose();
      }
    });
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const p = this.queue.then(run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

async function descriptorAt(t: faceapi.tf.Tensor3D, box: faceapi.Rect): Promise<Float32Array> {
  const [face] = await faceapi.extractFaceTensors(t, [box]);
  try {
    return (await faceapi.computeFaceDescriptor(face)) as Float32Array;
  } finally {
    face.dispose();
  }
}

function toTensor(img: RgbFrame): faceapi.tf.Tensor3D {
  return tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
}
