/**
 * Second recogniser of the `syn` fail-safe: @vladmandic/face-api (MIT, weights inside the
 * package) on the TensorFlow.js WASM backend. Human's faceres alone was fooled on tilted,
 * made-up faces in the wild that face-api still matched (distance 0.33 < 0.6), so an output
 * must look like someone else to both. Descriptors are 128-D; same person below 0.6.
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

/** The original face as face-api sees it: where its aligned crop is and who it is. */
export interface FaceApiRef {
  descriptor: Float32Array;
  aligned: faceapi.Rect;
}

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

  /** The face nearest the centre of `crop` (a crop around one face), or null if none. */
  describe(crop: RgbFrame): Promise<FaceApiRef | null> {
    return this.serial(async () => {
      const t = toTensor(crop);
      try {
        const all = await faceapi
          .detectAllFaces(t, this.detector)
          .withFaceLandmarks()
          .withFaceDescriptors();
        let best: FaceApiRef | null = null;
        let bestDist = Infinity;
        for (const r of all) {
          const b = r.detection.box;
          const d = Math.hypot(
            b.x + b.width / 2 - crop.width / 2,
            b.y + b.height / 2 - crop.height / 2,
          );
          if (d < bestDist && d < crop.width / 5) {
            bestDist = d;
            best = { descriptor: r.descriptor, aligned: r.landmarks.align() };
          }
        }
        return best;
      } finally {
        t.dispose();
      }
    });
  }

  /** Distance from `ref` of whatever is at its aligned box in `crop` (same geometry as ref's). */
  distanceAt(crop: RgbFrame, ref: FaceApiRef): Promise<number> {
    return this.serial(async () => {
      const t = toTensor(crop);
      const [face] = await faceapi.extractFaceTensors(t, [ref.aligned]);
      try {
        const d = (await faceapi.computeFaceDescriptor(face)) as Float32Array;
        return faceapi.euclideanDistance(ref.descriptor, d);
      } finally {
        face.dispose();
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

function toTensor(img: RgbFrame): faceapi.tf.Tensor3D {
  return tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
}
